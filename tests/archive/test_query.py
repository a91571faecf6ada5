"""The query model: every PS3.4 C.2.2.2 matching kind, relational queries, computed attributes, on both
SQL back ends, against a small archive whose answers are known."""

from __future__ import annotations

import pytest
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.tag import Tag
from pydicom.uid import MRImageStorage, UltrasoundImageStorage

from pypacs.archive.errors import InvalidQuery
from pypacs.archive.service import Archive
from pypacs.dicom.levels import Level, Root
from tests.archive.conftest import S1, S2, S3, S4, S5


def keys(**values: object) -> Dataset:
    ds = Dataset()
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    return ds


def study_uids(archive: Archive, **values: object) -> set[str]:
    identifier = keys(StudyInstanceUID=values.pop("StudyInstanceUID", ""), **values)
    return {str(found.StudyInstanceUID) for found in archive.find(Level.STUDY, identifier)}


def test_universal_matching_returns_every_study_with_the_attribute(populated: Archive):
    assert study_uids(populated, PatientName="") == {S1, S2, S3, S4, S5}
    assert study_uids(populated, PatientName="*") == {S1, S2, S3, S4, S5}


def test_single_value_matching_is_exact_and_case_sensitive_for_text(populated: Archive):
    assert study_uids(populated, AccessionNumber="ACC3") == {S3}
    assert study_uids(populated, AccessionNumber="acc3") == set()
    assert study_uids(populated, AccessionNumber="acc4") == {S4}
    assert study_uids(populated, StudyDescription="CT") == set()


def test_person_names_match_case_insensitively(populated: Archive):
    assert study_uids(populated, PatientName="doe^john") == {S1, S2}
    assert study_uids(populated, PatientName="DOE^JOHN^^") == {S1, S2}
    assert study_uids(populated, PatientName="doe") == set()


def test_wildcards_star_and_question_mark(populated: Archive):
    assert study_uids(populated, PatientName="sm*") == {S3}
    assert study_uids(populated, PatientName="?oe^*") == {S1, S2}
    assert study_uids(populated, StudyDescription="CT*") == {S1, S2, S5}
    assert study_uids(populated, AccessionNumber="ACC?") == {S1, S2, S3, S5}
    assert study_uids(populated, PatientName="o'b*") == {S5}


def test_sql_like_characters_in_values_are_literal(populated: Archive):
    assert study_uids(populated, StudyDescription="CT 50%_OFF") == {S5}
    assert study_uids(populated, StudyDescription="*%*") == {S5}
    assert study_uids(populated, StudyDescription="CT_HEAD") == set()


def test_chinese_names_match_by_ideographic_and_phonetic_groups(populated: Archive):
    assert study_uids(populated, PatientName="王*") == {S4}
    assert study_uids(populated, PatientName="王^小明") == {S4}
    assert study_uids(populated, PatientName="ワン*") == {S4}
    [found] = populated.find(Level.STUDY, keys(PatientName="", StudyInstanceUID=S4))
    assert str(found.PatientName) == "王^小明=ワン^シャオミン"


def test_date_ranges_closed_open_and_single(populated: Archive):
    assert study_uids(populated, StudyDate="20240301-20240331") == {S1, S3}
    assert study_uids(populated, StudyDate="20240401-") == {S4, S5}
    assert study_uids(populated, StudyDate="-20231231") == {S2}
    assert study_uids(populated, StudyDate="20240320") == {S3}


def test_time_ranges_compare_partial_times_by_the_period_they_name(populated: Archive):
    assert study_uids(populated, StudyTime="1000-1100") == {S1}
    assert study_uids(populated, StudyTime="08-08") == {S3}
    assert study_uids(populated, StudyTime="2359-") == {S2}


def test_uid_list_matching(populated: Archive):
    assert study_uids(populated, StudyInstanceUID=f"{S1}\\{S3}\\1.2.3.404") == {S1, S3}


