"""The one way in: validate an object, write its blob durably, index it in one transaction, say what happened.

Called by every adapter (DIMSE C-STORE, STOW-RS, `pypacs import`); knows nothing of protocols or statuses.
"""

from __future__ import annotations

import hashlib
import logging
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from pypacs.archive.blobs import BlobStore, StagedBlob, blob_key_for
from pypacs.archive.errors import Conflict, InvalidObject, NotOfDeclaredClass, StorageFull
from pypacs.archive.index import (
    Engines,
    instance,
    instance_metadata,
    patient,
    sequence_value,
    series,
    study,
)
from pypacs.archive.records import InstanceRecord, build_record
from pypacs.config import DuplicatePolicy
from pypacs.dicom.levels import Level
from pypacs.dicom.part10 import InvalidPart10, read_object, read_object_file

log = logging.getLogger(__name__)

SQLITE_FULL = 13  # "database or disk is full"


class StoreStatus(StrEnum):
    STORED = "stored"  # new instance
    DUPLICATE = "duplicate"  # same bytes already stored: nothing written
    KEPT = "kept"  # different bytes, policy 'keep': the stored version stays
    REPLACED = "replaced"  # different bytes, policy 'replace': the new version replaced the old


@dataclass(frozen=True)
class StoreOutcome:
    status: StoreStatus
    sop_class_uid: str
    sop_instance_uid: str
    study_instance_uid: str
    series_instance_uid: str
    size: int

    @property
    def message(self) -> str:
        return {
            StoreStatus.STORED: "stored",
            StoreStatus.DUPLICATE: "already stored (identical)",
            StoreStatus.KEPT: "already stored with different content; kept the stored version",
            StoreStatus.REPLACED: "replaced the stored version",
        }[self.status]


@dataclass(frozen=True)
class _Existing:
    pk: int
    digest: str
    blob_key: str
    series_uid: str


def store_instance(
    engines: Engines,
    blobs: BlobStore,
    source: bytes | Path,
    *,
    policy: DuplicatePolicy = "keep",
    source_ae: str = "",
    writer: Executor | None = None,
    declared: tuple[str, str] | None = None,
    lenient_uids: bool = False,
) -> StoreOutcome:
    """Store one object given as Part 10 bytes, or as a file of any size that becomes the stored blob (a spool
    file the caller owns: linked into the blob store, never changed after). Raises InvalidObject, Conflict or
    StorageFull; leaves nothing behind then.

    `declared` is the (SOP Class UID, SOP Instance UID) a request announced the object as (a C-STORE's Affected
    ones): an object that is something else is refused (NotOfDeclaredClass, or InvalidObject for the instance).
    `lenient_uids` accepts harmless non-conformant UIDs (settings.accept_nonconformant_uids).

    The blob write starts as soon as the object is parsed (on the `writer` pool when given) and runs while
    the index record is built and its statements executed; the transaction commits once the blob is durable.
    """
    try:
        if isinstance(source, Path):
            ds, payload = read_object_file(source, lenient_uids=lenient_uids), Payload(source)
        else:
            ds, data = read_object(source, lenient_uids=lenient_uids)
            payload = Payload(data)
    except InvalidPart10 as exc:
        raise InvalidObject(str(exc)) from exc
    sop_instance_uid = str(ds.SOPInstanceUID).strip()
    if declared is not None:
        _check_declared(str(ds.SOPClassUID).strip(), sop_instance_uid, declared)
    with engines.reader.connect() as connection:
        existing = _find_existing(connection, sop_instance_uid)
    job = None if existing else _BlobWrite(blobs, blob_key_for(sop_instance_uid), payload, writer)
    try:
        record = _index_record(ds, payload, source_ae)
        if existing is not None:
            decided = _decide_for_existing(existing, record, record.levels[Level.IMAGE].columns["digest"], policy)
            if decided is not None:
                return _outcome(decided, record, payload.size)
        for attempt in range(3):
            job = job or _BlobWrite(blobs, blob_key_for(sop_instance_uid), payload, None)
            try:
                with engines.write_lock(), engines.writer.begin() as connection:
                    status, replaced_key = _write_index(connection, record, job.key, policy)
                    job.durable.result()  # durable before committed; a failed write rolls the transaction back
            except OperationalError as exc:
                if index_full(exc):
                    raise StorageFull(f"the index has no room left ({exc.orig}); the object was not stored") from exc
                raise
            except IntegrityError:
                # Another writer stored the same patient/study/series/instance at the same moment: look again.
                job.discard()
                job = None
                if attempt == 2:
                    raise
                log.debug("concurrent insert of %s, retrying", sop_instance_uid)
                continue
            if status in (StoreStatus.DUPLICATE, StoreStatus.KEPT):
                job.discard()
                job = None
                return _outcome(status, record, payload.size)
            blobs.confirm(job.visible.result(), replaced=replaced_key)
            job = None
            return _outcome(status, record, payload.size)
        raise AssertionError("unreachable")
    except BaseException:
        if job is not None:
            job.discard()
        raise


