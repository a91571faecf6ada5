"""One `pypacs import`: every object under the given paths stored once through the archive's ingest, the files
DICOMDIRs list included, and DICOMDIRs reported as the directories they are, not as rejected objects.

Stores only through the `store` function it is given (Archive.store); prints nothing (the CLI does).
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pypacs.archive.errors import ArchiveError, InvalidObject
from pypacs.archive.ingest import StoreOutcome
from pypacs.importing.items import ImportItem, iter_items
from pypacs.importing.media_directory import (
    MediaDirectory,
    UnreadableDirectory,
    is_media_directory_object,
    is_named_like_a_media_directory,
    media_directory_dataset,
    read_media_directory,
)

log = logging.getLogger(__name__)

THREADS = 3
IN_FLIGHT = 8

Store = Callable[[bytes], StoreOutcome]


@dataclass(frozen=True)
class DirectoryReport:
    """What became of one DICOMDIR: how many files it lists, how many of them are now in the archive (stored,
    or there already), and each problem (a listed file missing, the DICOMDIR unreadable) as a line to show."""

    name: str
    referenced: int
    stored: int
    problems: list[str]


@dataclass
class ImportReport:
    outcomes: Counter[str] = field(default_factory=Counter)  # by StoreStatus value, and "rejected"
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (item name, reason)
    directories: list[DirectoryReport] = field(default_factory=list)
    size: int = 0  # bytes stored

    @property
    def failed(self) -> bool:
        """Whether anything was not imported: a rejected object, a listed file missing, an unreadable DICOMDIR."""
        return bool(self.rejected) or any(directory.problems for directory in self.directories)


class ImportRun:
    """The objects of one import, each once however many paths and DICOMDIRs lead to it.

    Files named DICOMDIR are read when found, so the files they list are imported even when only the DICOMDIR
    was given; an object ingest rejects is looked at once more, and a DICOMDIR under another name (recognised
    by its Media Storage SOP Class) is handled the same way. Other objects are parsed by ingest alone.
    """

    def __init__(self, paths: list[Path]) -> None:
        self._queue: deque[ImportItem] = deque()
        self._stored: dict[tuple[str, str | None], bool] = {}  # every item queued: in the archive now?
        self._directories: list[MediaDirectory] = []
        self._directory_keys: set[tuple[str, str | None]] = set()  # each DICOMDIR is read once too
        self._unreadable: list[tuple[str, str]] = []  # (DICOMDIR name, reason)
        for item in iter_items(paths):
            if is_named_like_a_media_directory(item):
                self._read_named_directory(item)
            else:
                self._enqueue(item)

    @property
    def total(self) -> int:
        """How many objects the run passes to ingest (more when a DICOMDIR under another name lists files)."""
        return len(self._stored)

    def run(self, store: Store, advance: Callable[[], None] = lambda: None) -> ImportReport:
        """Store every object, a few at a time: one file's writes and fsyncs overlap the parsing and indexing
        of the next; results are collected in order, with at most IN_FLIGHT files in memory."""
        report = ImportReport()
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            in_flight: deque[tuple[ImportItem, Future[StoreOutcome]]] = deque()
            while self._queue or in_flight:
                while self._queue and len(in_flight) < IN_FLIGHT:
                    item = self._queue.popleft()
                    in_flight.append((item, pool.submit(_store, store, item)))
                self._collect(*in_flight.popleft(), report)
                advance()
        report.directories = [self._directory_report(directory) for directory in self._directories]
        for name, reason in self._unreadable:
            report.directories.append(DirectoryReport(name, 0, 0, [f"unreadable DICOMDIR {name}: {reason}"]))
        return report

    def _enqueue(self, item: ImportItem) -> None:
        if item.key not in self._stored:
            self._stored[item.key] = False
            self._queue.append(item)

    def _collect(self, item: ImportItem, future: Future[StoreOutcome], report: ImportReport) -> None:
        try:
            outcome = future.result()
        except InvalidObject as error:
            if not self._read_directory_by_content(item):
                _reject(report, item, error)
        except (ArchiveError, OSError) as error:
            _reject(report, item, error)
        else:
            self._stored[item.key] = True
            report.outcomes[outcome.status.value] += 1
            report.size += outcome.size

    def _read_named_directory(self, item: ImportItem) -> None:
        if item.key in self._directory_keys:
            return
        self._directory_keys.add(item.key)
        try:
            ds = media_directory_dataset(item.read())
            if ds is None:
                self._enqueue(item)  # another kind of object, named DICOMDIR: ingest decides
                return
            self._add_directory(read_media_directory(item, ds))
        except (UnreadableDirectory, OSError) as error:
            self._unreadable.append((item.name, str(error)))

    def _read_directory_by_content(self, item: ImportItem) -> bool:
        """Whether a rejected object is a DICOMDIR (then handled as one)."""
        try:
            data = item.read()
        except OSError:
            return False
        if not is_media_directory_object(data):  # the file meta only: most rejected objects are no DICOMDIR
            return False
        try:
            ds = media_directory_dataset(data)
            if ds is None:
                return False
            self._add_directory(read_media_directory(item, ds))
        except UnreadableDirectory as error:
            self._unreadable.append((item.name, str(error)))
        return True

    def _add_directory(self, directory: MediaDirectory) -> None:
        self._directory_keys.add(directory.item.key)
        log.debug("%s lists %d file(s)", directory.name, directory.referenced)
        self._directories.append(directory)
        for item in directory.found:
            self._enqueue(item)

    def _directory_report(self, directory: MediaDirectory) -> DirectoryReport:
        stored = sum(1 for key in {item.key for item in directory.found} if self._stored.get(key))
        problems = [f"missing: {path}, listed in {directory.name}" for path in directory.missing]
        problems += [f"invalid Referenced File ID {file_id}, listed in {directory.name}"
                     for file_id in directory.invalid]  # fmt: skip
        return DirectoryReport(directory.name, directory.referenced, stored, problems)


def _store(store: Store, item: ImportItem) -> StoreOutcome:
    return store(item.read())


def _reject(report: ImportReport, item: ImportItem, error: Exception) -> None:
    report.outcomes["rejected"] += 1
    report.rejected.append((item.name, str(error)))
