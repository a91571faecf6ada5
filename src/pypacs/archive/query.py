"""The one query model, shared by C-FIND and QIDO-RS: a level and an identifier in, matching entities out.

Matching runs in SQL (built from dicom.matching); results stream as Datasets of the requested attributes only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from sqlalchemy import ColumnElement, Engine, Select, and_, exists, func, or_, select

from pypacs.archive.errors import InvalidQuery
from pypacs.archive.index import (
    LEVEL_TABLES,
    instance,
    instance_metadata,
    patient,
    sequence_value,
    series,
    study,
)
from pypacs.dicom.levels import (
    CONTROL_KEYWORDS,
    INDEXED,
    INDEXED_SEQUENCES,
    RETURN_ONLY_KEYWORDS,
    UNIQUE_KEY,
    Level,
    Root,
    ValueKind,
    indexed_attribute,
    owning_level,
    value_kind,
)
from pypacs.dicom.matching import (
    AnyOf,
    InvalidKey,
    Match,
    Range,
    SequenceMatch,
    SingleValue,
    UidList,
    Universal,
    Wildcard,
    parse_element,
    person_name_search_text,
)
from pypacs.dicom.nesting import TooDeeplyNested, check_sequence_depth

log = logging.getLogger(__name__)

BATCH_SIZE = 500
RESULT_CHARACTER_SET = "ISO_IR 192"
MAX_LIMIT_OFFSET = 2**63 - 1  # a 64-bit SQL integer: the most SQLite and PostgreSQL take for LIMIT and OFFSET


@dataclass(frozen=True)
class SortKey:
    """One key of the order results come in: an indexed attribute of the query's level or a level above."""

    keyword: str
    descending: bool = False


@dataclass
class QueryRequest:
    level: Level
    identifier: Dataset
    root: Root = Root.STUDY
    limit: int | None = None
    offset: int = 0
    order: tuple[SortKey, ...] = ()  # none: the order entities were first stored in


@dataclass(frozen=True)
class QueryKey:
    """One identifier element: what it matches and where its value comes from."""

    tag: int
    keyword: str
    vr: str
    level: Level
    match: Match


@dataclass
class QueryPlan:
    request: QueryRequest
    keys: list[QueryKey]
    filters: list[ColumnElement[bool]] = field(default_factory=list)
    order: list[Any] = field(default_factory=list)  # ORDER BY clauses of the request's sort keys
    reads: set[Level] = field(default_factory=set)  # the levels whose tables the filters and the order read

    @property
    def level(self) -> Level:
        return self.request.level


def plan_query(request: QueryRequest) -> QueryPlan:
    """Parse and check the identifier against the level and information model; build the SQL filters."""
    level = request.level
    if not request.root.allows(level):
        raise InvalidQuery(f"query level {level} is not part of the {request.root.value} root information model")
    if request.limit is not None and request.limit < 0 or request.offset < 0:
        raise InvalidQuery("limit and offset must not be negative")
    if max(request.limit or 0, request.offset) > MAX_LIMIT_OFFSET:
        raise InvalidQuery(f"limit and offset must be at most {MAX_LIMIT_OFFSET}")
    try:
        check_sequence_depth(request.identifier)
    except (TooDeeplyNested, RecursionError) as exc:
        raise InvalidQuery(str(exc) or "sequences nest too deep") from exc
    keys: list[QueryKey] = []
    seen: set[int] = set()
    for element in request.identifier:
        key = _query_key(element, level)
        if key is not None:
            keys.append(key)
            seen.add(key.tag)
    unique = Dataset()
    unique_keyword = UNIQUE_KEY[level]
    setattr(unique, unique_keyword, "")
    unique_tag = unique[unique_keyword].tag
    if unique_tag not in seen:
        keys.append(QueryKey(unique_tag, unique_keyword, dictionary_VR(unique_tag), level, Universal()))
    plan = QueryPlan(request, keys, order=[_order_clause(key, level) for key in request.order])
    plan.reads = {level, *(_sorted_level(key) for key in request.order)}
    for key in keys:
        clause = _filter_for(key)
        if clause is None:
            continue
        reads = key.level
        if key.level is Level.PATIENT and level is not Level.PATIENT and not isinstance(key.match, SequenceMatch):
            # Select the matching patients first: a LIKE on names checked row by row while scanning studies in
            # order is several times slower than an index walk from the few patients that match.
            clause = study.c.patient_fk.in_(select(patient.c.pk).where(clause))
            reads = Level.STUDY
        plan.filters.append(clause)
        plan.reads.add(reads)
    return plan


