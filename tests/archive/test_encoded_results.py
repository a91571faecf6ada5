"""C-FIND results encoded a column at a time (archive.encoded_results) are byte for byte what the general way
(DICOM JSON, then encode_flat_json or pydicom) gives, and fall back to it row by row where they must."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from pydicom.dataset import Dataset
from pynetdicom.dsutils import decode
from pynetdicom.dsutils import encode as pydicom_encode
from sqlalchemy import update

from pypacs.archive.index import study
from pypacs.archive.service import Archive
from pypacs.dicom.json_binary import encode_flat_json
from pypacs.dicom.json_model import dataset_from_json
from pypacs.dicom.levels import Level, Root
from tests.archive.conftest import S1, S3, S4
from tests.conftest import make_object

LEVEL_KEY = {"00080052": {"vr": "CS", "Value": ["STUDY"]}}


def keys(**values: object) -> Dataset:
    ds = Dataset()
    for keyword, value in values.items():
        if isinstance(value, list):
            value = [keys(**item) for item in value]
        setattr(ds, keyword, value)
    return ds


def general(document: dict[str, Any], implicit_vr: bool) -> bytes:
    return encode_flat_json(document, implicit_vr) or pydicom_encode(dataset_from_json(document), implicit_vr, True)


def refuse(document: dict[str, Any]) -> bytes:
    raise AssertionError(f"the general way was taken for {document}")


def both_ways(archive: Archive, level: Level, identifier: Dataset, root: Root, implicit_vr: bool, encode=None):
    extra = {"00080052": {"vr": "CS", "Value": [level.value]}}
    fast = [
        data
        for batch in archive.find_encoded(
            level,
            identifier,
            root=root,
            implicit_vr=implicit_vr,
            extra=extra,
            encode_document=encode or (lambda d: general(d, implicit_vr)),
        )  # fmt: skip
        for data in batch
    ]
    slow = [general({**document, **extra}, implicit_vr) for document in archive.find_json(level, identifier, root=root)]
    return fast, slow


STUDY_KEYS = dict(
    StudyInstanceUID="", PatientName="", PatientID="", PatientBirthDate="", StudyDate="", StudyTime="",
    AccessionNumber="", StudyDescription="", ModalitiesInStudy="", NumberOfStudyRelatedSeries="",
    NumberOfStudyRelatedInstances="", NumberOfPatientRelatedStudies="", RetrieveAETitle="",
    InstanceAvailability="", SeriesDescription="", ReferringPhysicianName="",
)  # fmt: skip
QUERIES = [
    (Level.STUDY, Root.STUDY, STUDY_KEYS),
    (Level.STUDY, Root.STUDY, {**STUDY_KEYS, "PatientName": "王*"}),
    (Level.STUDY, Root.STUDY, {**STUDY_KEYS, "ModalitiesInStudy": "MR"}),
    (
        Level.PATIENT,
        Root.PATIENT,
        {"PatientID": "", "PatientName": "", "PatientSex": "", "NumberOfPatientRelatedInstances": "", "StudyDate": ""},
    ),  # fmt: skip
    (
        Level.SERIES,
        Root.STUDY,
        {
            "StudyInstanceUID": S1,
            "SeriesInstanceUID": "",
            "Modality": "",
            "SeriesNumber": "",
            "SeriesDescription": "",
            "NumberOfSeriesRelatedInstances": "",
            "NumberOfStudyRelatedInstances": "",
            "PatientName": "",
        },
    ),  # fmt: skip
]


@pytest.mark.parametrize("implicit_vr", [True, False])
@pytest.mark.parametrize(("level", "root", "values"), QUERIES)
def test_text_attributes_are_encoded_without_the_general_way_and_give_its_bytes(populated, implicit_vr, level,
                                                                                root, values):  # fmt: skip
    fast, slow = both_ways(populated, level, keys(**values), root, implicit_vr, encode=refuse)
    assert fast and fast == slow


def test_a_chinese_name_reads_back_in_utf8(populated):
    [data] = [d for batch in populated.find_encoded(Level.STUDY, keys(StudyInstanceUID=S4, PatientName=""),
                                                    root=Root.STUDY, implicit_vr=False, encode_document=refuse)
              for d in batch]  # fmt: skip
    found = decode(BytesIO(data), False, True)
    assert found.SpecificCharacterSet == "ISO_IR 192"
    assert str(found.PatientName) == "王^小明=ワン^シャオミン"


def test_sop_classes_in_study_are_encoded_from_their_query(populated):
    fast, slow = both_ways(populated, Level.STUDY, keys(StudyInstanceUID=S1, SOPClassesInStudy=""), Root.STUDY,
                           False, encode=refuse)  # fmt: skip
    assert fast == slow and b"1.2.840.10008.5.1.4.1.1.4" in fast[0]


def test_a_value_that_is_not_plain_text_takes_the_general_way_for_its_row_only(archive: Archive):
    archive.store(make_object(StudyInstanceUID=S1, PatientID="W1", PatientWeight="72.5"))
    archive.store(make_object(StudyInstanceUID=S3, PatientID="W2"))
    archive.store(make_object(PatientID="W3", PatientWeight="80"))
    taken: list[dict] = []

    def general_once(document: dict[str, Any]) -> bytes:
        taken.append(document)
        return general(document, False)

    identifier = keys(StudyInstanceUID="", PatientWeight="", PatientID="")
    fast, slow = both_ways(archive, Level.STUDY, identifier, Root.STUDY, False, encode=general_once)
    assert len(fast) == 3 and fast == slow
    assert sorted(document["00100020"]["Value"][0] for document in taken) == ["W1", "W3"]


def test_rows_indexed_before_texts_were_kept_take_the_general_way(populated):
    with populated.engines.writer.begin() as connection:
        connection.execute(update(study).where(study.c.study_instance_uid == S3).values(attribute_texts=""))
    taken: list[dict] = []

    def general_once(document: dict[str, Any]) -> bytes:
        taken.append(document)
        return general(document, True)

    fast, slow = both_ways(populated, Level.STUDY, keys(**STUDY_KEYS), Root.STUDY, True, encode=general_once)
    assert fast == slow and len(fast) == 5
    assert [document["0020000D"]["Value"] for document in taken] == [[S3]]


@pytest.mark.parametrize(
    ("level", "values"),
    [
        (Level.STUDY, {"StudyInstanceUID": "", "ProcedureCodeSequence": [{"CodeValue": ""}]}),  # a sequence
        (Level.STUDY, {"StudyInstanceUID": "", "PatientID": "", "OtherPatientIDsSequence": []}),  # a return key
        (Level.IMAGE, {"StudyInstanceUID": S1, "SeriesInstanceUID": S1 + ".1", "SOPInstanceUID": "", "Rows": ""}),
    ],
)
def test_queries_the_columns_cannot_encode_go_the_general_way_whole(populated, level, values):
    fast, slow = both_ways(populated, level, keys(**values), Root.STUDY, False)
    assert fast and fast == slow


def test_other_transfer_syntaxes_are_encoded_by_the_caller(populated):
    calls: list[dict] = []
    results = populated.find_encoded(Level.STUDY, keys(StudyInstanceUID=""), root=Root.STUDY, implicit_vr=None,
                                     encode_document=lambda d: calls.append(d) or b"x")  # fmt: skip
    assert [data for batch in results for data in batch] == [b"x"] * 5 and len(calls) == 5