def _check_declared(sop_class_uid: str, sop_instance_uid: str, declared: tuple[str, str]) -> None:
    declared_class, declared_instance = (uid.strip() for uid in declared)
    if sop_class_uid != declared_class:
        raise NotOfDeclaredClass(f"data set SOP Class UID {sop_class_uid} is not the request's {declared_class}")
    if sop_instance_uid != declared_instance:
        raise InvalidObject(f"data set SOP Instance UID {sop_instance_uid} is not the request's {declared_instance}")


def index_full(error: OperationalError) -> bool:
    """Whether the index database failed for want of space: SQLite's SQLITE_FULL, PostgreSQL's SQLSTATE class 53
    (insufficient resources: disk full, out of memory)."""
    original = error.orig
    if getattr(original, "sqlite_errorcode", None) == SQLITE_FULL:
        return True
    return str(getattr(original, "sqlstate", "") or "").startswith("53")


class Payload:
    """The bytes to store, in memory or in a file: their size, digest, and how they are written as a blob."""

    def __init__(self, content: bytes | Path) -> None:
        self.content = content
        self.size = len(content) if isinstance(content, bytes) else content.stat().st_size

    def digest(self) -> str:
        if isinstance(self.content, bytes):
            return hashlib.sha256(self.content).hexdigest()
        with self.content.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()

    def write_visible(self, blobs: BlobStore, key: str) -> StagedBlob:
        if isinstance(self.content, bytes):
            return blobs.write_visible(key, self.content)
        return blobs.write_visible_file(key, self.content)


class _BlobWrite:
    """One blob write in two steps, on a worker thread when a pool is given: visible, then durable."""

    def __init__(self, blobs: BlobStore, key: str, payload: Payload, writer: Executor | None) -> None:
        self.blobs = blobs
        self.key = key
        self.visible: Future[StagedBlob] = Future()
        self.durable: Future[None] = Future()
        if writer is None:
            self._run(payload)
        else:
            writer.submit(self._run, payload)

    def _run(self, payload: Payload) -> None:
        try:
            staged = payload.write_visible(self.blobs, self.key)
        except BaseException as exc:
            self.visible.set_exception(exc)
            self.durable.set_exception(exc)
            return
        self.visible.set_result(staged)
        try:
            self.blobs.make_durable(staged)
        except BaseException as exc:
            self.durable.set_exception(exc)
            return
        self.durable.set_result(None)

    def discard(self) -> None:
        """Wait for the write to end, then remove whatever it wrote."""
        try:
            staged = self.visible.result()
        except BaseException:
            return  # nothing was written
        try:
            self.durable.result()
        except BaseException:
            pass
        self.blobs.discard(staged)


def _index_record(ds: Any, payload: Payload, source_ae: str) -> InstanceRecord:
    try:
        record = build_record(ds)
    except Exception as exc:  # a value pydicom cannot convert, deep in the dataset
        raise InvalidObject(f"cannot read the object's attributes: {exc}") from exc
    record.levels[Level.IMAGE].columns.update(
        transfer_syntax_uid=str(ds.file_meta.TransferSyntaxUID),
        size=payload.size,
        digest=payload.digest(),
        source_ae=source_ae,
    )
    return record


def _outcome(status: StoreStatus, record: InstanceRecord, size: int) -> StoreOutcome:
    return StoreOutcome(
        status,
        str(record.levels[Level.IMAGE].columns["sop_class_uid"]),
        record.sop_instance_uid,
        record.study_instance_uid,
        record.series_instance_uid,
        size,
    )


def _find_existing(connection: Connection, sop_instance_uid: str) -> _Existing | None:
    row = connection.execute(
        select(instance.c.pk, instance.c.digest, instance.c.blob_key, series.c.series_instance_uid)
        .join(series, series.c.pk == instance.c.series_fk)
        .where(instance.c.sop_instance_uid == sop_instance_uid)
    ).first()
    return _Existing(*row) if row else None


def _decide_for_existing(
    existing: _Existing, record: InstanceRecord, digest: str, policy: DuplicatePolicy
) -> StoreStatus | None:
    """The outcome when the instance is stored already, or None when the new version must be written."""
    if existing.digest == digest:
        return StoreStatus.DUPLICATE
    if policy == "keep":
        return StoreStatus.KEPT
    if policy == "reject":
        raise Conflict(f"SOP Instance {record.sop_instance_uid} is already stored with different content")
    if existing.series_uid != record.series_instance_uid:
        raise Conflict(
            f"SOP Instance {record.sop_instance_uid} is stored in series {existing.series_uid}; "
            f"a replacement cannot move it to series {record.series_instance_uid}"
        )
    return None


