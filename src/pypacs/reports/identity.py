"""Who makes pypacs's documents and how they are named: equipment, new UIDs and numbers, Part 10 bytes.

No archive here: study_documents asks for a NewDocument and stores the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from pypacs import __version__

# Series numbers of the documents pypacs makes: each document is one new series, numbered by its kind.
PRESENTATION_STATE_SERIES = 9901
MEASUREMENT_REPORT_SERIES = 9902
KEY_OBJECT_SERIES = 9903


@dataclass(frozen=True)
class Equipment:
    manufacturer: str = "pypacs"
    model_name: str = "pypacs"
    software_versions: str = __version__
    device_serial_number: str = "PYPACS"  # the node's AE title


@dataclass(frozen=True)
class NewDocument:
    series_instance_uid: str
    sop_instance_uid: str
    series_number: int
    equipment: Equipment
    instance_number: int = 1

    @classmethod
    def fresh(cls, series_number: int, equipment: Equipment) -> NewDocument:
        return cls(generate_uid(), generate_uid(), series_number, equipment)


# Type 2 attributes of the Patient and General Study modules that highdicom copies from a referenced image, reading
# each as an attribute: images that lack one (allowed: Type 2 may be empty) get it empty in the header given to it.
PATIENT_AND_STUDY_TYPE_2 = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime",
                            "AccessionNumber", "StudyID", "ReferringPhysicianName")  # fmt: skip


def evidence_header(image: Dataset) -> Dataset:
    """The image's header (no pixel data expected) with the Type 2 patient and study attributes present."""
    for keyword in PATIENT_AND_STUDY_TYPE_2:
        if keyword not in image:
            setattr(image, keyword, "")
    return image


def part10_bytes(ds: Dataset) -> bytes:
    """The document as a DICOM file (preamble, file meta, data set), as Archive.store takes it."""
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()
