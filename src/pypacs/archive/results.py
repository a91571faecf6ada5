"""Query results: the SQL that streams a planned query's matches, and each match as a DICOM JSON object.

The other half of archive.query (which plans and filters); values computed rather than stored (counters,
modalities, SOP classes in study, availability) are filled in here. No DIMSE, no HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine, Select, select

from pypacs.archive.index import LEVEL_TABLES, instance, instance_metadata, study
from pypacs.archive.query import (
    BATCH_SIZE,
    RESULT_CHARACTER_SET,
    QueryKey,
    QueryPlan,
    QueryRequest,
    base_select,
    order_clauses,
    page_select,
    plan_query,
)
from pypacs.dicom.levels import Level


def find_json(engine: Engine, request: QueryRequest, *, retrieve_ae_title: str = "") -> Iterator[dict[str, Any]]:
    """Plan the query now (so a bad identifier fails before anything is sent), then stream the results, each a
    DICOM JSON object (PS3.18 F) of the requested attributes."""
    plan = plan_query(request)
    return _stream(engine, plan, retrieve_ae_title)


def _stream(engine: Engine, plan: QueryPlan, retrieve_ae_title: str) -> Iterator[dict[str, Any]]:
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=BATCH_SIZE).execute(result_statement(plan))
        build = DocumentBuilder(plan, list(result.keys()), retrieve_ae_title)
        for rows in result.partitions():
            sop_classes = sop_classes_of(connection, plan, rows)
            for row in rows:
                yield build(row, sop_classes)


def result_statement(plan: QueryPlan, *, texts: bool = False, paged: bool = True) -> Select[Any]:
    """The SQL of a plan's results in entity order: the row's pk, each needed level's `attributes` labelled
    `<level>_attributes` (or with `texts` its `attribute_texts`, labelled `<level>_texts`), the counters and
    modalities asked for, the instance metadata at IMAGE level, the study pk when SOP classes are asked for;
    in the request's order (then entity order); `paged`: with the request's limit and offset."""
    level = plan.level
    base = LEVEL_TABLES[level]
    needed = {key.level for key in plan.keys}
    columns: list[Any] = [base.c.pk.label("pk")]
    for candidate in (Level.PATIENT, Level.STUDY, Level.SERIES):
        if candidate in needed and candidate.depth <= level.depth:
            table, prefix = LEVEL_TABLES[candidate], candidate.value.lower()
            if texts:
                columns.append(table.c.attribute_texts.label(f"{prefix}_texts"))
            else:
                columns.append(table.c.attributes.label(f"{prefix}_attributes"))
    keywords = {key.keyword for key in plan.keys}
    computed = {COUNTERS[keyword] for keyword in keywords if keyword in COUNTERS}
    if "ModalitiesInStudy" in keywords:
        computed.add("study__modalities_in_study")
    for joined in (Level.PATIENT, Level.STUDY, Level.SERIES):
        if joined.depth <= level.depth:
            prefix = joined.value.lower()
            columns.extend(c.label(f"{prefix}__{c.name}") for c in LEVEL_TABLES[joined].c
                           if f"{prefix}__{c.name}" in computed)  # fmt: skip
    if level is Level.IMAGE:
        columns.append(instance_metadata.c.json.label("metadata"))
    if level.depth >= Level.STUDY.depth and "SOPClassesInStudy" in keywords:
        columns.append(study.c.pk.label("study_pk"))
    if paged and (plan.request.offset or plan.request.limit is not None):
        # A page: its pks first (page_select), then only its rows are fetched and joined.
        statement = base_select(plan, columns, filtered=False).where(base.c.pk.in_(page_select(plan)))
        return statement.order_by(*order_clauses(plan))
    return base_select(plan, columns).order_by(*order_clauses(plan))


def sop_classes_of(connection: Any, plan: QueryPlan, rows: Sequence[Any]) -> dict[int, list[str]]:
    """The SOP classes of the studies of a batch of result rows, by study pk, if the plan asks for them."""
    if not any(key.keyword == "SOPClassesInStudy" for key in plan.keys):
        return {}
    found: dict[int, list[str]] = {}
    statement = (
        select(instance.c.study_fk, instance.c.sop_class_uid)
        .where(instance.c.study_fk.in_([row.study_pk for row in rows]))
        .group_by(instance.c.study_fk, instance.c.sop_class_uid)
        .order_by(instance.c.study_fk, instance.c.sop_class_uid)
    )
    for study_pk, sop_class in connection.execute(statement):
        found.setdefault(study_pk, []).append(sop_class)
    return found


COUNTERS = {
    "NumberOfPatientRelatedStudies": "patient__num_studies",
    "NumberOfPatientRelatedSeries": "patient__num_series",
    "NumberOfPatientRelatedInstances": "patient__num_instances",
    "NumberOfStudyRelatedSeries": "study__num_series",
    "NumberOfStudyRelatedInstances": "study__num_instances",
    "NumberOfSeriesRelatedInstances": "series__num_instances",
}


@dataclass(frozen=True)
class Computed:
    """A key whose value is computed rather than stored: the row column at `column` (a counter, the modalities),
    the SOP classes of the study whose pk is at `column`, or a `constant`."""

    vr: str
    column: int = -1
    sop_classes: bool = False
    constant: str | None = None

    def values(self, row: Any, sop_classes: dict[int, list[str]]) -> list[Any]:
        if self.constant is not None:
            return [self.constant]
        if self.sop_classes:
            return list(sop_classes.get(row[self.column], []))
        if self.vr == "IS":
            return [int(row[self.column])]
        return [value for value in (row[self.column] or "").split("\\") if value]


def computed(key: QueryKey, index: dict[str, int], retrieve_ae_title: str) -> Computed | None:
    """How a key's value is computed rather than stored (counters, modalities, ...), given the positions of the
    result statement's columns by name; None for a stored value."""
    keyword = key.keyword
    if keyword in COUNTERS and COUNTERS[keyword] in index:
        return Computed("IS", column=index[COUNTERS[keyword]])
    if keyword == "ModalitiesInStudy" and "study__modalities_in_study" in index:
        return Computed("CS", column=index["study__modalities_in_study"])
    if keyword == "SOPClassesInStudy" and "study_pk" in index:
        return Computed("UI", column=index["study_pk"], sop_classes=True)
    if keyword == "RetrieveAETitle" and retrieve_ae_title:
        return Computed("AE", constant=retrieve_ae_title)
    if keyword == "InstanceAvailability":
        return Computed("CS", constant="ONLINE")
    return None


