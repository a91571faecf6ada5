"""Frames of stored objects read straight from their blobs: where each frame lies is worked out once per blob
(the header parsed, the pixel data left on disk) and remembered, so a viewer's frame requests read only a frame.

Uncompressed little endian and encapsulated (compressed) pixel data; other encodings return None (the caller
decodes the whole object). No HTTP or DIMSE here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from pydicom import dcmread
from pydicom.encaps import get_frame
from pydicom.tag import Tag

from pypacs.archive.blobs import BlobStore
from pypacs.imaging.pixels import PixelDataError

UNDEFINED_LENGTH = 0xFFFFFFFF
PIXEL_DATA = 0x7FE00010
LITTLE_ENDIAN_NATIVE = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1"}  # not deflated: offsets are file offsets
HEADER_VALUE_LIMIT = 4096  # values longer than this are not read to learn the layout


class FrameNotFound(PixelDataError):
    """The object has no such frame."""


@dataclass(frozen=True)
class FrameLayout:
    """Where the Pixel Data value lies in a stored file, and how it divides into frames."""

    transfer_syntax_uid: str
    frames: int
    value_offset: int  # file offset of the Pixel Data value
    encapsulated: bool
    frame_size: int  # bytes of one native frame (0 when encapsulated)


def read_layout(blobs: BlobStore, blob_key: str) -> FrameLayout | None:
    """The layout of a stored object's pixel data, or None when frames cannot be cut from the file as it is."""
    with blobs.open(blob_key) as handle:
        ds = dcmread(handle, defer_size=HEADER_VALUE_LIMIT)
    raw: Any = ds._dict.get(Tag(PIXEL_DATA))
    if raw is None or not hasattr(raw, "value_tell"):
        return None
    syntax = str(ds.file_meta.TransferSyntaxUID)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if raw.length == UNDEFINED_LENGTH:
        return FrameLayout(syntax, frames, raw.value_tell, True, 0)
    bits = int(ds.get("BitsAllocated", 0) or 0)
    if syntax not in LITTLE_ENDIAN_NATIVE or bits % 8:
        return None  # big endian, deflated, bit-packed: decoded by the caller
    size = int(ds.Rows) * int(ds.Columns) * int(ds.get("SamplesPerPixel", 1) or 1) * bits // 8
    if size * frames > raw.length:
        return None
    return FrameLayout(syntax, frames, raw.value_tell, False, size)


def _layout_from_end(blobs: BlobStore, blob_key: str, syntax: str, frame_size: int, frames: int) -> FrameLayout | None:
    """The layout when the file ends with a Pixel Data element of exactly `frames` x `frame_size` bytes (its tag
    and length read back just before the value, explicit or implicit VR); None when it does not."""
    length = frame_size * frames
    with blobs.open(blob_key) as handle:
        end = handle.seek(0, 2)
        offset = end - length
        if offset < 12:
            return None
        handle.seek(offset - 12)
        head = handle.read(12)
    explicit = syntax == "1.2.840.10008.1.2.1"
    if explicit:
        if head[:4] != b"\xe0\x7f\x10\x00" or head[4:6] not in (b"OW", b"OB"):
            return None
        declared = int.from_bytes(head[8:12], "little")
    else:
        if head[4:8] != b"\xe0\x7f\x10\x00":
            return None
        declared = int.from_bytes(head[8:12], "little")
    if declared != length:
        return None
    return FrameLayout(syntax, frames, offset, False, frame_size)


class FrameReader:
    """Reads frames as stored; layouts of the most recently used blobs are kept (blob keys change when an
    object is replaced, so a kept layout is never stale)."""

    def __init__(self, blobs: BlobStore, capacity: int = 4096) -> None:
        self.blobs = blobs
        self._capacity = capacity
        self._layouts: OrderedDict[str, FrameLayout | None] = OrderedDict()
        self._lock = threading.Lock()

    def layout(self, blob_key: str) -> FrameLayout | None:
        with self._lock:
            if blob_key in self._layouts:
                self._layouts.move_to_end(blob_key)
                return self._layouts[blob_key]
        layout = read_layout(self.blobs, blob_key)
        with self._lock:
            self._layouts[blob_key] = layout
            if len(self._layouts) > self._capacity:
                self._layouts.popitem(last=False)
        return layout

    def native_layout(
        self, blob_key: str, transfer_syntax_uid: str, frame_size: int, frames: int
    ) -> FrameLayout | None:
        """The layout of an uncompressed little endian object whose size per frame is known (from its indexed
        header): when its Pixel Data is the file's last element, as it nearly always is, it is found from the
        file's end with one small read instead of parsing the header. Otherwise as layout()."""
        with self._lock:
            if blob_key in self._layouts:
                self._layouts.move_to_end(blob_key)
                return self._layouts[blob_key]
        found = None
        if transfer_syntax_uid in LITTLE_ENDIAN_NATIVE and frame_size > 0 and frames > 0:
            found = _layout_from_end(self.blobs, blob_key, transfer_syntax_uid, frame_size, frames)
        if found is None:
            return self.layout(blob_key)
        with self._lock:
            self._layouts[blob_key] = found
            if len(self._layouts) > self._capacity:
                self._layouts.popitem(last=False)
        return found

    def stored_frame(self, blob_key: str, index: int) -> bytes | None:
        """Frame `index` (0-based) as stored, or None when the layout is not one this reader cuts."""
        layout = self.layout(blob_key)
        if layout is None:
            return None
        if not 0 <= index < layout.frames:
            raise FrameNotFound(f"frame {index + 1} does not exist: the object has {layout.frames} frame(s)")
        with self.blobs.open(blob_key) as handle:
            if layout.encapsulated:
                handle.seek(layout.value_offset)
                return get_frame(handle, index, number_of_frames=layout.frames)
            handle.seek(layout.value_offset + index * layout.frame_size)
            data = handle.read(layout.frame_size)
        if len(data) != layout.frame_size:
            raise FrameNotFound(f"frame {index + 1} is cut short in the stored file")
        return data
