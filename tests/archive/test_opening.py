"""Opening an archive: created by those who store, required by those who only read."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from pypacs.archive.errors import NoArchive
from pypacs.archive.service import Archive
from pypacs.config import Settings
from tests.conftest import make_object


def tables_of(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_opening_an_archive_that_is_not_there_without_create_raises_and_creates_nothing(
    settings: Settings, tmp_path: Path
):
    with pytest.raises(NoArchive, match="no archive (at|in) "):
        Archive.open(settings, create=False)
    assert sorted(tmp_path.iterdir()) == []
    if not settings.database_url.startswith("sqlite"):
        assert tables_of(settings.database_url) == []


def test_an_archive_once_created_opens_without_create(settings: Settings):
    with Archive.open(settings) as created:
        created.store(make_object())
    with Archive.open(settings, create=False) as opened:
        assert opened.counts().instances == 1


def test_a_sqlite_file_that_is_not_an_index_is_no_archive(tmp_path: Path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "index.sqlite").write_bytes(b"")
    with pytest.raises(NoArchive, match=f"no archive at {data_dir}: index.sqlite is not a pypacs index"):
        Archive.open(Settings(data_dir=data_dir), create=False)
