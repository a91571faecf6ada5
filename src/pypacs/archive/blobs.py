"""Durable storage of object bytes under keys derived from a hash of the SOP Instance UID.

Writes are staged so a crash at any moment can be rolled forward or back at start-up; knows nothing of DICOM.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

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
    def stage(self, key: str, data: bytes) -> StagedBlob: ...
    def confirm(self, staged: StagedBlob, *, replaced: str | None = None) -> None: ...
    def discard(self, staged: StagedBlob) -> None: ...
    def open(self, key: str) -> BinaryIO: ...
    def read(self, key: str) -> bytes: ...
    def path(self, key: str) -> Path: ...
    def delete(self, key: str) -> None: ...
    def recover(self, is_indexed: Callable[[str], bool]) -> int: ...
    def count(self) -> int: ...


class FileBlobStore:
    """Blobs as files: <root>/blobs/ab/cd/<key>.dcm, with a staging folder as the crash journal.

    Protocol of one write: write <root>/staging/<key> and fsync it and its folder; hard-link it to its final
    path and fsync that folder; the caller commits the index; confirm() removes the staging name (and the
    replaced version). At start-up, recover() finishes or undoes whatever a crash interrupted.
    """

    def __init__(self, root: Path, *, fsync: bool = True) -> None:
        self.root = root
        self.fsync = fsync
        self.blob_root = root / "blobs"
        self.staging = root / "staging"
        self.blob_root.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir(parents=True, exist_ok=True)
        self._known_folders: set[Path] = set()

    def path(self, key: str) -> Path:
        if "/" in key or "\\" in key or key.startswith("."):
            raise NotFound(f"invalid blob key {key!r}")
        return self.blob_root / key[0:2] / key[2:4] / f"{key}.dcm"

    def stage(self, key: str, data: bytes) -> StagedBlob:
        staged_path = self.staging / key
        final = self.path(key)
        try:
            self._write_durably(staged_path, data)
            self._ensure_folder(final.parent)
            os.link(staged_path, final)
            self._sync_folder(final.parent)
        except OSError as exc:
            self._remove(final)
            self._remove(staged_path)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFull(f"no space left in {self.root}") from exc
            raise
        return StagedBlob(key, len(data))

    def confirm(self, staged: StagedBlob, *, replaced: str | None = None) -> None:
        if replaced:
            self._remove(self.path(replaced))
        self._remove(self.staging / staged.key)

    def discard(self, staged: StagedBlob) -> None:
        self._remove(self.path(staged.key))
        self._remove(self.staging / staged.key)

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except FileNotFoundError as exc:
            raise NotFound(f"blob {key} is missing from {self.blob_root}") from exc

    def read(self, key: str) -> bytes:
        with self.open(key) as handle:
            return handle.read()

    def delete(self, key: str) -> None:
        self._remove(self.path(key))

    def recover(self, is_indexed: Callable[[str], bool]) -> int:
        """Finish or undo the writes a crash interrupted; returns how many were found."""
        found = 0
        for staged_path in self.staging.iterdir():
            found += 1
            key = staged_path.name
            if is_indexed(key):
                # The index committed: keep this version, drop any older version of the same instance.
                prefix = key.split(".")[0]
                for sibling in self.path(key).parent.glob(f"{prefix}.*.dcm"):
                    if sibling.name != f"{key}.dcm":
                        log.info("recovery: removing replaced blob %s", sibling.name)
                        self._remove(sibling)
            else:
                log.info("recovery: removing blob %s that was never indexed", key)
                self._remove(self.path(key))
            self._remove(staged_path)
        if found:
            self._sync_folder(self.staging)
        return found

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

    def _write_durably(self, path: Path, data: bytes) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            if self.fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        self._sync_folder(path.parent)

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