class DocumentBuilder:
    """Builds the DICOM JSON result of each row of one query; what each key needs is worked out once."""

    def __init__(self, plan: QueryPlan, columns: list[str], retrieve_ae_title: str) -> None:
        index = {name: position for position, name in enumerate(columns)}
        self.sources = [(level, index[f"{level.value.lower()}_attributes"])
                        for level in (Level.PATIENT, Level.STUDY, Level.SERIES)
                        if f"{level.value.lower()}_attributes" in index]  # fmt: skip
        self.metadata = index.get("metadata")
        # (tag, VR, how it is computed or None, the level it is stored at, look in the instance's metadata too)
        self.fields: list[tuple[str, str, Computed | None, Level, bool]] = []
        for key in plan.keys:
            also_image = key.level is not Level.IMAGE and plan.level is Level.IMAGE
            self.fields.append((f"{key.tag:08X}", key.vr, computed(key, index, retrieve_ae_title), key.level,
                                also_image))  # fmt: skip

    def __call__(self, row: Any, sop_classes: dict[int, list[str]]) -> dict[str, Any]:
        sources: dict[Level, dict[str, Any]] = {}
        for level, position in self.sources:
            text = row[position]
            sources[level] = orjson.loads(text) if text else {}
        if self.metadata is not None:
            sources[Level.IMAGE] = orjson.loads(row[self.metadata])
        document: dict[str, Any] = {}
        for tag, vr, compute, level, also_image in self.fields:
            if compute is not None:
                values = compute.values(row, sop_classes)
                document[tag] = {"vr": compute.vr, "Value": values} if values else {"vr": compute.vr}
                continue
            value = sources.get(level, {}).get(tag)
            if value is None and also_image:
                value = sources[Level.IMAGE].get(tag)
            document[tag] = value if value is not None else {"vr": vr}
        document["00080005"] = {"vr": "CS", "Value": [RESULT_CHARACTER_SET]}
        return document
