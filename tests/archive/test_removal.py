"""Un-indexing an instance keeps counters, Modalities in Study and the hierarchy consistent."""

from __future__ import annotations

from pydicom.dataset import Dataset
from sqlalchemy import select

from pypacs.archive.index import patient, series, study
from pypacs.archive.removal import unindex_instance
from pypacs.archive.service import Archive
from pypacs.dicom.levels import Level
from tests.conftest import make_object


def test_removing_instances_updates_counters_and_drops_empty_parents(archive: Archive):
    study_uid = "1.2.826.0.1.88"
    ct = [archive.store(make_object(StudyInstanceUID=study_uid, SeriesInstanceUID=study_uid + ".1", PatientID="R1"))
          for _ in range(2)]  # fmt: skip
    mr = archive.store(make_object(StudyInstanceUID=study_uid, SeriesInstanceUID=study_uid + ".2", PatientID="R1",
                                   Modality="MR"))  # fmt: skip
    with archive.engines.writer.begin() as connection:
        assert unindex_instance(connection, archive.instance_blob_key(mr.sop_instance_uid))
        assert not unindex_instance(connection, "no-such-key")
    with archive.engines.reader.connect() as connection:
        row = connection.execute(select(study.c.num_series, study.c.num_instances, study.c.modalities_in_study)).one()
        assert tuple(row) == (1, 2, "CT")
        assert connection.execute(select(patient.c.num_series, patient.c.num_instances)).one() == (1, 2)
        assert connection.execute(select(series.c.modality)).scalars().all() == ["CT"]
    query = Dataset()
    query.StudyInstanceUID = study_uid
    query.ModalitiesInStudy = "MR"
    assert list(archive.find(Level.STUDY, query)) == []
    with archive.engines.writer.begin() as connection:
        for outcome in ct:
            unindex_instance(connection, archive.instance_blob_key(outcome.sop_instance_uid))
    counts = archive.counts()
    assert (counts.patients, counts.studies, counts.series, counts.instances) == (0, 0, 0, 0)
