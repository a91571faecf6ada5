"""DCMTK findscu against a real `pypacs serve`: both root models, every level, every matching kind, character sets."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset

from tests.conftest import make_dataset
from tests.interop.conftest import PacsProcess, pypacs_cli, run_dcmtk, start_pacs, stop_pacs

pytestmark = pytest.mark.interop

S1, S2, S3 = "1.2.826.0.1.91.1", "1.2.826.0.1.91.2", "1.2.826.0.1.91.3"
_counter = itertools.count()


@pytest.fixture(scope="module")
def pacs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PacsProcess]:
    root = tmp_path_factory.mktemp("find")
    incoming = root / "incoming"
    incoming.mkdir()
    # Instances of one study carry the same study attributes, as modalities send them: the first stored defines
    # the study's indexed values, and `pypacs import` stores several files at once.
    objects = [
        dict(PatientID="P1", PatientName="Doe^John", StudyInstanceUID=S1, SeriesInstanceUID=S1 + ".1",
             StudyDate="20240315", Modality="CT", AccessionNumber="A1",
             ProcedureCodeSequence=[{"CodeValue": "X1", "CodingSchemeDesignator": "LOCAL"}]),
        dict(PatientID="P1", PatientName="Doe^John", StudyInstanceUID=S1, SeriesInstanceUID=S1 + ".2",
             StudyDate="20240315", Modality="MR", AccessionNumber="A1", SeriesNumber=2,
             ProcedureCodeSequence=[{"CodeValue": "X1", "CodingSchemeDesignator": "LOCAL"}]),
        dict(PatientID="P2", PatientName="Roe^Jane", StudyInstanceUID=S2, SeriesInstanceUID=S2 + ".1",
             StudyDate="20230101", Modality="US", AccessionNumber="A2"),
        dict(PatientID="P3", PatientName="Poe^Edgar", StudyInstanceUID=S3, SeriesInstanceUID=S3 + ".1",
             StudyDate="20250601", Modality="CT", AccessionNumber="A3"),
    ]  # fmt: skip
    for number, attributes in enumerate(objects):
        make_dataset(InstanceNumber=number + 1, **attributes).save_as(
            incoming / f"{number}.dcm", enforce_file_format=True
        )
    assert pypacs_cli("import", str(incoming), "--data-dir", str(root / "data")).returncode == 0
    running = start_pacs(root / "data")
    try:
        yield running
    finally:
        stop_pacs(running)


def findscu(pacs: PacsProcess, tmp_path: Path, model: str, *keys: str, query_file: Path | None = None):  # type: ignore[no-untyped-def]
    """Run findscu with -k keys (or a query file); returns (responses as Datasets, findscu's stderr)."""
    out = tmp_path / f"responses{next(_counter)}"
    out.mkdir()
    arguments = ["findscu", model, "-v", "-aec", "PYPACS", "-X", "-od", str(out)]
    for key in keys:
        arguments += ["-k", key]
    arguments += ["127.0.0.1", str(pacs.dimse_port)]
    if query_file:
        arguments.append(str(query_file))
    result = run_dcmtk(*arguments)
    return [dcmread(path) for path in sorted(out.glob("rsp*.dcm"))], result.stderr


def study_keys(*filters: str) -> list[str]:
    return ["QueryRetrieveLevel=STUDY", "StudyInstanceUID=", "PatientID=", *filters]


def test_patient_root_patient_level_with_counts(pacs: PacsProcess, tmp_path: Path):
    found, log = findscu(pacs, tmp_path, "-P", "QueryRetrieveLevel=PATIENT", "PatientName=?oe*", "PatientID=",
                         "NumberOfPatientRelatedStudies=", "NumberOfPatientRelatedInstances=")  # fmt: skip
    assert "Received Final Find Response (Success)" in log
    rows = sorted((f.PatientID, f.NumberOfPatientRelatedStudies, f.NumberOfPatientRelatedInstances) for f in found)
    assert rows == [("P1", 1, 2), ("P2", 1, 1), ("P3", 1, 1)]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["PatientName="], {"P1", "P2", "P3"}),  # universal
        (["AccessionNumber=A2"], {"P2"}),  # single value
        (["PatientName=doe^john"], {"P1"}),  # single value, PN case-insensitive
        (["PatientName=*oe^J*"], {"P1", "P2"}),  # wildcard
        (["StudyDate=20240101-20251231"], {"P1", "P3"}),  # range
        (["StudyDate=-20231231"], {"P2"}),  # open range
        ([f"StudyInstanceUID={S2}\\{S3}"], {"P2", "P3"}),  # UID list
        (["ModalitiesInStudy=MR\\US"], {"P1", "P2"}),  # multiple values
        (["(0008,1032)[0].(0008,0100)=X1"], {"P1"}),  # sequence
    ],
)
def test_study_root_study_level_matching_kinds(pacs: PacsProcess, tmp_path: Path, filters, expected):
    found, log = findscu(pacs, tmp_path, "-S", *study_keys(*filters))
    assert "Received Final Find Response (Success)" in log, log[-500:]
    assert {f.PatientID for f in found} == expected


