"""Query results as encoded little endian data sets (C-FIND identifiers), a batch at a time, a column at a time.

A C-FIND answer of thousands of results is dominated by per-result Python work; here each batch of rows is
encoded one attribute at a time from the rows' {tag: text} maps (dicom.element_texts). A query this cannot
encode (sequence or binary keys, IMAGE level) and any row with a value that is not plain text (a DS, say) goes the
general way: results.DocumentBuilder's DICOM JSON through the caller's `encode_document`. Same bytes either way.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine

from pypacs.archive.index import LEVEL_TABLES
from pypacs.archive.query import BATCH_SIZE, RESULT_CHARACTER_SET, QueryKey, QueryPlan, QueryRequest, plan_query
from pypacs.archive.results import DocumentBuilder, computed, result_statement, sop_classes_of
from pypacs.dicom.element_texts import TEXT_VRS, attribute_text, dictionary_vr, element_bytes, element_column
from pypacs.dicom.levels import Level

EncodeDocument = Callable[[dict[str, Any]], bytes]
_ROW, _SOP_CLASSES, _CONSTANT, _STORED = "row", "sop classes", "constant", "stored"
# DS only when empty: a DS value is never kept as text, so a row with one goes the general way
_ENCODABLE_VRS = TEXT_VRS | {"DS"}


@dataclass(frozen=True)
class _Column:
    """Where one result attribute's text comes from: a row column (`position` in the row), the SOP classes of
    the study whose pk is at `position`, a constant `text`, or a level's stored texts (`position` of its map)."""

    tag: str
    vr: str
    source: str
    position: int = 0
    text: str = ""


def find_encoded(
    engine: Engine,
    request: QueryRequest,
    *,
    implicit_vr: bool | None,
    encode_document: EncodeDocument,
    extra: dict[str, Any] | None = None,
    retrieve_ae_title: str = "",
) -> Iterator[list[bytes]]:
    """Plan the query now (a bad identifier raises InvalidQuery here), then stream its results in batches, each
    result a data set of the requested attributes plus `extra` (DICOM JSON attributes, such as the Query/Retrieve
    Level), in Little Endian with `implicit_vr`; implicit_vr None (another syntax) encodes every result with
    `encode_document`."""
    plan = plan_query(request)
    return _batches(engine, plan, implicit_vr, encode_document, extra or {}, retrieve_ae_title)


def _batches(
    engine: Engine,
    plan: QueryPlan,
    implicit_vr: bool | None,
    encode_document: EncodeDocument,
    extra: dict[str, Any],
    retrieve_ae_title: str,
) -> Iterator[list[bytes]]:
    encoder = None
    if implicit_vr is not None:
        statement = result_statement(plan, texts=True)
        encoder = _BatchEncoder.of(plan, list(statement.selected_columns.keys()), extra, retrieve_ae_title, implicit_vr)
    if encoder is None:
        statement = result_statement(plan)
    general = _GeneralWay(plan, extra, retrieve_ae_title, encode_document)
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=BATCH_SIZE).execute(statement)
        for rows in result.partitions():
            sop_classes = sop_classes_of(connection, plan, rows)
            if encoder is None:
                yield general.encode(rows, sop_classes)
                continue
            encoded = encoder(rows, sop_classes)
            missing = [row.pk for row, data in zip(rows, encoded, strict=True) if data is None]
            if not missing:
                yield encoded  # type: ignore[misc]
                continue
            found = general.encode_entities(connection, missing, sop_classes)  # (one removed since: left out)
            yield [
                data if data is not None else found[row.pk]
                for row, data in zip(rows, encoded, strict=True)
                if data is not None or row.pk in found
            ]


class _GeneralWay:
    """Results as results.DocumentBuilder's DICOM JSON, encoded by the caller's `encode_document`."""

    def __init__(self, plan: QueryPlan, extra: dict[str, Any], retrieve_ae_title: str, encode: EncodeDocument) -> None:
        self.plan, self.extra, self.encode_document = plan, extra, encode
        self.statement = result_statement(plan, paged=False)
        self.build = DocumentBuilder(plan, list(self.statement.selected_columns.keys()), retrieve_ae_title)

    def encode(self, rows: Sequence[Any], sop_classes: dict[int, list[str]]) -> list[bytes]:
        return [self.encode_document({**self.build(row, sop_classes), **self.extra}) for row in rows]

    def encode_entities(
        self, connection: Connection, pks: list[int], sop_classes: dict[int, list[str]]
    ) -> dict[int, bytes]:
        """The results of these entities (of the plan's level), by pk."""
        rows = connection.execute(self.statement.where(LEVEL_TABLES[self.plan.level].c.pk.in_(pks))).all()
        return {row.pk: data for row, data in zip(rows, self.encode(rows, sop_classes), strict=True)}


