"""Finding objects to import: files, folders (recursively) and zip archives, for `pypacs import`.

Yields named byte loaders only; whether something is DICOM is decided by archive ingest, not here.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path


@dataclass(frozen=True)
class ImportItem:
    name: str  # for messages: a path, or archive.zip!member
    read: Callable[[], bytes]


def iter_items(paths: list[Path]) -> Iterator[ImportItem]:
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                yield from _items_of_file(child)
        elif path.is_file():
            yield from _items_of_file(path)
        else:
            yield ImportItem(str(path), _missing(path))


def count_items(paths: list[Path]) -> int:
    """How many items iter_items will yield (zip members counted), for a progress bar."""
    return sum(1 for _ in iter_items(paths))


def _items_of_file(path: Path) -> Iterator[ImportItem]:
    if path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
        # The archive stays open while its members are yielded: read each item before taking the next.
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    yield ImportItem(f"{path}!{info.filename}", partial(archive.read, info.filename))
    else:
        yield ImportItem(str(path), path.read_bytes)


def _missing(path: Path) -> Callable[[], bytes]:
    def read() -> bytes:
        raise FileNotFoundError(f"{path} does not exist")

    return read
