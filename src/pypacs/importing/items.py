"""Finding objects to import: files, folders (recursively) and zip archives, for `pypacs import` and demo data.

Items are plain descriptions (a path and maybe a zip member) read when stored; whether something is DICOM is
decided by archive ingest, not here.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ImportItem:
    path: Path
    member: str | None = None  # a file inside the zip at `path`

    @property
    def name(self) -> str:
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    @property
    def key(self) -> tuple[str, str | None]:
        """The same for every spelling of the same file's path (relative or absolute, with `..` or not)."""
        return os.path.abspath(self.path), self.member

    def read(self) -> bytes:
        """The item's bytes; OSError when they cannot be read (a damaged zip member included)."""
        if self.member is None:
            return self.path.read_bytes()
        try:
            return _open_zip(self.path).read(self.member)
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            raise OSError(f"damaged zip member: {error}") from error


def iter_items(paths: list[Path]) -> Iterator[ImportItem]:
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                yield from _items_of_file(child)
        else:
            yield from _items_of_file(path)  # a missing path fails when read, with its name


def zip_members(path: Path) -> list[str]:
    """The names of the files in a zip (folders left out)."""
    return [info.filename for info in _open_zip(path).infolist() if not info.is_dir()]


def _items_of_file(path: Path) -> Iterator[ImportItem]:
    if path.suffix.lower() == ".zip" and path.is_file() and zipfile.is_zipfile(path):
        for member in zip_members(path):
            yield ImportItem(path, member)
    else:
        yield ImportItem(path)


_open_zips: dict[Path, zipfile.ZipFile] = {}


def _open_zip(path: Path) -> zipfile.ZipFile:
    """Zip files stay open for the life of the process: reading member after member reuses the directory."""
    if path not in _open_zips:
        _open_zips[path] = zipfile.ZipFile(path)
    return _open_zips[path]
