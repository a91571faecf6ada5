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
