"""A series as a volume (volume/assemble.py) from what the archive stores, and the per-process volume cache:
least recently used first out, within a memory budget (settings.volume_cache_mb); one build per series at a time.

Geometry comes from the index's stored DICOM JSON, pixels from the blobs (frames cut from the file when stored
uncompressed, else decoded); no HTTP here.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from typing import Any

import numpy as np
import orjson
from pydicom import dcmread

from pypacs.archive.frames import FrameReader
from pypacs.archive.retrieve import RetrieveTarget
from pypacs.imaging.pixels import decode_frame
from pypacs.volume.assemble import SliceGeometry, VolumePlan, build_volume, plan_volume
from pypacs.volume.model import NotAVolume, Volume
from pypacs.volume.surface import Surface, build_surface

log = logging.getLogger(__name__)

SHARED_GROUPS = "52009229"
PER_FRAME_GROUPS = "52009230"


class VolumeTooLarge(NotAVolume):
    """The series' volume would not fit the volume cache's budget."""


def _values(item: dict[str, Any], tag: str) -> list[Any]:
    return list(item.get(tag, {}).get("Value") or [])


def _first(item: dict[str, Any], tag: str, default: Any = None) -> Any:
    values = _values(item, tag)
    return values[0] if values else default


def _group(groups: dict[str, Any] | None, sequence: str) -> dict[str, Any]:
    """The first item of a functional group macro's sequence (e.g. Plane Position Sequence), or {}."""
    if not groups:
        return {}
    items = _values(groups, sequence)
    return items[0] if items else {}


def frame_geometries(document: dict[str, Any]) -> list[SliceGeometry]:
    """Each frame's geometry from an instance's DICOM JSON: its own attributes, or an enhanced object's shared
    and per-frame functional groups (Plane Position, Plane Orientation, Pixel Measures, Pixel Value
    Transformation). NotAVolume when a frame cannot be placed."""
    rows, columns = int(_first(document, "00280010", 0) or 0), int(_first(document, "00280011", 0) or 0)
    if int(_first(document, "00280002", 1) or 1) != 1:
        raise NotAVolume("colour images do not make a volume of values")
    frames = int(_first(document, "00280008", 1) or 1)
    image_type = [str(value).upper() for value in _values(document, "00080008")]
    common: dict[str, Any] = {
        "rows": rows,
        "columns": columns,
        "bits_stored": int(_first(document, "00280101", 16) or 16),
        "signed": int(_first(document, "00280103", 0) or 0) == 1,
        "localizer": "LOCALIZER" in image_type,
        "frame_of_reference": str(_first(document, "00200052", "") or ""),
    }
    shared = _first(document, SHARED_GROUPS)
    per_frame = _values(document, PER_FRAME_GROUPS)
    geometries = []
    for index in range(frames):
        own = per_frame[index] if index < len(per_frame) else None

        def pick(sequence: str, tag: str, own: dict[str, Any] | None = own) -> list[Any]:
            for source in (_group(own, sequence), _group(shared, sequence), document):
                values = _values(source, tag)
                if values:
                    return values
            return []

        position = pick("00209113", "00200032")
        orientation = pick("00209116", "00200037")
        spacing = pick("00289110", "00280030")
        if len(position) != 3 or len(orientation) != 6 or len(spacing) != 2:
            raise NotAVolume("an image has no Image Position, Image Orientation or Pixel Spacing: it cannot be "
                             "placed in space")  # fmt: skip
        slope = pick("00289145", "00281053") or [1.0]
        intercept = pick("00289145", "00281052") or [0.0]
        geometries.append(SliceGeometry(
            position=tuple(float(v) for v in position),  # type: ignore[arg-type]
            orientation=tuple(float(v) for v in orientation),  # type: ignore[arg-type]
            pixel_spacing=(float(spacing[0]), float(spacing[1])), slope=float(slope[0]),
            intercept=float(intercept[0]), **common))  # fmt: skip
    return geometries


