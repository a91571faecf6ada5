"""DICOMDIRs (Media Storage Directory objects) of CDs, DVDs and their copies: the files their records list,
found beside them on disk or in the same zip.

Reads with pydicom's public API and stores nothing. A Referenced File ID only ever names a file under the
DICOMDIR's own folder (no absolute paths, no `..`).
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path, PurePosixPath

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import MediaStorageDirectoryStorage

from pypacs.importing.items import ImportItem, zip_members


class UnreadableDirectory(Exception):
    """A DICOMDIR that cannot be read (not DICOM, or its directory records are broken)."""


@dataclass
class MediaDirectory:
    """A DICOMDIR and what its records reference: the files found, and those listed but not there."""

    item: ImportItem
    found: list[ImportItem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # each as a path a user can look for
    invalid: list[str] = field(default_factory=list)  # Referenced File IDs that name no file under the folder

    @property
    def name(self) -> str:
        return self.item.name

    @property
    def referenced(self) -> int:
        return len(self.found) + len(self.missing) + len(self.invalid)


def is_named_like_a_media_directory(item: ImportItem) -> bool:
    """Whether the file is called DICOMDIR, in any case (and with an ISO 9660 version suffix such as `;1`)."""
    name = PurePosixPath(item.member).name if item.member is not None else item.path.name
    return _fold(name) == "dicomdir"


def media_directory_dataset(data: bytes) -> Dataset | None:
    """The DICOMDIR in `data`, or None when it is another DICOM object; UnreadableDirectory when not DICOM."""
    try:
        ds = dcmread(BytesIO(data))
    except InvalidDicomError as error:
        raise UnreadableDirectory("not a DICOM file (no 'DICM' prefix)") from error
    except Exception as error:  # pydicom raises many kinds on corrupt input
        raise UnreadableDirectory(f"unreadable DICOM file: {error or type(error).__name__}") from error
    return ds if is_media_directory(ds) else None


def is_media_directory_object(data: bytes) -> bool:
    """Whether `data` is a Media Storage Directory (its file meta says so); reads the file meta only."""
    try:
        ds = dcmread(BytesIO(data), stop_before_pixels=True, specific_tags=["SOPClassUID"])
    except Exception:  # not DICOM at all
        return False
    return is_media_directory(ds)


def is_media_directory(ds: Dataset) -> bool:
    """Whether the file meta of a dataset read from a file names the Media Storage Directory SOP Class."""
    meta = getattr(ds, "file_meta", None)
    return meta is not None and meta.get("MediaStorageSOPClassUID") == MediaStorageDirectoryStorage


def read_media_directory(item: ImportItem, ds: Dataset) -> MediaDirectory:
    """The files the DICOMDIR `ds` (read from `item`) references, found in its folder or zip."""
    directory = MediaDirectory(item)
    resolve = _ZipFolder(item) if item.member is not None else _DiskFolder(item.path.parent)
    seen: set[tuple[str, str | None]] = set()
    for file_id in referenced_file_ids(ds):
        if not _is_safe(file_id):
            directory.invalid.append("\\".join(file_id))
            continue
        found = resolve.find(file_id)
        if found is None:
            directory.missing.append(resolve.display(file_id))
        elif found.key not in seen:  # two IDs differing only in case may name one file
            seen.add(found.key)
            directory.found.append(found)
    return directory


def referenced_file_ids(ds: Dataset) -> list[tuple[str, ...]]:
    """The Referenced File ID of each directory record in use, in record order, each once."""
    if "DirectoryRecordSequence" not in ds:
        raise UnreadableDirectory("it has no Directory Record Sequence")
    file_ids: dict[tuple[str, ...], None] = {}
    try:
        for record in ds.DirectoryRecordSequence:
            if record.get("RecordInUseFlag", 0xFFFF) == 0:
                continue  # an inactive record (retired, still written by old media)
            value = record.get("ReferencedFileID")
            if value:
                components = [value] if isinstance(value, str) else list(value)
                file_ids[tuple(str(component).strip() for component in components)] = None
    except Exception as error:  # values pydicom cannot convert
        raise UnreadableDirectory(f"a directory record cannot be read: {error}") from error
    return list(file_ids)


def _is_safe(file_id: tuple[str, ...]) -> bool:
    return all(part not in ("", ".", "..") and "/" not in part and "\0" not in part for part in file_id)


def _fold(name: str) -> str:
    """A file name as case-insensitive media and their Linux mounts may spell it: `IM0001`, `im0001`, `IM0001.;1`."""
    return re.sub(r";\d*$", "", name).rstrip(".").casefold()


class _DiskFolder:
    """Files under a DICOMDIR's folder, the exact name first, then by a case-insensitive match."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._listings: dict[Path, dict[str, str]] = {}

    def find(self, file_id: tuple[str, ...]) -> ImportItem | None:
        exact = self.root.joinpath(*file_id)
        if exact.is_file():
            return ImportItem(exact)
        current = self.root
        for part in file_id:
            name = part if (current / part).exists() else self._listing(current).get(_fold(part))
            if name is None:
                return None
            current = current / name
        return ImportItem(current) if current.is_file() else None

    def display(self, file_id: tuple[str, ...]) -> str:
        return str(self.root.joinpath(*file_id))

    def _listing(self, folder: Path) -> dict[str, str]:
        if folder not in self._listings:
            try:
                self._listings[folder] = {_fold(entry.name): entry.name for entry in os.scandir(folder)}
            except OSError:
                self._listings[folder] = {}
        return self._listings[folder]


class _ZipFolder:
    """Members of the zip holding a DICOMDIR, under the DICOMDIR's folder in it."""

    def __init__(self, item: ImportItem) -> None:
        assert item.member is not None
        self.zip_path = item.path
        self.base = posixpath.dirname(item.member)
        members = zip_members(item.path)
        self._exact = set(members)
        self._folded = {"/".join(_fold(part) for part in member.split("/")): member for member in members}

    def find(self, file_id: tuple[str, ...]) -> ImportItem | None:
        wanted = posixpath.join(self.base, *file_id)
        member = wanted if wanted in self._exact else self._folded.get("/".join(map(_fold, wanted.split("/"))))
        return ImportItem(self.zip_path, member) if member is not None else None

    def display(self, file_id: tuple[str, ...]) -> str:
        return f"{self.zip_path}!{posixpath.join(self.base, *file_id)}"