def _write_index(
    connection: Connection, record: InstanceRecord, blob_key: str, policy: DuplicatePolicy
) -> tuple[StoreStatus, str | None]:
    existing = _find_existing(connection, record.sop_instance_uid)
    if existing is not None:
        decided = _decide_for_existing(existing, record, record.levels[Level.IMAGE].columns["digest"], policy)
        if decided is not None:
            return decided, None
        _replace_instance(connection, existing, record, blob_key)
        return StoreStatus.REPLACED, existing.blob_key
    patient_pk = _patient(connection, record)
    study_pk = _study(connection, record, patient_pk)
    series_pk = _series(connection, record, study_pk, patient_pk)
    columns = dict(record.levels[Level.IMAGE].columns, blob_key=blob_key, series_fk=series_pk, study_fk=study_pk)
    instance_pk = _insert(connection, instance, columns)
    connection.execute(instance_metadata.insert().values(instance_fk=instance_pk, json=record.metadata_json))
    _add_sequence_values(connection, record, Level.IMAGE, instance_pk)
    for table, pk in ((series, series_pk), (study, study_pk), (patient, patient_pk)):
        connection.execute(update(table).where(table.c.pk == pk).values(num_instances=table.c.num_instances + 1))
    return StoreStatus.STORED, None


def _replace_instance(connection: Connection, existing: _Existing, record: InstanceRecord, blob_key: str) -> None:
    columns = dict(record.levels[Level.IMAGE].columns, blob_key=blob_key)
    connection.execute(update(instance).where(instance.c.pk == existing.pk).values(**columns))
    connection.execute(
        update(instance_metadata)
        .where(instance_metadata.c.instance_fk == existing.pk)
        .values(json=record.metadata_json)
    )
    connection.execute(
        sequence_value.delete().where(
            sequence_value.c.level == Level.IMAGE.value, sequence_value.c.owner_fk == existing.pk
        )
    )
    _add_sequence_values(connection, record, Level.IMAGE, existing.pk)


def _patient(connection: Connection, record: InstanceRecord) -> int:
    level = record.levels[Level.PATIENT]
    identity = (patient.c.patient_id == level.columns["patient_id"]) & (
        patient.c.issuer_of_patient_id == level.columns["issuer_of_patient_id"]
    )
    pk = connection.execute(select(patient.c.pk).where(identity)).scalar()
    if pk is None:
        pk = _insert(connection, patient, dict(level.columns, **level.json_columns))
        _add_sequence_values(connection, record, Level.PATIENT, pk)
    return int(pk)


def _study(connection: Connection, record: InstanceRecord, patient_pk: int) -> int:
    level = record.levels[Level.STUDY]
    row = connection.execute(
        select(study.c.pk, study.c.patient_fk).where(study.c.study_instance_uid == record.study_instance_uid)
    ).first()
    if row is not None:
        if row.patient_fk != patient_pk:
            owner = connection.execute(select(patient.c.patient_id).where(patient.c.pk == row.patient_fk)).scalar()
            given = record.levels[Level.PATIENT].columns["patient_id"]
            raise Conflict(
                f"study {record.study_instance_uid} is stored for patient ID {owner!r}; "
                f"this object names patient ID {given!r}"
            )
        return int(row.pk)
    pk = _insert(connection, study, dict(level.columns, patient_fk=patient_pk, **level.json_columns))
    _add_sequence_values(connection, record, Level.STUDY, pk)
    connection.execute(update(patient).where(patient.c.pk == patient_pk).values(num_studies=patient.c.num_studies + 1))
    return pk


def _series(connection: Connection, record: InstanceRecord, study_pk: int, patient_pk: int) -> int:
    level = record.levels[Level.SERIES]
    row = connection.execute(
        select(series.c.pk, series.c.study_fk).where(series.c.series_instance_uid == record.series_instance_uid)
    ).first()
    if row is not None:
        if row.study_fk != study_pk:
            raise Conflict(
                f"series {record.series_instance_uid} is stored in another study than {record.study_instance_uid}"
            )
        return int(row.pk)
    pk = _insert(connection, series, dict(level.columns, study_fk=study_pk, **level.json_columns))
    _add_sequence_values(connection, record, Level.SERIES, pk)
    modality = level.columns["modality"]
    modalities = connection.execute(select(study.c.modalities_in_study).where(study.c.pk == study_pk)).scalar() or ""
    known = [m for m in modalities.split("\\") if m]
    values: dict[str, Any] = {"num_series": study.c.num_series + 1}
    if modality and modality not in known:
        values["modalities_in_study"] = "\\".join(sorted([*known, modality]))
    connection.execute(update(study).where(study.c.pk == study_pk).values(**values))
    connection.execute(update(patient).where(patient.c.pk == patient_pk).values(num_series=patient.c.num_series + 1))
    return pk


def _insert(connection: Connection, table: Any, values: dict[str, Any]) -> int:
    return int(connection.execute(table.insert().values(**values).returning(table.c.pk)).scalar_one())


def _add_sequence_values(connection: Connection, record: InstanceRecord, level: Level, owner_pk: int) -> None:
    rows = record.sequence_values.get(level) or []
    if rows:
        connection.execute(
            sequence_value.insert(),
            [
                {
                    "level": level.value,
                    "owner_fk": owner_pk,
                    "sequence": seq,
                    "item": item,
                    "keyword": kw,
                    "value": v,
                }
                for seq, item, kw, v in rows
            ],
        )
