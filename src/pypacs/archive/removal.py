"""Removing an instance from the index: its rows, the counters above it, and parents left empty.

Used by crash recovery for instances whose blob did not survive; deletion by users will build on it.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, distinct, select, update

from pypacs.archive.index import instance, instance_metadata, patient, sequence_value, series, study
from pypacs.dicom.levels import Level


def unindex_instance(connection: Connection, blob_key: str) -> bool:
    """Remove the instance stored under `blob_key`; returns False when no instance has that key."""
    row = connection.execute(
        select(instance.c.pk, instance.c.series_fk, instance.c.study_fk).where(instance.c.blob_key == blob_key)
    ).first()
    if row is None:
        return False
    instance_pk, series_pk, study_pk = row
    patient_pk = connection.execute(select(study.c.patient_fk).where(study.c.pk == study_pk)).scalar_one()
    _delete_owned(connection, Level.IMAGE, instance_pk)
    connection.execute(delete(instance_metadata).where(instance_metadata.c.instance_fk == instance_pk))
    connection.execute(delete(instance).where(instance.c.pk == instance_pk))
    for table, pk in ((series, series_pk), (study, study_pk), (patient, patient_pk)):
        connection.execute(update(table).where(table.c.pk == pk).values(num_instances=table.c.num_instances - 1))
    if _is_empty(connection, series, series_pk, "num_instances"):
        _delete_owned(connection, Level.SERIES, series_pk)
        connection.execute(delete(series).where(series.c.pk == series_pk))
        connection.execute(
            update(patient).where(patient.c.pk == patient_pk).values(num_series=patient.c.num_series - 1)
        )
        modalities = connection.execute(
            select(distinct(series.c.modality)).where(series.c.study_fk == study_pk, series.c.modality != "")
        ).scalars()
        connection.execute(
            update(study)
            .where(study.c.pk == study_pk)
            .values(num_series=study.c.num_series - 1, modalities_in_study="\\".join(sorted(modalities)))
        )
    if _is_empty(connection, study, study_pk, "num_series"):
        _delete_owned(connection, Level.STUDY, study_pk)
        connection.execute(delete(study).where(study.c.pk == study_pk))
        connection.execute(
            update(patient).where(patient.c.pk == patient_pk).values(num_studies=patient.c.num_studies - 1)
        )
    if _is_empty(connection, patient, patient_pk, "num_studies"):
        _delete_owned(connection, Level.PATIENT, patient_pk)
        connection.execute(delete(patient).where(patient.c.pk == patient_pk))
    return True


def _is_empty(connection: Connection, table: object, pk: int, counter: str) -> bool:
    return connection.execute(select(table.c[counter]).where(table.c.pk == pk)).scalar_one() <= 0  # type: ignore[attr-defined]


def _delete_owned(connection: Connection, level: Level, owner_pk: int) -> None:
    connection.execute(
        delete(sequence_value).where(sequence_value.c.level == level.value, sequence_value.c.owner_fk == owner_pk)
    )