class SeriesFrames:
    """The frames of a series' instances, in the order of their geometries: cut from the stored files when they
    are uncompressed little endian, else decoded from the object."""

    def __init__(self, frames: FrameReader, entries: list[tuple[RetrieveTarget, int, dict[str, Any]]]) -> None:
        self._frames = frames
        self._entries = entries  # (instance, frame index, its JSON document) per geometry
        self._lock = threading.Lock()

    def window(self) -> tuple[float, float] | None:
        """The window (centre, width) of the middle image, if it has one."""
        document = self._entries[len(self._entries) // 2][2]
        centre, width = _first(document, "00281050"), _first(document, "00281051")
        try:
            return (float(centre), float(width)) if centre is not None and width is not None else None
        except (TypeError, ValueError):
            return None

    def read(self, index: int) -> np.ndarray:
        target, frame, document = self._entries[index]
        rows, columns = int(_first(document, "00280010")), int(_first(document, "00280011"))
        bits = int(_first(document, "00280100", 16) or 16)
        signed = int(_first(document, "00280103", 0) or 0) == 1
        frames = int(_first(document, "00280008", 1) or 1)
        size = rows * columns * bits // 8
        layout = self._frames.native_layout(target.blob_key, target.transfer_syntax_uid, size, frames)
        if layout is not None and not layout.encapsulated and bits in (8, 16, 32):
            data = self._frames.stored_frame(target.blob_key, frame)
            if data is not None:
                dtype = np.dtype(f"<{'i' if signed else 'u'}{bits // 8}")
                return np.frombuffer(data, dtype=dtype).reshape(rows, columns)
        with self._frames.blobs.open(target.blob_key) as handle:
            ds = dcmread(handle)
        return np.asarray(decode_frame(ds, frame))


def series_plan(documents: list[tuple[RetrieveTarget, str]], frames: FrameReader) -> tuple[VolumePlan, SeriesFrames]:
    """The volume plan of a series' instances (their stored DICOM JSON) and the reader of their frames."""
    geometries: list[SliceGeometry] = []
    entries: list[tuple[RetrieveTarget, int, dict[str, Any]]] = []
    for target, text in documents:
        document = orjson.loads(text)
        if "7FE00010" not in document and "00280010" not in document:
            continue  # no pixels (a report, a presentation state): not part of the volume
        for frame, geometry in enumerate(frame_geometries(document)):
            geometries.append(geometry)
            entries.append((target, frame, document))
    if not geometries:
        raise NotAVolume("the series holds no images")
    return plan_volume(geometries), SeriesFrames(frames, entries)


class VolumeCache:
    """Volumes by key, least recently used dropped first while over `budget` bytes; a build asked for twice at
    once runs once (the second caller waits for it)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._volumes: OrderedDict[str, Volume] = OrderedDict()
        self._building: dict[str, Future[Volume]] = {}
        self._lock = threading.Lock()

    @property
    def used(self) -> int:
        with self._lock:
            return sum(volume.nbytes for volume in self._volumes.values())

    def get(self, key: str, build: Callable[[], Volume]) -> Volume:
        with self._lock:
            volume = self._volumes.get(key)
            if volume is not None:
                self._volumes.move_to_end(key)
                return volume
            future = self._building.get(key)
            owner = future is None
            if future is None:
                future = self._building[key] = Future()
        if not owner:
            return future.result()
        try:
            volume = build()
        except BaseException as error:
            future.set_exception(error)
            with self._lock:
                self._building.pop(key, None)
            raise
        with self._lock:
            self._building.pop(key, None)
            self._volumes[key] = volume
            while self._volumes and sum(v.nbytes for v in self._volumes.values()) > self.budget:
                dropped, _ = self._volumes.popitem(last=False)
                log.info("volume %s dropped from the cache (budget %d MB)", dropped, self.budget >> 20)
        future.set_result(volume)
        return volume

    def make_room(self, needed: int) -> None:
        """Drop the least recently used volumes until `needed` more bytes fit the budget."""
        with self._lock:
            while self._volumes and sum(v.nbytes for v in self._volumes.values()) + needed > self.budget:
                self._volumes.popitem(last=False)


def series_key(targets: list[RetrieveTarget]) -> str:
    """A key that changes when the series' stored objects change (added, replaced, removed)."""
    digest = hashlib.sha1(usedforsecurity=False)
    for blob_key in sorted(target.blob_key for target in targets):
        digest.update(blob_key.encode())
    return digest.hexdigest()


def load_volume(cache: VolumeCache, frames: FrameReader, targets: list[RetrieveTarget],
                documents: Callable[[], list[tuple[RetrieveTarget, str]]], threads: int = 4) -> Volume:  # fmt: skip
    """The series' volume from the cache, else planned from its documents and built (VolumeTooLarge when it
    would not fit the cache's budget)."""

    def build() -> Volume:
        plan, series = series_plan(documents(), frames)
        if plan.nbytes > cache.budget:
            raise VolumeTooLarge(f"the series' volume needs {plan.nbytes >> 20} MB, over the volume cache's "
                                 f"{cache.budget >> 20} MB (setting volume_cache_mb)")  # fmt: skip
        cache.make_room(plan.nbytes)
        volume = build_volume(plan, series.read, threads=threads)
        return replace(volume, window=series.window())

    return cache.get(series_key(targets), build)


class SurfaceCache:
    """The last few surfaces built (marching cubes takes ~1 s on a big series), by volume and threshold; a
    surface goes with its volume (a volume rebuilt after a change is a new key)."""

    def __init__(self, size: int = 4) -> None:
        self._size = size
        self._surfaces: OrderedDict[tuple[int, float], tuple[Volume, Surface]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, volume: Volume, threshold: float) -> Surface:
        key = (id(volume), float(threshold))
        with self._lock:
            kept = self._surfaces.get(key)
            if kept is not None and kept[0] is volume:
                self._surfaces.move_to_end(key)
                return kept[1]
        surface = build_surface(volume, threshold)
        with self._lock:
            self._surfaces[key] = (volume, surface)
            while len(self._surfaces) > self._size:
                self._surfaces.popitem(last=False)
        return surface
