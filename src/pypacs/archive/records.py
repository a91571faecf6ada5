"""What the index stores of one parsed object: column values and JSON for each level, indexed sequence values.

Pure: a pydicom Dataset in, plain dicts and strings out; no database, no files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset

from pypacs.dicom.element_texts import attribute_texts_json
from pypacs.dicom.json_model import dataset_to_json
from pypacs.dicom.levels import (
    INDEXED,
    INDEXED_SEQUENCES,
    LEVEL_ORDER,
    STORED,
    IndexedAttribute,
    Level,
    ValueKind,
)
from pypacs.dicom.matching import element_strings, person_name_search_text, stored_temporal

BULK_DATA_THRESHOLD = 1024


@dataclass
class LevelRecord:
    columns: dict[str, Any]
    attributes: dict[str, Any]  # DICOM JSON (PS3.18 F) of the attributes this level keeps

    @property
    def json_columns(self) -> dict[str, str]:
        """The level row's `attributes` (DICOM JSON) and `attribute_texts` ({tag: DICOM text})."""
        return {
            "attributes": json.dumps(self.attributes, separators=(",", ":"), ensure_ascii=False),
            "attribute_texts": attribute_texts_json(self.attributes),
        }


@dataclass
class InstanceRecord:
    """Everything the index needs about one object, ready to write."""

    levels: dict[Level, LevelRecord]
    metadata_json: str
    sequence_values: dict[Level, list[tuple[str, int, str, str]]] = field(default_factory=dict)

    @property
    def sop_instance_uid(self) -> str:
        return str(self.levels[Level.IMAGE].columns["sop_instance_uid"])

    @property
    def study_instance_uid(self) -> str:
        return str(self.levels[Level.STUDY].columns["study_instance_uid"])

    @property
    def series_instance_uid(self) -> str:
        return str(self.levels[Level.SERIES].columns["series_instance_uid"])


def bulk_data_uri(element: DataElement) -> str:
    """Placeholder BulkDataURI kept in stored metadata; the web adapter resolves it per instance."""
    return f"bulkdata/{element.tag:08X}"


def metadata_dict(ds: Dataset) -> dict[str, Any]:
    """The dataset as DICOM JSON with bulk data (pixel data, large binary values) replaced by BulkDataURIs."""
    return dataset_to_json(ds, bulk_data_threshold=BULK_DATA_THRESHOLD, bulk_data_uri=bulk_data_uri)


def column_value(ds: Dataset, attribute: IndexedAttribute) -> Any:
    element = ds.get(attribute.tag)
    strings = element_strings(element) if element is not None else []
    kind = attribute.kind
    if kind is ValueKind.NUMBER:
        try:
            return int(float(strings[0])) if strings else None
        except ValueError:
            return None
    text = strings[0] if strings else ""
    if kind in (ValueKind.DATE, ValueKind.TIME, ValueKind.DATETIME):
        return stored_temporal(text.strip(), kind)
    if kind is ValueKind.TEXT:
        return "\\".join(s.strip(" ") for s in strings)
    return text.strip(" ")


def build_record(ds: Dataset) -> InstanceRecord:
    """Extract the index record of a dataset that has passed validation."""
    full = metadata_dict(ds)
    levels: dict[Level, LevelRecord] = {}
    for level in LEVEL_ORDER:
        columns = {
            attribute.column: column_value(ds, attribute)
            for attribute in INDEXED[level]
            if not attribute.keyword.startswith("NumberOf")
        }
        if level is Level.IMAGE:
            attributes: dict[str, Any] = {}
        else:
            attributes = {key: value for key, value in full.items() if key in _STORED_TAGS[level]}
        levels[level] = LevelRecord(columns, attributes)
    levels[Level.PATIENT].columns["patient_name_search"] = person_name_search_text(
        levels[Level.PATIENT].columns["patient_name"]
    )
    levels[Level.STUDY].columns["referring_physician_name_search"] = person_name_search_text(
        levels[Level.STUDY].columns["referring_physician_name"]
    )
    charset = "\\".join(element_strings(ds["SpecificCharacterSet"])) if "SpecificCharacterSet" in ds else ""
    levels[Level.STUDY].columns["specific_character_set"] = charset
    levels[Level.IMAGE].columns["specific_character_set"] = charset
    return InstanceRecord(
        levels=levels,
        metadata_json=json.dumps(full, separators=(",", ":"), ensure_ascii=False),
        sequence_values={level: _sequence_values(ds, level) for level in INDEXED_SEQUENCES},
    )


def _sequence_values(ds: Dataset, level: Level) -> list[tuple[str, int, str, str]]:
    rows = []
    for sequence_keyword, item_keywords in INDEXED_SEQUENCES[level].items():
        for item_number, item in enumerate(ds.get(sequence_keyword) or []):
            for keyword in item_keywords:
                if keyword not in item:
                    continue
                for value in element_strings(item[keyword]):
                    rows.append((sequence_keyword, item_number, keyword, value.strip(" ")))
    return rows


def _tags_of(keywords: frozenset[str]) -> frozenset[str]:
    tags = (tag_for_keyword(keyword) for keyword in keywords)
    return frozenset(f"{tag:08X}" for tag in tags if tag is not None)


_STORED_TAGS: dict[Level, frozenset[str]] = {level: _tags_of(STORED[level]) for level in STORED}
