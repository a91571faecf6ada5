"""The small archive whose query answers are known, shared by the query tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydicom.uid import MRImageStorage, UltrasoundImageStorage

from pypacs.archive.service import Archive
from tests.conftest import make_object

S1, S2, S3, S4, S5 = (f"1.2.826.0.1.99.{n}" for n in range(1, 6))


@pytest.fixture
def populated(archive: Archive) -> Iterator[Archive]:
    doe = {"PatientID": "P1", "PatientName": "Doe^John", "PatientBirthDate": "19700101"}
    archive.store(
        make_object(
            **doe,
            StudyInstanceUID=S1,
            SeriesInstanceUID=S1 + ".1",
            StudyDate="20240315",
            StudyTime="101500",
            AccessionNumber="ACC1",
            StudyDescription="CT HEAD",
        )
    )
    archive.store(
        make_object(**doe, StudyInstanceUID=S1, SeriesInstanceUID=S1 + ".1", StudyDate="20240315", InstanceNumber=2)
    )
    archive.store(
        make_object(
            **doe,
            StudyInstanceUID=S1,
            SeriesInstanceUID=S1 + ".2",
            StudyDate="20240315",
            Modality="MR",
            SOPClassUID=MRImageStorage,
            SeriesNumber=2,
        )
    )
    archive.store(
        make_object(
            **doe,
            StudyInstanceUID=S2,
            SeriesInstanceUID=S2 + ".1",
            StudyDate="20230101",
            StudyTime="235959",
            AccessionNumber="ACC2",
            StudyDescription="CT CHEST",
        )
    )
    archive.store(
        make_object(
            PatientID="P2",
            PatientName="Smith^Jane",
            StudyInstanceUID=S3,
            SeriesInstanceUID=S3 + ".1",
            StudyDate="20240320",
            StudyTime="0800",
            AccessionNumber="ACC3",
            Modality="MR",
            SOPClassUID=MRImageStorage,
            StudyDescription="MR KNEE",
        )
    )
    archive.store(
        make_object(
            PatientID="P3",
            PatientName="王^小明=ワン^シャオミン",
            StudyInstanceUID=S4,
            SeriesInstanceUID=S4 + ".1",
            StudyDate="20240401",
            StudyTime="093000",
            AccessionNumber="acc4",
            Modality="US",
            SOPClassUID=UltrasoundImageStorage,
            StudyDescription="US ABDOMEN",
        )
    )
    archive.store(
        make_object(
            PatientID="P4",
            PatientName="O'Brien^Mary",
            StudyInstanceUID=S5,
            SeriesInstanceUID=S5 + ".1",
            StudyDate="20250101",
            StudyTime="140000",
            AccessionNumber="ACC5",
            StudyDescription="CT 50%_OFF",
            ProcedureCodeSequence=[
                {"CodeValue": "X1", "CodingSchemeDesignator": "LOCAL", "CodeMeaning": "Head"},
                {"CodeValue": "X2", "CodingSchemeDesignator": "OTHER", "CodeMeaning": "Neck"},
            ],
        )
    )
    yield archive
