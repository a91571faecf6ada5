"""The Query/Retrieve levels: their unique keys, which attributes each level indexes, keeps and computes.

Pure DICOM knowledge (PS3.4 C.6): no database, no I/O. The archive builds its tables and queries from this.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydicom.datadict import dictionary_VR, tag_for_keyword


class Level(StrEnum):
    PATIENT = "PATIENT"
    STUDY = "STUDY"
    SERIES = "SERIES"
    IMAGE = "IMAGE"

    @property
    def depth(self) -> int:
        return LEVEL_ORDER.index(self)


LEVEL_ORDER: tuple[Level, ...] = (Level.PATIENT, Level.STUDY, Level.SERIES, Level.IMAGE)


class Root(StrEnum):
    """Query/Retrieve information model (PS3.4 C.6)."""

    PATIENT = "PATIENT"  # Patient Root: PATIENT > STUDY > SERIES > IMAGE
    STUDY = "STUDY"  # Study Root: STUDY (with patient attributes) > SERIES > IMAGE
    PATIENT_STUDY_ONLY = "PATIENT_STUDY_ONLY"  # retired model, C-FIND only: PATIENT > STUDY

    def allows(self, level: Level) -> bool:
        if self is Root.STUDY:
            return level is not Level.PATIENT
        if self is Root.PATIENT_STUDY_ONLY:
            return level in (Level.PATIENT, Level.STUDY)
        return True


class ValueKind(StrEnum):
    """How values of an attribute are compared (PS3.4 C.2.2.2)."""

    TEXT = "text"  # case-sensitive strings (CS, SH, LO, AE, ...)
    PERSON_NAME = "pn"  # PN: matched case-insensitively, component groups searched separately
    UID = "uid"  # UI: single value or list of UIDs
    DATE = "date"  # DA: single value or range
    TIME = "time"  # TM: single value or range
    DATETIME = "datetime"  # DT: single value or range
    NUMBER = "number"  # IS/US/UL: single value (integer)


_VR_KINDS = {
    "PN": ValueKind.PERSON_NAME,
    "UI": ValueKind.UID,
    "DA": ValueKind.DATE,
    "TM": ValueKind.TIME,
    "DT": ValueKind.DATETIME,
    "IS": ValueKind.NUMBER,
    "US": ValueKind.NUMBER,
    "UL": ValueKind.NUMBER,
    "SS": ValueKind.NUMBER,
    "SL": ValueKind.NUMBER,
}


def value_kind(vr: str) -> ValueKind:
    return _VR_KINDS.get(vr, ValueKind.TEXT)


@dataclass(frozen=True)
class IndexedAttribute:
    """An attribute with its own column at one level, so it can be matched in SQL."""

    keyword: str
    level: Level
    column: str

    @property
    def tag(self) -> int:
        tag = tag_for_keyword(self.keyword)
        assert tag is not None, self.keyword
        return tag

    @property
    def vr(self) -> str:
        return dictionary_VR(self.tag)

    @property
    def kind(self) -> ValueKind:
        return value_kind(self.vr)


def _indexed(level: Level, *pairs: tuple[str, str]) -> tuple[IndexedAttribute, ...]:
    return tuple(IndexedAttribute(keyword, level, column) for keyword, column in pairs)


INDEXED: dict[Level, tuple[IndexedAttribute, ...]] = {
    Level.PATIENT: _indexed(
        Level.PATIENT,
        ("PatientID", "patient_id"),
        ("IssuerOfPatientID", "issuer_of_patient_id"),
        ("PatientName", "patient_name"),
        ("PatientBirthDate", "patient_birth_date"),
        ("PatientBirthTime", "patient_birth_time"),
        ("PatientSex", "patient_sex"),
    ),
    Level.STUDY: _indexed(
        Level.STUDY,
        ("StudyInstanceUID", "study_instance_uid"),
        ("StudyDate", "study_date"),
        ("StudyTime", "study_time"),
        ("AccessionNumber", "accession_number"),
        ("StudyID", "study_id"),
        ("ReferringPhysicianName", "referring_physician_name"),
        ("StudyDescription", "study_description"),
        ("NumberOfStudyRelatedSeries", "num_series"),
        ("NumberOfStudyRelatedInstances", "num_instances"),
    ),
    Level.SERIES: _indexed(
        Level.SERIES,
        ("SeriesInstanceUID", "series_instance_uid"),
        ("Modality", "modality"),
        ("SeriesNumber", "series_number"),
        ("SeriesDescription", "series_description"),
        ("SeriesDate", "series_date"),
        ("SeriesTime", "series_time"),
        ("BodyPartExamined", "body_part_examined"),
        ("PerformedProcedureStepStartDate", "pps_start_date"),
        ("PerformedProcedureStepStartTime", "pps_start_time"),
        ("StationName", "station_name"),
        ("InstitutionName", "institution_name"),
        ("NumberOfSeriesRelatedInstances", "num_instances"),
    ),
    Level.IMAGE: _indexed(
        Level.IMAGE,
        ("SOPInstanceUID", "sop_instance_uid"),
        ("SOPClassUID", "sop_class_uid"),
        ("InstanceNumber", "instance_number"),
        ("ContentDate", "content_date"),
        ("ContentTime", "content_time"),
        ("AcquisitionNumber", "acquisition_number"),
        ("Rows", "rows"),
        ("Columns", "columns"),
        ("NumberOfFrames", "number_of_frames"),
    ),
}

# Patient-level counters live on the patient row, indexed like any column.
INDEXED[Level.PATIENT] += _indexed(
    Level.PATIENT,
    ("NumberOfPatientRelatedStudies", "num_studies"),
    ("NumberOfPatientRelatedSeries", "num_series"),
    ("NumberOfPatientRelatedInstances", "num_instances"),
)

UNIQUE_KEY: dict[Level, str] = {
    Level.PATIENT: "PatientID",
    Level.STUDY: "StudyInstanceUID",
    Level.SERIES: "SeriesInstanceUID",
    Level.IMAGE: "SOPInstanceUID",
}

# Attributes that are not stored but derived from the levels below (PS3.4 C.6.1.1.x, C.6.2.1.x).
COMPUTED: dict[str, Level] = {
    "ModalitiesInStudy": Level.STUDY,
    "SOPClassesInStudy": Level.STUDY,
}

# Attributes kept (with their full values, sequences included) in each level's stored JSON, so queries can
# return them. IMAGE level keeps the whole instance metadata, so it needs no list.
STORED: dict[Level, frozenset[str]] = {
    Level.PATIENT: frozenset(
        {
            "PatientName",
            "PatientID",
            "IssuerOfPatientID",
            "IssuerOfPatientIDQualifiersSequence",
            "TypeOfPatientID",
            "PatientBirthDate",
            "PatientBirthTime",
            "PatientSex",
            "OtherPatientIDsSequence",
            "OtherPatientNames",
            "EthnicGroup",
            "PatientComments",
            "PatientSpeciesDescription",
            "PatientBreedDescription",
            "ResponsiblePerson",
            "ResponsiblePersonRole",
            "PatientIdentityRemoved",
            "DeidentificationMethod",
            "PatientMotherBirthName",
            "MilitaryRank",
            "PatientAddress",
        }
    ),
    Level.STUDY: frozenset(
        {
            "StudyInstanceUID",
            "StudyDate",
            "StudyTime",
            "AccessionNumber",
            "IssuerOfAccessionNumberSequence",
            "StudyID",
            "ReferringPhysicianName",
            "StudyDescription",
            "ProcedureCodeSequence",
            "NameOfPhysiciansReadingStudy",
            "PhysiciansOfRecord",
            "AdmittingDiagnosesDescription",
            "PatientAge",
            "PatientSize",
            "PatientWeight",
            "Occupation",
            "AdditionalPatientHistory",
            "ReferencedStudySequence",
            "ReasonForPerformedProcedureCodeSequence",
            "IssuerOfPatientID",
            "InstitutionName",
            "StudyStatusID",
            "RequestingPhysician",
            "RequestedProcedureDescription",
        }
    ),
    Level.SERIES: frozenset(
        {
            "SeriesInstanceUID",
            "Modality",
            "SeriesNumber",
            "SeriesDescription",
            "SeriesDate",
            "SeriesTime",
            "Laterality",
            "BodyPartExamined",
            "ProtocolName",
            "PerformingPhysicianName",
            "OperatorsName",
            "PerformedProcedureStepStartDate",
            "PerformedProcedureStepStartTime",
            "PerformedProcedureStepID",
            "PerformedProcedureStepDescription",
            "RequestAttributesSequence",
            "ReferencedPerformedProcedureStepSequence",
            "Manufacturer",
            "ManufacturerModelName",
            "InstitutionName",
            "InstitutionalDepartmentName",
            "StationName",
            "FrameOfReferenceUID",
            "PatientPosition",
            "SeriesType",
            "AnatomicalOrientationType",
            "SmallestPixelValueInSeries",
            "LargestPixelValueInSeries",
        }
    ),
}

# Sequences whose item values are indexed so that sequence matching (PS3.4 C.2.2.2.6) runs in SQL.
INDEXED_SEQUENCES: dict[Level, dict[str, frozenset[str]]] = {
    Level.PATIENT: {
        "OtherPatientIDsSequence": frozenset({"PatientID", "IssuerOfPatientID", "TypeOfPatientID"}),
    },
    Level.STUDY: {
        "ProcedureCodeSequence": frozenset({"CodeValue", "CodingSchemeDesignator", "CodeMeaning"}),
        "IssuerOfAccessionNumberSequence": frozenset(
            {"LocalNamespaceEntityID", "UniversalEntityID", "UniversalEntityIDType"}
        ),
        "ReferencedStudySequence": frozenset({"ReferencedSOPClassUID", "ReferencedSOPInstanceUID"}),
    },
    Level.SERIES: {
        "RequestAttributesSequence": frozenset(
            {
                "RequestedProcedureID",
                "ScheduledProcedureStepID",
                "AccessionNumber",
                "StudyInstanceUID",
                "RequestedProcedureDescription",
                "ScheduledProcedureStepDescription",
            }
        ),
        "ReferencedPerformedProcedureStepSequence": frozenset({"ReferencedSOPClassUID", "ReferencedSOPInstanceUID"}),
    },
    Level.IMAGE: {
        "ConceptNameCodeSequence": frozenset({"CodeValue", "CodingSchemeDesignator", "CodeMeaning"}),
    },
}

# Identifier elements that steer the query rather than match or return anything.
CONTROL_KEYWORDS = frozenset(
    {"QueryRetrieveLevel", "SpecificCharacterSet", "TimezoneOffsetFromUTC", "QueryRetrieveView"}
)

# Elements an SCU may ask to be returned but that never restrict the match (PS3.4 C.4.1.1.3.2).
RETURN_ONLY_KEYWORDS = frozenset(
    {"RetrieveAETitle", "InstanceAvailability", "StorageMediaFileSetID", "StorageMediaFileSetUID"}
)


def levels_of(root: Root) -> tuple[Level, ...]:
    return tuple(level for level in LEVEL_ORDER if root.allows(level))


def indexed_attribute(keyword: str) -> IndexedAttribute | None:
    """The column-backed attribute for a keyword, at the lowest level that indexes it."""
    return _BY_KEYWORD.get(keyword)


def owning_level(keyword: str) -> Level | None:
    """The level an attribute belongs to for queries, or None when pypacs does not model it at any level."""
    attribute = _BY_KEYWORD.get(keyword)
    if attribute is not None:
        return attribute.level
    if keyword in COMPUTED:
        return COMPUTED[keyword]
    for level in (Level.PATIENT, Level.STUDY, Level.SERIES):
        if keyword in STORED[level]:
            return level
    return None


_BY_KEYWORD: dict[str, IndexedAttribute] = {}
for _level in LEVEL_ORDER:
    for _attribute in INDEXED[_level]:
        _BY_KEYWORD.setdefault(_attribute.keyword, _attribute)