def _query_key(element: DataElement, level: Level) -> QueryKey | None:
    if element.tag.element == 0 or element.tag.group in (0x0002, 0x0000):
        return None  # group lengths and meta/command elements are not keys
    keyword = element.keyword or keyword_for_tag(element.tag) or ""
    if keyword in CONTROL_KEYWORDS:
        return None
    if element.tag.is_private:
        return QueryKey(int(element.tag), keyword, element.VR, Level.IMAGE, Universal())
    if keyword in RETURN_ONLY_KEYWORDS:
        return QueryKey(int(element.tag), keyword, element.VR, level, Universal())
    try:
        match = parse_element(element, keyword)
    except InvalidKey as exc:
        raise InvalidQuery(str(exc)) from exc
    owner = owning_level(keyword) or Level.IMAGE
    if owner.depth > level.depth:
        if not isinstance(match, Universal) and not (isinstance(match, SequenceMatch) and match.is_universal):
            raise InvalidQuery(f"{keyword} is a {owner}-level key and cannot be matched in a {level}-level query")
        owner = level  # asked for but not matchable at this level: returned empty
    return QueryKey(int(element.tag), keyword, element.VR, owner, match)


def _order_clause(key: SortKey, level: Level) -> Any:
    """The ORDER BY clause of a sort key: its column (a name's upper-case search form, so names sort without
    regard to case), ascending or descending."""
    attribute = indexed_attribute(key.keyword)
    if attribute is None or attribute.level.depth > level.depth:
        raise InvalidQuery(f"{level}-level results cannot be ordered by {key.keyword or '(nothing)'}; they can be by "
                           f"{', '.join(sortable_keywords(level))}")  # fmt: skip
    table = LEVEL_TABLES[attribute.level]
    column = table.c[attribute.column]
    if attribute.kind is ValueKind.PERSON_NAME and f"{attribute.column}_search" in table.c:
        column = table.c[f"{attribute.column}_search"]
    return column.desc() if key.descending else column.asc()


def _sorted_level(key: SortKey) -> Level:
    attribute = indexed_attribute(key.keyword)
    assert attribute is not None  # checked by _order_clause
    return attribute.level


def sortable_keywords(level: Level) -> list[str]:
    """The attributes results of a level can be ordered by: those with a column at that level or above."""
    return [attribute.keyword for owner in (Level.PATIENT, Level.STUDY, Level.SERIES, Level.IMAGE)
            if owner.depth <= level.depth for attribute in INDEXED[owner]]  # fmt: skip


# -- SQL filters --------------------------------------------------------------------------------------------


def _filter_for(key: QueryKey) -> ColumnElement[bool] | None:
    match = key.match
    if isinstance(match, Universal):
        return None
    if isinstance(match, SequenceMatch):
        return _sequence_filter(key.keyword, key.level, match)
    if key.keyword == "ModalitiesInStudy":
        inner = _value_filter(series.c.modality, match, ValueKind.TEXT)
        return study.c.pk.in_(select(series.c.study_fk).where(inner)) if inner is not None else None
    if key.keyword == "SOPClassesInStudy":
        inner = _value_filter(instance.c.sop_class_uid, match, ValueKind.UID)
        return study.c.pk.in_(select(instance.c.study_fk).where(inner)) if inner is not None else None
    attribute = indexed_attribute(key.keyword)
    if attribute is None or attribute.level is not key.level:
        log.debug("no index for %s: matched universally", key.keyword)
        return None
    table = LEVEL_TABLES[attribute.level]
    column = table.c[attribute.column]
    if attribute.kind is ValueKind.PERSON_NAME and f"{attribute.column}_search" in table.c:
        column = table.c[f"{attribute.column}_search"]
    return _value_filter(column, match, attribute.kind)


def _value_filter(column: Any, match: Match, kind: ValueKind) -> ColumnElement[bool] | None:
    if isinstance(match, Universal):
        return None
    if isinstance(match, AnyOf):
        parts = [_value_filter(column, alternative, kind) for alternative in match.alternatives]
        if any(part is None for part in parts):
            return None
        return or_(*[part for part in parts if part is not None])
    if isinstance(match, UidList):
        return column.in_(match.uids)
    if isinstance(match, Range):
        bounds = [column != ""]
        if match.low is not None:
            bounds.append(column >= match.low)
        if match.high is not None:
            bounds.append(column <= match.high)
        return and_(*bounds)
    if kind is ValueKind.PERSON_NAME:
        return _person_name_filter(column, match)
    if isinstance(match, Wildcard):
        return column.like(_like_pattern(match.pattern), escape="\\")
    if isinstance(match, SingleValue):
        if kind is ValueKind.NUMBER:
            return column == int(match.value)
        return column == match.value
    raise InvalidQuery(f"unsupported matching {match!r}")


