"""The Archive: one object holding the index engines and the blob store, opened once per process.

Adapters (DIMSE, web, CLI) call its methods; it owns start-up recovery and never imports an adapter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from pydicom.dataset import Dataset
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from pypacs.archive import query as query_module
from pypacs.archive.blobs import FileBlobStore
from pypacs.archive.encoded_results import find_encoded
from pypacs.archive.errors import InvalidQuery, NoArchive, NotFound
from pypacs.archive.frames import FrameReader
from pypacs.archive.index import Engines, displayed_url, instance, open_index, patient, series, study
from pypacs.archive.ingest import StoreOutcome, store_instance
from pypacs.archive.peers import PeerRegistry
from pypacs.archive.removal import unindex_instance
from pypacs.archive.results import find_json
from pypacs.archive.retrieve import (
    RetrieveTarget,
    first_picture,
    instance_target,
    metadata_documents,
    retrieve_targets,
)
from pypacs.archive.study_zip import study_zip, study_zip_members, zip_folder_name
from pypacs.archive.volumes import SurfaceCache, VolumeCache, load_volume
from pypacs.config import Settings
from pypacs.dicom.json_model import dataset_from_json
from pypacs.dicom.levels import Level, Root
from pypacs.volume.model import Volume
from pypacs.volume.surface import Surface

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArchiveCounts:
    patients: int
    studies: int
    series: int
    instances: int
    bytes: int


class Archive:
    """The archive of one pypacs node: ingest, query, and access to stored objects."""

    def __init__(self, settings: Settings, engines: Engines, blobs: FileBlobStore) -> None:
        self.settings = settings
        self.engines = engines
        self.blobs = blobs
        self.frames = FrameReader(blobs)
        self.volumes = VolumeCache(settings.volume_cache_mb << 20)
        self.surfaces = SurfaceCache()
        self.peers = PeerRegistry(settings, engines)
        # Durable blob writes run here, overlapping the parsing and indexing of the same object.
        self._blob_writer = ThreadPoolExecutor(max_workers=8, thread_name_prefix="blob-writer")

    @classmethod
    def open(cls, settings: Settings, *, primary: bool = True, create: bool = True) -> Archive:
        """Open the index and blob store. The primary opener (one per node) also creates or migrates the
        schema and recovers from a crash; secondary ones (DIMSE worker processes) must start after it.

        With create=False the archive must exist already (its index, and its data folder): NoArchive
        otherwise, and nothing is created. Only what stores objects (serve, import) creates an archive."""
        if create:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        engines = open_index(settings.database_url, fsync=settings.fsync, create=create, upgrade=primary)
        if not create and not settings.data_dir.is_dir():
            engines.dispose()
            raise NoArchive(
                f"no archive at {settings.data_dir.absolute()} (its index is in "
                f"{displayed_url(settings.database_url)}, but the data folder is missing)"
            )
        blobs = FileBlobStore(settings.data_dir, fsync=settings.fsync)
        archive = cls(settings, engines, blobs)
        if primary:
            recovered = blobs.recover(archive._indexed_blob, archive._unindex_blob)
            if recovered:
                log.warning("recovered %d interrupted write(s) from the last run", recovered)
        return archive

    def close(self) -> None:
        self._blob_writer.shutdown(wait=True)
        self.blobs.close()
        if self.engines.is_sqlite:
            try:
                with self.engines.reader.connect() as connection:
                    connection.exec_driver_sql("PRAGMA optimize")  # keeps the planner's statistics current
            except OperationalError as error:  # busy with another process's writes: the next close does it
                log.info("index statistics not refreshed: %s", error)
        self.engines.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- ingest ---------------------------------------------------------------------------------------
    def store(
        self, source: bytes | Path, *, source_ae: str = "", declared: tuple[str, str] | None = None
    ) -> StoreOutcome:
        """Store Part 10 bytes, or a spool file (from blobs.spool_file) that becomes the blob; `declared`: the
        (SOP Class, SOP Instance) UIDs the object must have."""
        return store_instance(
            self.engines,
            self.blobs,
            source,
            policy=self.settings.duplicate_policy,
            source_ae=source_ae,
            writer=self._blob_writer,
            declared=declared,
            lenient_uids=self.settings.accept_nonconformant_uids,
        )

    # -- query ----------------------------------------------------------------------------------------
    def find(
        self,
        level: Level,
        identifier: Dataset,
        *,
        root: Root = Root.STUDY,
        limit: int | None = None,
        offset: int = 0,
    ) -> Iterator[Dataset]:
        """Entities at `level` matching the identifier, each as a Dataset of the requested attributes."""
        documents = self.find_json(level, identifier, root=root, limit=limit, offset=offset)
        return (dataset_from_json(document) for document in documents)

    def find_json(
        self,
        level: Level,
        identifier: Dataset,
        *,
        root: Root = Root.STUDY,
        limit: int | None = None,
        offset: int = 0,
        order: tuple[query_module.SortKey, ...] = (),
    ) -> Iterator[dict[str, Any]]:
        """Matching entities as DICOM JSON objects (what QIDO-RS sends), in `order` (then the order they were
        stored in). The identifier and order are checked at once, so a bad query raises InvalidQuery here;
        results are then read from the index as they are consumed."""
        request = query_module.QueryRequest(level, identifier, root=root, limit=limit, offset=offset, order=order)
        return find_json(self.engines.reader, request, retrieve_ae_title=self.settings.ae_title)

    def find_encoded(
        self,
        level: Level,
        identifier: Dataset,
        *,
        root: Root,
        implicit_vr: bool | None,
        encode_document: Callable[[dict[str, Any]], bytes],
        extra: dict[str, Any] | None = None,
    ) -> Iterator[list[bytes]]:
        """Matching entities as encoded Little Endian data sets (what C-FIND sends), in batches, each with the
        requested attributes and `extra`; see archive.encoded_results. Checked at once, like find_json."""
        request = query_module.QueryRequest(level, identifier, root=root)
        return find_encoded(
            self.engines.reader, request, implicit_vr=implicit_vr, encode_document=encode_document, extra=extra,
            retrieve_ae_title=self.settings.ae_title,
        )  # fmt: skip

    def retrieve_targets(self, level: Level, identifier: Dataset, *, root: Root = Root.STUDY) -> list[RetrieveTarget]:
        """The instances a C-MOVE / C-GET identifier names (InvalidQuery when it names none properly)."""
        request = query_module.QueryRequest(level, identifier, root=root)
        return retrieve_targets(self.engines.reader, request)

    def stored_instances(
        self, study: str, series: str | None = None, sop_instance: str | None = None
    ) -> list[RetrieveTarget]:
        """The instances of a study, series or single instance (NotFound when there are none)."""
        request = query_module.QueryRequest(*_retrieve_identifier(study, series, sop_instance))
        targets = retrieve_targets(self.engines.reader, request)
        if not targets:
            raise NotFound(_not_found_text(study, series, sop_instance))
        return targets

    def instance(self, study: str, series: str, sop_instance: str) -> RetrieveTarget:
        """One stored instance by its UIDs (NotFound when the three do not name one)."""
        if "\x00" in study + series + sop_instance:  # as in a query key (dicom.matching): no UID holds one
            raise InvalidQuery("NUL characters are not allowed in UIDs")
        target = instance_target(self.engines.reader, study, series, sop_instance)
        if target is None:
            raise NotFound(_not_found_text(study, series, sop_instance))
        return target

    def first_picture(self, study: str, series: str | None = None) -> RetrieveTarget | None:
        """The image a viewer shows first for a study or series (see archive.retrieve.first_picture)."""
        if "\x00" in study + (series or ""):
            return None
        return first_picture(self.engines.reader, study, series)

    def instance_metadata(
        self, study: str, series: str | None = None, sop_instance: str | None = None
    ) -> list[tuple[RetrieveTarget, str, datetime]]:
        """Stored DICOM JSON of each instance (BulkDataURIs relative to the instance), in series order."""
        request = query_module.QueryRequest(*_retrieve_identifier(study, series, sop_instance))
        documents = metadata_documents(self.engines.reader, request)
        if not documents:
            raise NotFound(_not_found_text(study, series, sop_instance))
        return documents

    def series_volume(self, study: str, series: str) -> Volume:
        """The series as a volume in patient coordinates (archive/volumes.py), kept in the volume cache:
        NotFound when the series is not stored, NotAVolume (with why) when its images do not form one."""
        targets = self.stored_instances(study, series)

        def documents() -> list[tuple[RetrieveTarget, str]]:
            return [(target, text) for target, text, _ in self.instance_metadata(study, series)]

        return load_volume(self.volumes, self.frames, targets, documents)

    def series_surface(self, study: str, series: str, threshold: float) -> Surface:
        """The series' iso-surface at `threshold` as a triangle mesh (volume/surface.py), the last few kept."""
        return self.surfaces.get(self.series_volume(study, series), threshold)

    def count(self, level: Level, identifier: Dataset, *, root: Root = Root.STUDY) -> int:
        request = query_module.QueryRequest(level, identifier, root=root)
        return query_module.count(self.engines.reader, request)

    # -- stored objects -------------------------------------------------------------------------------
    def instance_blob_key(self, sop_instance_uid: str) -> str:
        with self.engines.reader.connect() as connection:
            key = connection.execute(
                select(instance.c.blob_key).where(instance.c.sop_instance_uid == sop_instance_uid)
            ).scalar()
        if key is None:
            raise NotFound(f"no instance with SOP Instance UID {sop_instance_uid}")
        return str(key)

    def open_instance(self, sop_instance_uid: str) -> BinaryIO:
        return self.blobs.open(self.instance_blob_key(sop_instance_uid))

    def read_instance(self, sop_instance_uid: str) -> bytes:
        return self.blobs.read(self.instance_blob_key(sop_instance_uid))

    def study_zip(self, study: str) -> tuple[str, Iterator[bytes]]:
        """A study's stored files as a zip (its name without '.zip', and its bytes as they are written);
        NotFound at once when there is no such study."""
        members = study_zip_members(self.engines.reader, study)
        if not members:
            raise NotFound(_not_found_text(study, None, None))
        return zip_folder_name(study), study_zip(self.blobs, members)

    def counts(self) -> ArchiveCounts:
        with self.engines.reader.connect() as connection:
            return ArchiveCounts(
                patients=connection.execute(select(func.count()).select_from(patient)).scalar_one(),
                studies=connection.execute(select(func.count()).select_from(study)).scalar_one(),
                series=connection.execute(select(func.count()).select_from(series)).scalar_one(),
                instances=connection.execute(select(func.count()).select_from(instance)).scalar_one(),
                bytes=int(connection.execute(select(func.coalesce(func.sum(instance.c.size), 0))).scalar_one()),
            )

    def _indexed_blob(self, key: str) -> tuple[int, str] | None:
        """(size, sha256) the index holds for a blob key, or None."""
        with self.engines.reader.connect() as connection:
            row = connection.execute(
                select(instance.c.size, instance.c.digest).where(instance.c.blob_key == key)
            ).first()
        return (int(row.size), str(row.digest)) if row else None

    def _unindex_blob(self, key: str) -> None:
        with self.engines.write_lock(), self.engines.writer.begin() as connection:
            unindex_instance(connection, key)


def _retrieve_identifier(study: str, series: str | None, sop_instance: str | None) -> tuple[Level, Dataset]:
    identifier = Dataset()
    identifier.StudyInstanceUID = study
    level = Level.STUDY
    if series is not None:
        identifier.SeriesInstanceUID = series
        level = Level.SERIES
    if sop_instance is not None:
        identifier.SOPInstanceUID = sop_instance
        level = Level.IMAGE
    return level, identifier


def _not_found_text(study: str, series: str | None, sop_instance: str | None) -> str:
    if sop_instance is not None:
        return f"no instance {sop_instance} in series {series} of study {study}"
    if series is not None:
        return f"no series {series} in study {study}"
    return f"no study {study}"
