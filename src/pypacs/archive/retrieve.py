"""What a C-MOVE or C-GET sends: the stored instances a retrieve identifier names, in series and instance order.

Built on the query model's filters; knows nothing of associations or statuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Dialect, Engine, Select, bindparam, func, select

from pypacs.archive.errors import InvalidQuery
from pypacs.archive.index import instance, instance_metadata, series, study
from pypacs.archive.query import QueryRequest, base_select, plan_query
from pypacs.dicom.levels import UNIQUE_KEY, Level


@dataclass(frozen=True)
class RetrieveTarget:
    """One stored instance to send."""

    sop_instance_uid: str
    sop_class_uid: str
    transfer_syntax_uid: str
    blob_key: str
    study_instance_uid: str = ""
    series_instance_uid: str = ""


_TARGET_COLUMNS = [
    instance.c.sop_instance_uid,
    instance.c.sop_class_uid,
    instance.c.transfer_syntax_uid,
    instance.c.blob_key,
    study.c.study_instance_uid,
    series.c.series_instance_uid,
]


def _retrieve_select(request: QueryRequest, extra: list[Any]) -> Select[Any]:
    unique = UNIQUE_KEY[request.level]
    element = request.identifier.get(unique)
    if element is None or str(element).strip() in ("", "*"):
        raise InvalidQuery(f"a {request.level}-level retrieve needs a value for {unique}")
    plan = plan_query(QueryRequest(Level.IMAGE, request.identifier, root=request.root))
    return base_select(plan, [*_TARGET_COLUMNS, *extra]).order_by(
        series.c.series_number, series.c.pk, instance.c.instance_number, instance.c.pk
    )


def retrieve_targets(engine: Engine, request: QueryRequest) -> list[RetrieveTarget]:
    """The instances a retrieve identifier names. The level's unique key must hold values (a retrieve never
    means "everything"); keys of the levels above narrow it further when given."""
    with engine.connect() as connection:
        return [RetrieveTarget(*row) for row in connection.execute(_retrieve_select(request, []))]


def metadata_documents(engine: Engine, request: QueryRequest) -> list[tuple[RetrieveTarget, str, datetime]]:
    """The instances a retrieve identifier names, each with its stored DICOM JSON and when it was stored."""
    statement = _retrieve_select(request, [instance_metadata.c.json, instance.c.created_at])
    with engine.connect() as connection:
        return [(RetrieveTarget(*row[:6]), row[6], row[7]) for row in connection.execute(statement)]


_INSTANCE_TARGET = (
    select(*_TARGET_COLUMNS)
    .select_from(instance)
    .join(series, instance.c.series_fk == series.c.pk)
    .join(study, instance.c.study_fk == study.c.pk)
    .where(
        instance.c.sop_instance_uid == bindparam("sop"),
        series.c.series_instance_uid == bindparam("series"),
        study.c.study_instance_uid == bindparam("study"),
    )
)


@lru_cache(maxsize=8)
def _instance_target_sql(dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    """_INSTANCE_TARGET as the dialect's SQL, and the order of its parameters when they are positional."""
    compiled = _INSTANCE_TARGET.compile(dialect=dialect)
    return str(compiled), (tuple(compiled.positiontup) if compiled.positiontup else None)


def instance_target(engine: Engine, study_uid: str, series_uid: str, sop_uid: str) -> RetrieveTarget | None:
    """One stored instance by its three UIDs (a frame or rendered request: no query planning needed).

    Asked once per frame request, so it is one statement on a pooled DBAPI connection: through a SQLAlchemy
    Connection (its BEGIN, events and result objects) it took 0.25-0.5 ms, the statement itself ~0.04 ms. A single
    SELECT sees one consistent state of the index either way."""
    sql, order = _instance_target_sql(engine.dialect)
    values = {"sop": sop_uid, "series": series_uid, "study": study_uid}
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, [values[name] for name in order] if order else values)
            row = cursor.fetchone()
        finally:
            cursor.close()
    finally:
        connection.close()  # back to the pool, which ends the read transaction (PostgreSQL)
    return RetrieveTarget(*row) if row is not None else None


# A series number the archive cannot hold: series without one come after every numbered series.
_UNNUMBERED_LAST = 2**31


def first_picture(engine: Engine, study_uid: str, series_uid: str | None = None) -> RetrieveTarget | None:
    """The image a reader sees first on opening a study (or one of its series): in the first series, by series
    number and then description, that holds pictures (rows), its instance with the lowest instance number
    (none counting as 0). None when there is no picture."""
    statement = (
        select(*_TARGET_COLUMNS)
        .select_from(instance)
        .join(series, instance.c.series_fk == series.c.pk)
        .join(study, instance.c.study_fk == study.c.pk)
        .where(study.c.study_instance_uid == study_uid, instance.c.rows > 0)
        .order_by(
            func.coalesce(series.c.series_number, _UNNUMBERED_LAST), series.c.series_description, series.c.pk,
            func.coalesce(instance.c.instance_number, 0), instance.c.pk,
        )
        .limit(1)
    )  # fmt: skip
    if series_uid:
        statement = statement.where(series.c.series_instance_uid == series_uid)
    with engine.connect() as connection:
        row = connection.execute(statement).first()
    return RetrieveTarget(*row) if row is not None else None
