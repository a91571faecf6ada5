"""Durable storage of object bytes under keys derived from a hash of the SOP Instance UID.

Writes are staged so a crash at any moment can be rolled forward or back at start-up; knows nothing of DICOM.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from io import BufferedReader
from pathlib import Path
from typing import Protocol

from pypacs.archive.errors import NotFound, StorageFull

log = logging.getLogger(__name__)


def blob_key_for(sop_instance_uid: str) -> str:
    """A new, unique blob key for an instance: the UID's hash (which names the folder) plus a random token,
    so that a replacement can be written beside the old version before the index switches to it."""
    digest = hashlib.sha256(sop_instance_uid.encode("ascii", errors="replace")).hexdigest()[:40]
    return f"{digest}.{secrets.token_hex(4)}"


@dataclass(frozen=True)
class StagedBlob:
    """Bytes written durably and visible under their final key, not yet confirmed by the index."""

    key: str
    size: int


class BlobStore(Protocol):
    def write_visible(self, key: str, data: bytes) -> StagedBlob: ...
    def write_visible_file(self, key: str, source: Path) -> StagedBlob: ...
    def spool_file(self) -> Path: ...
    def make_durable(self, staged: StagedBlob) -> None: ...
    def stage(self, key: str, data: bytes) -> StagedBlob: ...
    def confirm(self, staged: StagedBlob, *, replaced: str | None = None) -> None: ...
    def discard(self, staged: StagedBlob) -> None: ...
    def open(self, key: str) -> BufferedReader: ...
    def read(self, key: str) -> bytes: ...
    def path(self, key: str) -> Path: ...
    def delete(self, key: str) -> None: ...
    def recover(self, expected: Callable[[str], tuple[int, str] | None], unindex: Callable[[str], None]) -> int: ...
    def count(self) -> int: ...
    def close(self) -> None: ...


class FileBlobStore:
    """Blobs as files: <root>/blobs/ab/cd/<key>.dcm, with a staging folder as the crash journal.

    One write: `write_visible` writes <root>/staging/<key> and hard-links it to its final path;
    `make_durable` fsyncs the data, then both folders (one journal commit covers all three on ext4 and XFS,
    whose metadata log keeps the staging name no later than the link). The index commits only after that;
    `confirm` then removes the staging name (and a replaced version). At start-up, `recover` checks every
    name left in staging against the index: removed if the index never committed it, kept if the index has
    it and the bytes are intact, and un-indexed and removed if the bytes did not survive (defence in depth:
    with this order that needs a disk that lost acknowledged writes).
    """

    def __init__(self, root: Path, *, fsync: bool = True) -> None:
        self.root = root
        self.fsync = fsync
        self.blob_root = root / "blobs"
        self.staging = root / "staging"
        self.incoming = root / "incoming"  # spool files of objects being received (STOW-RS parts)
        for folder in (self.blob_root, self.staging, self.incoming):
            folder.mkdir(parents=True, exist_ok=True)
        self._known_folders: set[Path] = set()
        # Every process with the store open holds a shared lock on this file: recovery runs only when it can
        # have it alone, so a `pypacs ls` or an import never undoes a running server's writes in progress.
        self._lock = os.open(root / "archive.lock", os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self._lock, fcntl.LOCK_SH)

    def close(self) -> None:
        if self._lock >= 0:
            os.close(self._lock)  # releases the lock
            self._lock = -1

    def path(self, key: str) -> Path:
        if "/" in key or "\\" in key or key.startswith("."):
            raise NotFound(f"invalid blob key {key!r}")
        return self.blob_root / key[0:2] / key[2:4] / f"{key}.dcm"

    def write_visible(self, key: str, data: bytes) -> StagedBlob:
        return self._write_visible(key, lambda staged_path: self._write(staged_path, data))

    def write_visible_file(self, key: str, source: Path) -> StagedBlob:
        """write_visible for bytes already in a file: hard-linked when on this file system (a spool file from
        spool_file: no copy, whatever its size), else copied in pieces. The source must not change afterwards."""
        return self._write_visible(key, lambda staged_path: self._link_or_copy(source, staged_path))

    def _write_visible(self, key: str, fill: Callable[[Path], None]) -> StagedBlob:
        """Fill staging/<key>, then link it to its final path; neither remains when a step fails."""
        staged_path = self.staging / key
        final = self.path(key)
        try:
            fill(staged_path)
            self._ensure_folder(final.parent)
            os.link(staged_path, final)
            size = os.stat(staged_path).st_size
        except OSError as exc:
            self._remove(final)
            self._remove(staged_path)
            raise self._storage_error(exc) from exc
        return StagedBlob(key, size)

    @staticmethod
    def _link_or_copy(source: Path, target: Path) -> None:
        try:
            os.link(source, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            with source.open("rb") as reader, target.open("wb") as writer:
                shutil.copyfileobj(reader, writer, 1 << 20)

    def spool_file(self) -> Path:
        """A new empty file, on the blob store's file system, for an object being received; the caller removes
        it when done (stored objects keep their bytes through write_visible_file's link). Left-overs of a crash
        are removed by recover()."""
        fd, name = tempfile.mkstemp(dir=self.incoming, suffix=".part")
        os.close(fd)
        return Path(name)

    def make_durable(self, staged: StagedBlob) -> None:
        if not self.fsync:
            return
        final = self.path(staged.key)
        try:
            fd = os.open(final, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            self._sync_folder(self.staging)
            self._sync_folder(final.parent)
        except OSError as exc:
            raise self._storage_error(exc) from exc

    def stage(self, key: str, data: bytes) -> StagedBlob:
        """write_visible and make_durable in one call."""
        staged = self.write_visible(key, data)
        try:
            self.make_durable(staged)
        except BaseException:
            self.discard(staged)
            raise
        return staged

    def confirm(self, staged: StagedBlob, *, replaced: str | None = None) -> None:
        if replaced:
            self._remove(self.path(replaced))
        self._remove(self.staging / staged.key)

    def discard(self, staged: StagedBlob) -> None:
        self._remove(self.path(staged.key))
        self._remove(self.staging / staged.key)

    def open(self, key: str) -> BufferedReader:
        try:
            return self.path(key).open("rb")
        except FileNotFoundError as exc:
            raise NotFound(f"blob {key} is missing from {self.blob_root}") from exc

    def read(self, key: str) -> bytes:
        with self.open(key) as handle:
            return handle.read()

    def delete(self, key: str) -> None:
        self._remove(self.path(key))

    def recover(self, expected: Callable[[str], tuple[int, str] | None], unindex: Callable[[str], None]) -> int:
        """Finish or undo the writes a crash interrupted; returns how many were found.

        `expected(key)` gives the (size, sha256) the index holds for a key, or None; `unindex(key)` removes
        an indexed instance whose bytes did not survive (it was never acknowledged). Nothing is done while another
        process has the store open: what it has in staging may be a write in progress.
        """
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("another pypacs process uses %s: recovery is left to a start without it", self.root)
            return 0
        try:
            return self._recover(expected, unindex)
        finally:
            fcntl.flock(self._lock, fcntl.LOCK_SH)

    def _recover(self, expected: Callable[[str], tuple[int, str] | None], unindex: Callable[[str], None]) -> int:
        for spooled in self.incoming.iterdir():  # objects being received when the process stopped: never stored
            self._remove(spooled)
        found = 0
        for staged_path in self.staging.iterdir():
            found += 1
            key = staged_path.name
            indexed = expected(key)
            if indexed is None:
                log.info("recovery: removing blob %s that was never indexed", key)
                self._remove(self.path(key))
            elif self._holds(key, *indexed):
                # The index committed and the bytes are intact: keep, drop older versions of the instance.
                prefix = key.split(".")[0]
                for sibling in self.path(key).parent.glob(f"{prefix}.*.dcm"):
                    if sibling.name != f"{key}.dcm":
                        log.info("recovery: removing replaced blob %s", sibling.name)
                        self._remove(sibling)
            else:
                log.warning("recovery: blob %s did not survive the crash; removing its unacknowledged instance", key)
                unindex(key)
                self._remove(self.path(key))
            self._remove(staged_path)
        if found:
            self._sync_folder(self.staging)
        return found

    def _holds(self, key: str, size: int, digest: str) -> bool:
        try:
            data = self.path(key).read_bytes()
        except FileNotFoundError:
            return False
        return len(data) == size and hashlib.sha256(data).hexdigest() == digest

    def count(self) -> int:
        return sum(1 for _ in self.blob_root.glob("*/*/*.dcm"))

    def _ensure_folder(self, folder: Path) -> None:
        """Create a blob folder once; new folders are made durable in their parents too."""
        if folder in self._known_folders:
            return
        for level in (folder.parent, folder):
            if not level.is_dir():
                level.mkdir(exist_ok=True)
                self._sync_folder(level.parent)
        self._known_folders.add(folder)

    def _write(self, path: Path, data: bytes) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
        finally:
            os.close(fd)

    @staticmethod
    def _storage_error(exc: OSError) -> Exception:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return StorageFull(f"no space left for blobs: {exc.strerror}")
        return exc

    def _sync_folder(self, folder: Path) -> None:
        if not self.fsync:
            return
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    @staticmethod
    def _remove(path: Path) -> None:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
