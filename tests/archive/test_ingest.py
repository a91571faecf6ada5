"""Ingest: validation, durable storage, indexing, duplicates and conflicts, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from sqlalchemy import select

from pypacs.archive.errors import Conflict, InvalidObject, NotOfDeclaredClass
from pypacs.archive.index import patient, series, study
from pypacs.archive.ingest import StoreStatus
from pypacs.archive.service import Archive
from pypacs.config import Settings
from pypacs.dicom.levels import Level
from tests.conftest import SHARED_CT, make_dataset, make_object
from tests.conftest import encode as _encode


def blob_files(settings: Settings) -> list[Path]:
    return sorted((settings.data_dir / "blobs").rglob("*.dcm"))


def test_stored_object_is_indexed_at_every_level_and_readable_byte_for_byte(archive: Archive, settings: Settings):
    data = make_object(PatientName="Müller^Jürgen", PatientID="P77")
    outcome = archive.store(data, source_ae="MODALITY1")
    assert outcome.status is StoreStatus.STORED
    assert archive.read_instance(outcome.sop_instance_uid) == data
    counts = archive.counts()
    assert (counts.patients, counts.studies, counts.series, counts.instances) == (1, 1, 1, 1)
    assert counts.bytes == len(data)
    assert len(blob_files(settings)) == 1
    found = list(archive.find(Level.STUDY, _keys(PatientName="", PatientID="P77", StudyInstanceUID="")))
    assert [str(f.PatientName) for f in found] == ["Müller^Jürgen"]


def test_blob_path_comes_from_a_uid_hash_not_from_attribute_text(archive: Archive, settings: Settings):
    hostile = "../../etc/passwd"
    archive.store(make_object(PatientID=hostile, PatientName=hostile, StudyDescription="/tmp/x"))
    [path] = blob_files(settings)
    assert path.is_relative_to(settings.data_dir / "blobs")
    assert "passwd" not in str(path) and "tmp" not in path.name
    assert len(path.stem.split(".")[0]) == 40


def test_restoring_identical_bytes_is_a_duplicate_and_writes_nothing(archive: Archive, settings: Settings):
    data = make_object()
    archive.store(data)
    before = blob_files(settings)
    again = archive.store(data)
    assert again.status is StoreStatus.DUPLICATE
    assert blob_files(settings) == before
    assert archive.counts().instances == 1


def test_keep_policy_keeps_the_first_version_of_a_changed_instance(archive: Archive):
    first = make_dataset(StudyDescription="FIRST")
    archive.store(_encode(first))
    changed = make_dataset(
        StudyDescription="SECOND",
        SOPInstanceUID=first.SOPInstanceUID,
        StudyInstanceUID=first.StudyInstanceUID,
        SeriesInstanceUID=first.SeriesInstanceUID,
    )
    outcome = archive.store(_encode(changed))
    assert outcome.status is StoreStatus.KEPT
    assert dcmread(archive.open_instance(first.SOPInstanceUID)).StudyDescription == "FIRST"


def test_replace_policy_swaps_the_blob_and_leaves_a_single_copy(tmp_path: Path, database_url: str):
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, duplicate_policy="replace")
    with Archive.open(settings) as archive:
        first = make_dataset(InstanceNumber=1)
        archive.store(_encode(first))
        second = make_dataset(
            InstanceNumber=2,
            SOPInstanceUID=first.SOPInstanceUID,
            StudyInstanceUID=first.StudyInstanceUID,
            SeriesInstanceUID=first.SeriesInstanceUID,
        )
        assert archive.store(_encode(second)).status is StoreStatus.REPLACED
        assert dcmread(archive.open_instance(first.SOPInstanceUID)).InstanceNumber == 2
        assert len(blob_files(settings)) == 1
        assert archive.counts().instances == 1
        found = list(archive.find(Level.IMAGE, _keys(SOPInstanceUID="", InstanceNumber="2")))
        assert len(found) == 1


def test_reject_policy_refuses_a_changed_instance_with_a_conflict(tmp_path: Path, database_url: str):
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, duplicate_policy="reject")
    with Archive.open(settings) as archive:
        first = make_dataset()
        archive.store(_encode(first))
        changed = make_dataset(
            SOPInstanceUID=first.SOPInstanceUID,
            StudyInstanceUID=first.StudyInstanceUID,
            SeriesInstanceUID=first.SeriesInstanceUID,
            InstanceNumber=9,
        )
        with pytest.raises(Conflict, match="already stored with different content"):
            archive.store(_encode(changed))
        assert len(blob_files(settings)) == 1


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SOPInstanceUID", "SOPInstanceUID"),
        ("StudyInstanceUID", "StudyInstanceUID"),
        ("SeriesInstanceUID", "SeriesInstanceUID"),
    ],
)
def test_object_without_a_required_uid_is_refused_and_leaves_nothing(
    archive: Archive, settings: Settings, missing: str, message: str
):
    ds = make_dataset()
    delattr(ds, missing)
    with pytest.raises(InvalidObject, match=message):
        archive.store(_encode(ds))
    assert archive.counts().instances == 0
    assert blob_files(settings) == []
    assert list((settings.data_dir / "staging").iterdir()) == []


@pytest.mark.parametrize(
    ("declared", "error", "reason"),
    [
        (("1.2.840.10008.5.1.4.1.1.4", None), NotOfDeclaredClass, "SOP Class UID"),  # says MR, is CT
        ((None, "1.2.3.999"), InvalidObject, "SOP Instance UID"),
    ],
)
def test_an_object_that_is_not_what_its_request_declared_is_refused_and_leaves_nothing(
    archive: Archive, settings: Settings, declared: tuple[str | None, str | None], error: type, reason: str
):
    ds = make_dataset()
    sop_class, sop_instance = declared
    with pytest.raises(error, match=reason):
        archive.store(_encode(ds), declared=(sop_class or ds.SOPClassUID, sop_instance or ds.SOPInstanceUID))
    assert archive.counts().instances == 0 and blob_files(settings) == []
    stored = archive.store(_encode(ds), declared=(ds.SOPClassUID, ds.SOPInstanceUID))
    assert stored.status is StoreStatus.STORED


def test_object_without_patient_id_is_indexed_under_an_empty_patient_id(archive: Archive):
    outcome = archive.store(make_object(PatientID=None))
    assert outcome.status is StoreStatus.STORED
    [found] = archive.find(Level.STUDY, _keys(PatientID="", StudyInstanceUID=outcome.study_instance_uid))
    assert found.PatientID == ""


def test_not_dicom_and_truncated_files_get_specific_reasons(archive: Archive, settings: Settings):
    with pytest.raises(InvalidObject, match="not a DICOM file"):
        archive.store(b"this is a text file, not an image\n" * 20)
    with pytest.raises(InvalidObject, match="empty file"):
        archive.store(b"")
    data = make_object()
    with pytest.raises(InvalidObject, match="truncated"):
        archive.store(data[:-7])
    assert archive.counts().instances == 0 and blob_files(settings) == []


@pytest.mark.skipif(not SHARED_CT.exists(), reason="shared CT series not present")
def test_truncated_real_ct_slice_is_refused(archive: Archive):
    data = (SHARED_CT / "01.dcm").read_bytes()
    with pytest.raises(InvalidObject, match=r"truncated file: element \(7FE0,0010\)"):
        archive.store(data[: len(data) // 2])


def test_study_of_another_patient_is_a_conflict_and_changes_nothing(archive: Archive, settings: Settings):
    first = make_dataset(PatientID="A")
    archive.store(_encode(first))
    intruder = make_dataset(PatientID="B", StudyInstanceUID=first.StudyInstanceUID)
    with pytest.raises(Conflict, match="stored for patient ID 'A'"):
        archive.store(_encode(intruder))
    counts = archive.counts()
    assert (counts.patients, counts.instances) == (1, 1)
    assert len(blob_files(settings)) == 1


def test_counters_and_modalities_follow_new_series_and_instances(archive: Archive):
    study_uid = "1.2.3.4.100"
    ct_series, mr_series = "1.2.3.4.100.1", "1.2.3.4.100.2"
    for number in range(3):
        archive.store(make_object(StudyInstanceUID=study_uid, SeriesInstanceUID=ct_series, InstanceNumber=number))
    archive.store(make_object(StudyInstanceUID=study_uid, SeriesInstanceUID=mr_series, Modality="MR"))
    with archive.engines.reader.connect() as connection:
        row = connection.execute(select(study.c.num_series, study.c.num_instances, study.c.modalities_in_study)).one()
        assert tuple(row) == (2, 4, "CT\\MR")
        assert connection.execute(select(patient.c.num_studies, patient.c.num_instances)).one() == (1, 4)
        assert sorted(connection.execute(select(series.c.num_instances)).scalars()) == [1, 3]


def _keys(**values: str) -> Dataset:
    ds = Dataset()
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    return ds
