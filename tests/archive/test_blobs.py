"""The blob store's crash journal: whatever a crash interrupts is finished or undone at the next start."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pypacs.archive.blobs import FileBlobStore, blob_key_for
from pypacs.archive.errors import NotFound
from pypacs.archive.service import Archive
from pypacs.config import Settings
from tests.conftest import make_dataset, make_object


def all_files(root: Path) -> list[Path]:
    """Files of blobs and of the journal (the lock file aside)."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "archive.lock")


def test_staged_blob_is_readable_under_its_final_key_and_confirm_clears_the_journal(tmp_path: Path):
    store = FileBlobStore(tmp_path)
    staged = store.stage(blob_key_for("1.2.3"), b"bytes")
    assert store.read(staged.key) == b"bytes"
    assert len(list(store.staging.iterdir())) == 1
    store.confirm(staged)
    assert list(store.staging.iterdir()) == []
    assert store.read(staged.key) == b"bytes"


def never_unindex(key: str) -> None:
    raise AssertionError(f"{key} must not be un-indexed")


def test_recovery_removes_a_blob_the_index_never_committed(tmp_path: Path):
    store = FileBlobStore(tmp_path)
    staged = store.stage(blob_key_for("1.2.3"), b"half")
    assert store.recover(lambda key: None, never_unindex) == 1
    assert all_files(tmp_path) == []
    with pytest.raises(NotFound):
        store.read(staged.key)


def test_recovery_keeps_a_committed_blob_and_drops_the_version_it_replaced(tmp_path: Path):
    store = FileBlobStore(tmp_path)
    old = store.stage(blob_key_for("1.2.3"), b"old")
    store.confirm(old)
    new = store.stage(blob_key_for("1.2.3"), b"new")  # crash after the index switched to `new`
    indexed = {new.key: (3, hashlib.sha256(b"new").hexdigest())}
    assert store.recover(indexed.get, never_unindex) == 1
    assert [p.name for p in all_files(tmp_path)] == [f"{new.key}.dcm"]
    assert store.read(new.key) == b"new"


def test_recovery_unindexes_a_committed_instance_whose_bytes_did_not_survive(tmp_path: Path):
    store = FileBlobStore(tmp_path)
    staged = store.write_visible(blob_key_for("1.2.3"), b"complete bytes")
    store.path(staged.key).write_bytes(b"torn")  # what a power loss before the fsync can leave
    unindexed: list[str] = []
    indexed = {staged.key: (14, hashlib.sha256(b"complete bytes").hexdigest())}
    assert store.recover(indexed.get, unindexed.append) == 1
    assert unindexed == [staged.key]
    assert all_files(tmp_path) == []


def test_blob_keys_hash_the_uid_and_differ_per_write():
    first, second = blob_key_for("1.2.3"), blob_key_for("1.2.3")
    assert first.split(".")[0] == second.split(".")[0]
    assert first != second
    assert blob_key_for("1.2.4").split(".")[0] != first.split(".")[0]


def test_archive_start_up_rolls_back_a_write_interrupted_before_the_index_commit(sqlite_settings: Settings):
    with Archive.open(sqlite_settings) as archive:
        archive.store(make_object())
        archive.blobs.stage(blob_key_for("1.2.999"), make_object())  # the crash: staged, never indexed
    with Archive.open(sqlite_settings) as archive:
        assert archive.counts().instances == 1
        assert archive.blobs.count() == 1
        assert list(archive.blobs.staging.iterdir()) == []


def test_archive_start_up_keeps_a_write_interrupted_after_the_index_commit(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    ds = make_dataset()
    with Archive.open(sqlite_settings) as archive:
        monkeypatch.setattr(archive.blobs, "confirm", lambda staged, replaced=None: None)  # crash before confirm
        from tests.conftest import encode

        archive.store(encode(ds))
        assert len(list(archive.blobs.staging.iterdir())) == 1
    monkeypatch.undo()
    with Archive.open(sqlite_settings) as archive:
        assert list(archive.blobs.staging.iterdir()) == []
        assert archive.blobs.count() == archive.counts().instances == 1
        assert archive.read_instance(ds.SOPInstanceUID)


def test_archive_start_up_removes_an_instance_committed_before_its_blob_was_durable(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    from tests.conftest import encode

    kept, lost = make_dataset(PatientID="KEEP"), make_dataset(PatientID="LOST", Modality="MR")
    with Archive.open(sqlite_settings) as archive:
        archive.store(encode(kept))
        monkeypatch.setattr(archive.blobs, "confirm", lambda staged, replaced=None: None)  # crash before confirm
        outcome = archive.store(encode(lost))
        archive.blobs.path(archive.instance_blob_key(outcome.sop_instance_uid)).write_bytes(b"torn by power loss")
    monkeypatch.undo()
    with Archive.open(sqlite_settings) as archive:
        counts = archive.counts()
        assert (counts.patients, counts.studies, counts.series, counts.instances) == (1, 1, 1, 1)
        assert archive.blobs.count() == 1 and list(archive.blobs.staging.iterdir()) == []
        assert archive.read_instance(kept.SOPInstanceUID)


def test_recovery_never_undoes_the_writes_of_another_process_using_the_store(tmp_path: Path):
    server = FileBlobStore(tmp_path)
    in_progress = server.write_visible(blob_key_for("1.2.3"), b"being written")  # not yet in the index
    receiving = server.spool_file()
    reader = FileBlobStore(tmp_path)  # e.g. `pypacs ls` while the server runs
    assert reader.recover(lambda key: None, never_unindex) == 0
    assert server.read(in_progress.key) == b"being written" and receiving.exists()
    reader.close()
    server.close()
    alone = FileBlobStore(tmp_path)  # the next start, with nobody else: the crash journal is replayed
    assert alone.recover(lambda key: None, never_unindex) == 1
    assert all_files(tmp_path) == []
    alone.close()