def test_multiple_value_matching_of_modalities_in_study(populated: Archive):
    assert study_uids(populated, ModalitiesInStudy="MR\\US") == {S1, S3, S4}
    assert study_uids(populated, ModalitiesInStudy="CT") == {S1, S2, S5}
    [found] = populated.find(Level.STUDY, keys(StudyInstanceUID=S1, ModalitiesInStudy=""))
    assert list(found.ModalitiesInStudy) == ["CT", "MR"]


def test_sequence_matching_requires_all_keys_in_the_same_item(populated: Archive):
    code = Dataset()
    code.CodeValue = "X1"
    assert study_uids(populated, ProcedureCodeSequence=Sequence([code])) == {S5}
    mixed = Dataset()
    mixed.CodeValue = "X1"
    mixed.CodingSchemeDesignator = "OTHER"  # belongs to the other item
    assert study_uids(populated, ProcedureCodeSequence=Sequence([mixed])) == set()
    empty = Dataset()
    empty.CodeMeaning = ""
    [found] = populated.find(Level.STUDY, keys(StudyInstanceUID=S5, ProcedureCodeSequence=Sequence([empty])))
    assert [item.CodeValue for item in found.ProcedureCodeSequence] == ["X1", "X2"]


def test_only_requested_attributes_and_the_unique_key_are_returned(populated: Archive):
    [found] = populated.find(Level.STUDY, keys(AccessionNumber="ACC3", PatientName=""))
    assert {element.keyword for element in found} == {
        "SpecificCharacterSet",
        "AccessionNumber",
        "PatientName",
        "StudyInstanceUID",
    }
    assert found.StudyInstanceUID == S3


def test_related_counts_and_sop_classes_in_study(populated: Archive):
    [found] = populated.find(
        Level.STUDY,
        keys(
            StudyInstanceUID=S1, NumberOfStudyRelatedSeries="", NumberOfStudyRelatedInstances="", SOPClassesInStudy=""
        ),
    )
    assert (found.NumberOfStudyRelatedSeries, found.NumberOfStudyRelatedInstances) == (2, 3)
    assert sorted(found.SOPClassesInStudy) == sorted(["1.2.840.10008.5.1.4.1.1.2", MRImageStorage])
    [patient] = populated.find(
        Level.PATIENT,
        keys(
            PatientID="P1",
            NumberOfPatientRelatedStudies="",
            NumberOfPatientRelatedSeries="",
            NumberOfPatientRelatedInstances="",
        ),
        root=Root.PATIENT,
    )
    assert (
        patient.NumberOfPatientRelatedStudies,
        patient.NumberOfPatientRelatedSeries,
        patient.NumberOfPatientRelatedInstances,
    ) == (2, 3, 4)
    [series] = populated.find(Level.SERIES, keys(SeriesInstanceUID=S1 + ".1", NumberOfSeriesRelatedInstances=""))
    assert series.NumberOfSeriesRelatedInstances == 2


def test_matching_on_sop_classes_in_study(populated: Archive):
    assert study_uids(populated, SOPClassesInStudy=UltrasoundImageStorage) == {S4}


def test_relational_series_query_filters_on_patient_and_study_keys(populated: Archive):
    found = list(
        populated.find(Level.SERIES, keys(PatientName="doe*", StudyDate="20240315", Modality="", SeriesInstanceUID=""))
    )
    assert sorted(str(f.Modality) for f in found) == ["CT", "MR"]
    assert {f.SeriesInstanceUID for f in found} == {S1 + ".1", S1 + ".2"}


def test_hierarchical_image_query_returns_any_stored_attribute(populated: Archive):
    found = list(
        populated.find(
            Level.IMAGE,
            keys(SeriesInstanceUID=S1 + ".1", SOPInstanceUID="", InstanceNumber="", Rows="", PatientName=""),
        )
    )
    assert sorted(f.InstanceNumber for f in found) == [1, 2]
    assert {f.Rows for f in found} == {4}
    assert {str(f.PatientName) for f in found} == {"Doe^John"}
    assert (
        list(populated.find(Level.IMAGE, keys(SeriesInstanceUID=S1 + ".1", InstanceNumber="2", SOPInstanceUID="")))[
            0
        ].InstanceNumber
        == 2
    )


