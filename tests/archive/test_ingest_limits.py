"""Ingest at the edges: objects received into spool files, a full index, UIDs of legacy archives, preambles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from pypacs.archive.errors import InvalidObject, StorageFull
from pypacs.archive.ingest import StoreStatus, index_full
from pypacs.archive.service import Archive
from pypacs.config import Settings
from tests.conftest import cap_index_growth, encode, make_dataset, make_object, object_too_big_for_a_full_index


def blob_files(settings: Settings) -> list[Path]:
    return sorted((settings.data_dir / "blobs").rglob("*.dcm"))


def test_a_spool_file_becomes_the_blob_without_a_copy_and_its_pixel_data_a_bulk_data_uri(
    archive: Archive, settings: Settings
):
    pixels = bytes(range(256)) * (4 * 1024 * 1024 // 256)
    data = encode(make_dataset(Rows=1024, Columns=2048, PixelData=pixels))
    spool = archive.blobs.spool_file()
    spool.write_bytes(b"MZ" + data[2:])  # an executable header in the preamble
    outcome = archive.store(spool, source_ae="STOW-RS")
    assert outcome.status is StoreStatus.STORED and outcome.size == len(data)
    [blob] = blob_files(settings)
    assert blob.stat().st_ino == spool.stat().st_ino  # hard-linked, not copied
    spool.unlink()
    assert archive.read_instance(outcome.sop_instance_uid) == bytes(128) + data[128:]
    [(_target, metadata, _when)] = archive.instance_metadata(outcome.study_instance_uid)
    assert json.loads(metadata)["7FE00010"] == {"vr": "OW", "BulkDataURI": "bulkdata/7FE00010"}


def test_a_refused_spool_file_leaves_nothing_in_the_blob_store(archive: Archive, settings: Settings):
    spool = archive.blobs.spool_file()
    spool.write_bytes(make_object(SOPInstanceUID="../../etc/passwd"))
    with pytest.raises(InvalidObject, match="SOPInstanceUID '../../etc/passwd' is not a UID"):
        archive.store(spool)
    assert blob_files(settings) == [] and archive.counts().instances == 0


def test_spool_files_left_by_a_crash_are_removed_at_start_up(settings: Settings):
    with Archive.open(settings) as archive:
        left = archive.blobs.spool_file()
        left.write_bytes(b"half an object")
    with Archive.open(settings):
        assert not left.exists()


def test_legacy_uids_are_accepted_only_when_the_setting_says_so(tmp_path: Path, database_url: str):
    legacy = make_object(SOPInstanceUID="1.2.840.113619.2.ABCDEF")
    with Archive.open(Settings(data_dir=tmp_path / "strict", database_url=database_url)) as strict:
        with pytest.raises(InvalidObject, match="not a UID"):
            strict.store(legacy)
    lenient_settings = Settings(data_dir=tmp_path / "lenient", database_url=database_url,
                                accept_nonconformant_uids=True)  # fmt: skip
    with Archive.open(lenient_settings) as lenient:
        assert lenient.store(legacy).sop_instance_uid == "1.2.840.113619.2.ABCDEF"
        with pytest.raises(InvalidObject, match="not a UID"):
            lenient.store(make_object(SOPInstanceUID="1.2/../x"))


@pytest.fixture
def capped_index(sqlite_settings: Settings) -> Iterator[Archive]:
    """An archive whose SQLite index cannot grow by a single page (what a full disk does to it)."""
    with Archive.open(sqlite_settings) as archive:
        archive.store(make_object())
        cap_index_growth(archive)
        yield archive


def test_a_full_index_is_storage_full_and_leaves_nothing_behind(capped_index: Archive, sqlite_settings: Settings):
    before = capped_index.counts()
    with pytest.raises(StorageFull, match="the index has no room left .*database or disk is full"):
        capped_index.store(encode(object_too_big_for_a_full_index()))
    assert capped_index.counts() == before
    assert len(blob_files(sqlite_settings)) == before.instances


def test_postgresql_insufficient_resources_is_an_index_full_error():
    for error in (psycopg.errors.DiskFull("could not extend file"), psycopg.errors.OutOfMemory("out of memory")):
        assert index_full(OperationalError("INSERT ...", {}, error))
    assert not index_full(OperationalError("INSERT ...", {}, psycopg.errors.AdminShutdown("shutting down")))
