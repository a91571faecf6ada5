"""The index: Patient/Study/Series/Instance tables, the database engines, and schema migration.

Same schema on SQLite (WAL) and PostgreSQL; created and migrated with Alembic. No DICOM parsing here.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
from contextlib import AbstractContextManager, closing, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    inspect,
    true,
)
from sqlalchemy.engine import URL, make_url

from pypacs.archive.errors import NoArchive
from pypacs.dicom.levels import Level

log = logging.getLogger(__name__)

metadata = MetaData()


def _created() -> Column:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


def _text(name: str) -> Column:
    return Column(name, Text, nullable=False, server_default="")


def _count(name: str) -> Column:
    return Column(name, Integer, nullable=False, server_default="0")


patient = Table(
    "patient",
    metadata,
    Column("pk", Integer, primary_key=True),
    _text("patient_id"),
    _text("issuer_of_patient_id"),
    _text("patient_name"),
    _text("patient_name_search"),
    _text("patient_birth_date"),
    _text("patient_birth_time"),
    _text("patient_sex"),
    _count("num_studies"),
    _count("num_series"),
    _count("num_instances"),
    _text("attributes"),
    _text("attribute_texts"),
    _created(),
    UniqueConstraint("patient_id", "issuer_of_patient_id", name="uq_patient_identity"),
    Index("ix_patient_name_search", "patient_name_search"),
    Index("ix_patient_birth_date", "patient_birth_date"),
)

study = Table(
    "study",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("patient_fk", Integer, ForeignKey("patient.pk", ondelete="CASCADE"), nullable=False),
    Column("study_instance_uid", String(64), nullable=False, unique=True),
    _text("study_date"),
    _text("study_time"),
    _text("accession_number"),
    _text("study_id"),
    _text("referring_physician_name"),
    _text("referring_physician_name_search"),
    _text("study_description"),
    _text("modalities_in_study"),
    _text("specific_character_set"),
    _count("num_series"),
    _count("num_instances"),
    _text("attributes"),
    _text("attribute_texts"),
    _created(),
    Index("ix_study_patient", "patient_fk"),
    Index("ix_study_date_time", "study_date", "study_time"),
    Index("ix_study_accession", "accession_number"),
    Index("ix_study_created", "created_at"),
)

series = Table(
    "series",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("study_fk", Integer, ForeignKey("study.pk", ondelete="CASCADE"), nullable=False),
    Column("series_instance_uid", String(64), nullable=False, unique=True),
    _text("modality"),
    Column("series_number", Integer),
    _text("series_description"),
    _text("series_date"),
    _text("series_time"),
    _text("body_part_examined"),
    _text("pps_start_date"),
    _text("pps_start_time"),
    _text("station_name"),
    _text("institution_name"),
    _count("num_instances"),
    _text("attributes"),
    _text("attribute_texts"),
    _created(),
    Index("ix_series_study", "study_fk", "series_number"),
    Index("ix_series_modality_study", "modality", "study_fk"),
)

instance = Table(
    "instance",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("series_fk", Integer, ForeignKey("series.pk", ondelete="CASCADE"), nullable=False),
    Column("study_fk", Integer, ForeignKey("study.pk", ondelete="CASCADE"), nullable=False),
    Column("sop_instance_uid", String(64), nullable=False, unique=True),
    Column("sop_class_uid", String(64), nullable=False),
    Column("instance_number", Integer),
    _text("content_date"),
    _text("content_time"),
    Column("acquisition_number", Integer),
    Column("rows", Integer),
    Column("columns", Integer),
    Column("number_of_frames", Integer),
    Column("transfer_syntax_uid", String(64), nullable=False),
    _text("specific_character_set"),
    Column("blob_key", String(64), nullable=False, unique=True),
    Column("size", BigInteger, nullable=False),
    Column("digest", String(64), nullable=False),
    _text("source_ae"),
    _created(),
    Index("ix_instance_series", "series_fk", "instance_number"),
    Index("ix_instance_study_class", "study_fk", "sop_class_uid"),
)

instance_metadata = Table(
    "instance_metadata",
    metadata,
    Column("instance_fk", Integer, ForeignKey("instance.pk", ondelete="CASCADE"), primary_key=True),
    Column("json", Text, nullable=False),
)

sequence_value = Table(
    "sequence_value",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("level", String(8), nullable=False),
    Column("owner_fk", Integer, nullable=False),
    Column("sequence", String(64), nullable=False),
    Column("item", Integer, nullable=False),
    Column("keyword", String(64), nullable=False),
    _text("value"),
    Index("ix_sequence_value_owner", "level", "owner_fk"),
    Index("ix_sequence_value_match", "level", "sequence", "keyword", "value"),
)

LEVEL_TABLES: dict[Level, Table] = {
    Level.PATIENT: patient,
    Level.STUDY: study,
    Level.SERIES: series,
    Level.IMAGE: instance,
}


remote_ae = Table(
    "remote_ae",  # peers registered with `pypacs ae add` (those of the TOML config are not stored here)
    metadata,
    Column("title", String(16), primary_key=True),
    Column("host", Text, nullable=False),
    Column("port", Integer, nullable=False),
    _text("description"),
    Column("may_store", Boolean, nullable=False, server_default=true()),
    Column("may_query", Boolean, nullable=False, server_default=true()),
    Column("may_retrieve", Boolean, nullable=False, server_default=true()),
    _created(),
)


@dataclass(frozen=True)
class Engines:
    """A reader and a writer engine: on SQLite the writer takes the write lock when a transaction begins,
    so concurrent writers queue instead of failing; on PostgreSQL both are the same engine."""

    reader: Engine
    writer: Engine
    lock_path: Path | None = None  # SQLite only: the file other processes' writers lock too
    _thread_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def is_sqlite(self) -> bool:
        return self.writer.dialect.name == "sqlite"

    def write_lock(self) -> AbstractContextManager[object]:
        """Held around a write transaction on SQLite: writers of this process and of other processes queue
        here (a thread lock, then an flock, both woken by the kernel) instead of in SQLite's busy handler,
        which sleeps in steps of up to 100 ms. PostgreSQL needs no lock."""
        return _SqliteWriteLock(self._thread_lock, self.lock_path) if self.is_sqlite else nullcontext()

    def dispose(self) -> None:
        self.reader.dispose()
        if self.writer is not self.reader:
            self.writer.dispose()


class _SqliteWriteLock:
    def __init__(self, thread_lock: threading.Lock, path: Path | None) -> None:
        self._thread_lock = thread_lock
        self._path = path
        self._fd = -1

    def __enter__(self) -> _SqliteWriteLock:
        self._thread_lock.acquire()
        if self._path is not None:
            try:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            except BaseException:
                self._release_file()
                self._thread_lock.release()
                raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._release_file()
        self._thread_lock.release()

    def _release_file(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = -1


def create_engines(url: str, *, fsync: bool = True) -> Engines:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if parsed.drivername == "postgresql":
            url = str(parsed.set(drivername="postgresql+psycopg"))
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)

        @event.listens_for(engine, "connect")
        def _configure_postgres(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            with dbapi_connection.cursor() as cursor:
                # query results are streamed through server-side cursors and always read to the end: plan them
                # for all rows (the default, 0.1, favours fast-start plans, e.g. checking a name LIKE study by
                # study in pk order: 100 ms instead of 11 for PatientName=SMITH* over 100,000 studies)
                cursor.execute("SET cursor_tuple_fraction = 1.0")
                # PostgreSQL's default random_page_cost (4) is a spinning disk's; an index that lives in memory or
                # on SSD is better planned with 1.1 (the usual advice): ModalitiesInStudy=MG over 100,000 studies
                # probes 7,781 studies by key in 20 ms instead of scanning all of them in 42. A value the server's
                # administrator has set is kept.
                cursor.execute("SELECT source FROM pg_settings WHERE name = 'random_page_cost'")
                if cursor.fetchone() == ("default",):
                    cursor.execute("SET random_page_cost = 1.1")
            dbapi_connection.commit()

        return Engines(engine, engine)
    lock_path = None
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        lock_path = Path(f"{parsed.database}-writelock")
    return Engines(
        _sqlite_engine(url, "BEGIN", fsync), _sqlite_engine(url, "BEGIN IMMEDIATE", fsync), lock_path=lock_path
    )


def _sqlite_engine(url: str, begin: str, fsync: bool) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60}, pool_size=8)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # transactions are begun by the hook below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={'FULL' if fsync else 'OFF'}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA case_sensitive_like=ON")  # DICOM text matching is case-sensitive
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):  # type: ignore[no-untyped-def]
        connection.exec_driver_sql(begin)

    return engine


def open_index(url: str, *, fsync: bool = True, create: bool = True, upgrade: bool = True) -> Engines:
    """The index's engines, its schema created or upgraded to the newest revision when `upgrade`.

    With create=False the index must exist already and nothing is created (no folder, no SQLite file, no
    tables): NoArchive when a SQLite index has no file, or the database has no pypacs schema.
    """
    if not create:
        _require_sqlite_index(url)  # before an engine would create the file (and its folder)
    engines = create_engines(url, fsync=fsync)
    try:
        if not create and not engines.is_sqlite and not has_schema(engines):
            raise NoArchive(f"no archive in {displayed_url(url)}")
        if upgrade:
            migrate(engines)
    except BaseException:
        engines.dispose()
        raise
    return engines


def has_schema(engines: Engines) -> bool:
    """Whether the database holds a pypacs index (Alembic's version table is there); changes nothing."""
    return inspect(engines.reader).has_table(_VERSION_TABLE)


def displayed_url(url: str) -> str:
    """The index URL as it may be shown to a user: without its password."""
    parsed = make_url(url)
    without = URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database,
                         parsed.query)  # fmt: skip
    return without.render_as_string(hide_password=False)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite index (None for another database or an in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


_VERSION_TABLE = "alembic_version"


def _require_sqlite_index(url: str) -> None:
    if make_url(url).get_backend_name() != "sqlite":
        return
    path = sqlite_file(url)
    if path is None:
        raise NoArchive("no archive in an in-memory SQLite index")
    folder = path.parent.absolute()
    if not path.is_file():
        raise NoArchive(f"no archive at {folder}")
    if not _sqlite_has_schema(path):
        raise NoArchive(f"no archive at {folder}: {path.name} is not a pypacs index")


def _sqlite_has_schema(path: Path) -> bool:
    """Asked through the sqlite3 module: an engine's set-up (WAL mode) would change a file that is no index."""
    try:
        with closing(sqlite3.connect(path)) as connection:
            found = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (_VERSION_TABLE,)
            ).fetchone()
    except sqlite3.DatabaseError:
        return False
    return found is not None


def migrate(engines: Engines, revision: str = "head") -> None:
    """Create or upgrade the schema to the newest revision (or the one given)."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engines.writer.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
