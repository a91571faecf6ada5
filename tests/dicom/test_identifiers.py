"""Identifiers from DCMTK-style key text."""

from __future__ import annotations

import pytest

from pypacs.dicom.identifiers import InvalidKeyText, identifier_from_keys


def test_keywords_and_tags_with_or_without_values():
    ds = identifier_from_keys(["PatientName=Doe*", "0008,0020=20240101-", "(0020,000D)", "StudyDescription="])
    assert str(ds.PatientName) == "Doe*"
    assert ds.StudyDate == "20240101-"
    assert ds.StudyInstanceUID == "" and ds.StudyDescription == ""


def test_later_keys_override_earlier_ones():
    assert identifier_from_keys(["PatientID=", "PatientID=P1"]).PatientID == "P1"


@pytest.mark.parametrize("text", ["Nonsense=1", "9999,9999=1", "ReferencedStudySequence="])
def test_unknown_names_and_sequences_are_refused(text: str):
    with pytest.raises(InvalidKeyText):
        identifier_from_keys([text])


def test_integer_keys_are_checked_against_their_vr_and_typed():
    ds = identifier_from_keys(["Rows=512", "Columns=256\\512", "InstanceNumber= 7 "])
    assert ds.Rows == 512 and list(ds.Columns) == [256, 512] and ds.InstanceNumber == 7


@pytest.mark.parametrize("text", ["Rows=65536", "Rows=-1", "Rows=1e400", "InstanceNumber=inf", "InstanceNumber=1.5",
                                  "InstanceNumber=99999999999999999999", "Columns=1\\x"])  # fmt: skip
def test_integer_keys_no_attribute_can_hold_are_refused_naming_the_key(text: str):
    with pytest.raises(InvalidKeyText, match=text.split("=")[0]):
        identifier_from_keys([text])