def _person_name_filter(column: Any, match: Match) -> ColumnElement[bool]:
    """PN keys match case-insensitively against any component group ('=' framed search text)."""
    value = match.pattern if isinstance(match, Wildcard) else match.value  # type: ignore[union-attr]
    if "=" in value:  # the key names several groups: compare the whole name
        text = person_name_search_text(value)
        return column.like(_like_pattern(text), escape="\\") if isinstance(match, Wildcard) else column == text
    group = value.rstrip("^ ").upper()
    pattern = _like_pattern(group) if isinstance(match, Wildcard) else _escape_like(group)
    return column.like(f"%={pattern}=%", escape="\\")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_pattern(pattern: str) -> str:
    return _escape_like(pattern).replace("*", "%").replace("?", "_")


def _sequence_filter(keyword: str, level: Level, match: SequenceMatch) -> ColumnElement[bool] | None:
    indexed = INDEXED_SEQUENCES.get(level, {}).get(keyword)
    if indexed is None:
        log.debug("sequence %s is not indexed at %s level: matched universally", keyword, level)
        return None
    conditions = []
    for item_keyword, item_match in match.keys:
        if item_keyword not in indexed or isinstance(item_match, (Universal, SequenceMatch)):
            continue
        kind = value_kind(dictionary_VR(item_keyword))
        alias = sequence_value.alias()
        clause = _value_filter(alias.c.value, item_match, ValueKind.TEXT if kind is ValueKind.PERSON_NAME else kind)
        if clause is None:
            continue
        conditions.append((alias, item_keyword, clause))
    if not conditions:
        return None
    owner = LEVEL_TABLES[level].c.pk
    first, first_keyword, first_clause = conditions[0]
    where = [
        first.c.level == level.value,
        first.c.owner_fk == owner,
        first.c.sequence == keyword,
        first.c.keyword == first_keyword,
        first_clause,
    ]
    for alias, item_keyword, clause in conditions[1:]:
        where.append(
            exists().where(
                alias.c.level == level.value,
                alias.c.owner_fk == first.c.owner_fk,
                alias.c.sequence == keyword,
                alias.c.item == first.c.item,
                alias.c.keyword == item_keyword,
                clause,
            )
        )
    return exists().where(*where)


# -- execution ----------------------------------------------------------------------------------------------

_JOINS = {
    Level.STUDY: (patient, study.c.patient_fk == patient.c.pk),
    Level.SERIES: (study, series.c.study_fk == study.c.pk),
    Level.IMAGE: (series, instance.c.series_fk == series.c.pk),
}


def base_select(plan: QueryPlan, columns: list[Any], *, filtered: bool = True) -> Select[Any]:
    """SELECT `columns` FROM the level's table joined with the levels above (and the instance metadata),
    WHERE the plan's filters (unless not `filtered`)."""
    level = plan.level
    statement = select(*columns).select_from(LEVEL_TABLES[level])
    current = level
    while current is not Level.PATIENT:
        table, on = _JOINS[current]
        statement = statement.join(table, on)
        current = _parent(current)
    if level is Level.IMAGE:
        statement = statement.join(instance_metadata, instance_metadata.c.instance_fk == instance.c.pk)
    return statement.where(*plan.filters) if filtered else statement


def order_clauses(plan: QueryPlan) -> list[Any]:
    """The plan's order, then the entity's pk in the direction of the key before it: an index on the sort
    columns ends in the pk (SQLite's rowid), so one walk of it, forward or backward, gives the whole order."""
    pk = LEVEL_TABLES[plan.level].c.pk
    last_descending = bool(plan.request.order) and plan.request.order[-1].descending
    return [*plan.order, pk.desc() if last_descending else pk]


def page_select(plan: QueryPlan) -> Select[Any]:
    """The pks of one page of results (the request's order, limit and offset), reading only the tables the
    filters and the order need: rows skipped by an offset then cost an index step each, not a row fetch and a
    join (a page 50,000 studies deep in date order: 1 ms instead of 300 on SQLite)."""
    statement = _read_select(plan, [LEVEL_TABLES[plan.level].c.pk]).order_by(*order_clauses(plan))
    if plan.request.limit is not None:
        statement = statement.limit(plan.request.limit)
    return statement.offset(plan.request.offset)


def _read_select(plan: QueryPlan, columns: list[Any]) -> Select[Any]:
    """SELECT `columns` FROM the level's table joined with only the levels above that the filters and the
    order read, WHERE the plan's filters."""
    level = plan.level
    statement = select(*columns).select_from(LEVEL_TABLES[level])
    top = min(plan.reads, key=lambda read: read.depth)
    current = level
    while current.depth > top.depth:
        table, on = _JOINS[current]
        statement = statement.join(table, on)
        current = _parent(current)
    return statement.where(*plan.filters)


def _parent(level: Level) -> Level:
    return {Level.STUDY: Level.PATIENT, Level.SERIES: Level.STUDY, Level.IMAGE: Level.SERIES}[level]


def count(engine: Engine, request: QueryRequest) -> int:
    plan = plan_query(request)
    statement = _read_select(plan, [func.count()])
    with engine.connect() as connection:
        return int(connection.execute(statement).scalar_one())