def test_hierarchical_series_and_image_queries(pacs: PacsProcess, tmp_path: Path):
    series, _ = findscu(pacs, tmp_path, "-S", "QueryRetrieveLevel=SERIES", f"StudyInstanceUID={S1}",
                        "SeriesInstanceUID=", "Modality=", "NumberOfSeriesRelatedInstances=")  # fmt: skip
    assert sorted((s.Modality, s.NumberOfSeriesRelatedInstances) for s in series) == [("CT", 1), ("MR", 1)]
    images, _ = findscu(pacs, tmp_path, "-P", "QueryRetrieveLevel=IMAGE", "PatientID=P1", f"StudyInstanceUID={S1}",
                        f"SeriesInstanceUID={S1}.2", "SOPInstanceUID=", "InstanceNumber=")  # fmt: skip
    assert [i.InstanceNumber for i in images] == [2]


def test_only_requested_keys_are_returned(pacs: PacsProcess, tmp_path: Path):
    found, _ = findscu(pacs, tmp_path, "-S", "QueryRetrieveLevel=STUDY", "AccessionNumber=A3", "StudyDate=")
    assert len(found) == 1
    assert {e.keyword for e in found[0]} == {
        "SpecificCharacterSet",
        "StudyDate",
        "AccessionNumber",
        "QueryRetrieveLevel",
        "StudyInstanceUID",
    }


def test_wrong_level_and_bad_values_get_failure_statuses(pacs: PacsProcess, tmp_path: Path):
    _, log = findscu(pacs, tmp_path, "-S", "QueryRetrieveLevel=PATIENT", "PatientID=")
    assert "Failed: IdentifierDoesNotMatchSOPClass" in log or "DataSetDoesNotMatchSOPClass" in log
    _, log = findscu(pacs, tmp_path, "-S", "QueryRetrieveLevel=STUDY", "StudyDate=20241399")
    assert "UnableToProcess" in log


@pytest.mark.parametrize(
    ("charset", "name", "pattern"),
    [
        ("GB18030", "王^小明", "王*"),
        ("ISO_IR 100", "Müller^Jürgen", "M?ller^J*"),
        ("ISO_IR 192", "Ødegård^Åse", "Ødeg*"),
    ],
)
def test_names_round_trip_through_storescu_and_findscu(pacs: PacsProcess, tmp_path: Path, charset, name, pattern):
    patient_id = "CS-" + charset.replace(" ", "")
    ds = make_dataset(SpecificCharacterSet=charset, PatientName=name, PatientID=patient_id)
    stored = tmp_path / "named.dcm"
    ds.save_as(stored, enforce_file_format=True)
    result = run_dcmtk("storescu", "-aec", "PYPACS", "127.0.0.1", str(pacs.dimse_port), str(stored))
    assert result.returncode == 0, result.stderr
    query = Dataset()
    query.SpecificCharacterSet = charset
    query.QueryRetrieveLevel = "STUDY"
    query.PatientName = pattern
    query.PatientID = ""
    query.StudyInstanceUID = ""
    query.file_meta = FileMetaDataset()
    query.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
    query_file = tmp_path / "query.dcm"
    query.save_as(query_file, enforce_file_format=False)
    found, log = findscu(pacs, tmp_path, "-S", query_file=query_file)
    assert [(str(f.PatientName), f.PatientID) for f in found] == [(name, patient_id)], log[-800:]