class _BatchEncoder:
    """Encodes a batch of rows column by column; a row it cannot encode comes out as None."""

    def __init__(self, columns: list[_Column], texts: list[int], implicit_vr: bool) -> None:
        self.columns = columns
        self.texts = texts  # row positions of the stored texts of each level used
        self.implicit_vr = implicit_vr
        self.constants = {c.tag: element_bytes(c.tag, c.vr, c.text, implicit_vr)
                          for c in columns if c.source == _CONSTANT}  # fmt: skip

    @classmethod
    def of(
        cls, plan: QueryPlan, names: list[str], extra: dict[str, Any], retrieve_ae_title: str, implicit_vr: bool
    ) -> _BatchEncoder | None:
        """The encoder of a query's results (their columns in tag order), or None when some requested attribute
        cannot be encoded from texts."""
        if plan.level is Level.IMAGE:
            return None
        index = {name: position for position, name in enumerate(names)}
        texts: list[int] = []
        by_tag: dict[str, _Column] = {}
        for key in plan.keys:
            column = _column_of(key, index, retrieve_ae_title, texts)
            if column is None:
                return None
            by_tag[column.tag] = column
        for tag, attribute in {**extra, "00080005": {"vr": "CS", "Value": [RESULT_CHARACTER_SET]}}.items():
            text = attribute_text(tag, attribute)
            if text is None:
                return None
            by_tag[tag] = _Column(tag, attribute["vr"], _CONSTANT, text=text)
        return cls([by_tag[tag] for tag in sorted(by_tag)], texts, implicit_vr)

    def __call__(self, rows: Sequence[Any], sop_classes: dict[int, list[str]]) -> list[bytes | None]:
        count = len(rows)
        row_columns = list(zip(*rows, strict=True))  # the rows' values, column by column
        unreadable: set[int] = set()
        maps = [self._maps(row_columns[position], unreadable) for position in self.texts]
        encoded = []
        for column in self.columns:
            if column.source == _CONSTANT:
                encoded.append([self.constants[column.tag]] * count)
                continue
            if column.source == _STORED:
                texts: list[Any] = [level_texts.get(column.tag, "") for level_texts in maps[column.position]]
            elif column.source == _ROW:
                texts = list(map(str, row_columns[column.position]))
            else:
                texts = ["\\".join(sop_classes.get(study_pk, ())) for study_pk in row_columns[column.position]]
            if None in texts:  # a value that is not plain text
                unreadable.update(number for number, text in enumerate(texts) if text is None)
                texts = ["" if text is None else text for text in texts]
            try:
                encoded.append(element_column(column.tag, column.vr, texts, self.implicit_vr))
            except struct.error:  # a value too long for its VR's length field: the general way says why
                return [None] * count
        results: list[bytes | None] = list(map(b"".join, zip(*encoded, strict=True)))
        for number in unreadable:
            results[number] = None
        return results

    @staticmethod
    def _maps(column: Sequence[str], unreadable: set[int]) -> list[dict[str, Any]]:
        if "" not in column:
            return list(map(orjson.loads, column))
        unreadable.update(number for number, text in enumerate(column) if not text)  # written before texts were kept
        return [orjson.loads(text) if text else {} for text in column]


def _column_of(key: QueryKey, index: dict[str, int], retrieve_ae_title: str, texts: list[int]) -> _Column | None:
    """How a key's value is found, as results.DocumentBuilder finds it; None if not from texts."""
    tag = f"{key.tag:08X}"
    compute = computed(key, index, retrieve_ae_title)
    if compute is not None:
        if compute.constant is not None:
            return _Column(tag, compute.vr, _CONSTANT, text=compute.constant)
        return _Column(tag, compute.vr, _SOP_CLASSES if compute.sop_classes else _ROW, position=compute.column)
    position = index.get(f"{key.level.value.lower()}_texts")
    if position is None or key.vr not in _ENCODABLE_VRS or key.vr != dictionary_vr(tag):
        return None
    if position not in texts:
        texts.append(position)
    return _Column(tag, key.vr, _STORED, position=texts.index(position))