def test_patient_level_query_in_the_patient_root_model(populated: Archive):
    found = list(populated.find(Level.PATIENT, keys(PatientID="P*", PatientName=""), root=Root.PATIENT))
    assert sorted(f.PatientID for f in found) == ["P1", "P2", "P3", "P4"]


def test_patient_level_is_refused_in_the_study_root_model(populated: Archive):
    with pytest.raises(InvalidQuery, match="PATIENT is not part of the STUDY root"):
        populated.find(Level.PATIENT, keys(PatientID=""), root=Root.STUDY)


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        ({"StudyDate": "2024-13-45"}, "StudyDate"),
        ({"StudyDate": "20241345"}, "not a valid date"),
        ({"StudyTime": "25"}, "not a valid time"),
        ({"StudyInstanceUID": "1.2.*"}, "wildcards are not allowed in UIDs"),
        ({"Modality": "CT"}, "SERIES-level key"),
        ({"NumberOfStudyRelatedInstances": "many"}, "not a whole number"),
    ],
)
def test_malformed_identifiers_are_refused_with_the_key_named(populated: Archive, identifier, message):
    with pytest.raises(InvalidQuery, match=message):
        populated.find(Level.STUDY, raw_keys(**identifier))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("4.5", "not a whole number"),
        ("1e3", "not a whole number"),
        ("99999999999", "out of the range of IS values"),
        ("-2147483649", "out of the range of IS values"),
    ],
)
def test_integer_keys_that_no_is_value_can_hold_are_refused(populated: Archive, value: str, message: str):
    with pytest.raises(InvalidQuery, match=f"InstanceNumber: .*{message}"):
        list(populated.find(Level.IMAGE, raw_keys(InstanceNumber=value)))


def raw_keys(**values: str) -> Dataset:
    """An identifier as it arrives from the network: raw, unvalidated element bytes."""
    ds = Dataset()
    for keyword, value in values.items():
        tag = Tag(tag_for_keyword(keyword))
        encoded = value.encode() + (b" " if len(value) % 2 else b"")
        ds._dict[tag] = RawDataElement(tag, dictionary_VR(tag), len(encoded), encoded, 0, False, True)
    return ds


def test_keys_of_lower_levels_without_a_value_are_returned_empty(populated: Archive):
    [found] = populated.find(Level.STUDY, keys(StudyInstanceUID=S3, Modality=""))
    assert "Modality" in found and found.Modality == ""


def test_limit_offset_and_count_page_through_results(populated: Archive):
    every = [f.StudyInstanceUID for f in populated.find(Level.STUDY, keys(StudyInstanceUID=""))]
    page = [f.StudyInstanceUID for f in populated.find(Level.STUDY, keys(StudyInstanceUID=""), limit=2, offset=1)]
    assert page == every[1:3]
    assert populated.count(Level.STUDY, keys(ModalitiesInStudy="CT")) == 3
    with pytest.raises(InvalidQuery):
        populated.find(Level.STUDY, keys(StudyInstanceUID=""), limit=-1)
    with pytest.raises(InvalidQuery, match="at most 9223372036854775807"):
        populated.find(Level.STUDY, keys(StudyInstanceUID=""), offset=2**63)
    assert list(populated.find(Level.STUDY, keys(StudyInstanceUID=""), offset=2**63 - 1)) == []


def test_results_stream_lazily_from_a_generator(populated: Archive):
    results = populated.find(Level.IMAGE, keys(SOPInstanceUID=""))
    first = next(results)
    assert first.SOPInstanceUID
    assert len(list(results)) == populated.counts().instances - 1
