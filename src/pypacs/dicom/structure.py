"""The element structure of an encoded data set checked without decoding values: truncation, missing delimiters
and lengths a value's VR makes impossible (a US of 3 bytes), each named by the element where it is found.

Pure: reads bytes through a `read(offset, size)` callable (a buffer slice or a pread on a file), so a file of
any size is walked without being loaded; nothing is decoded, nothing is written.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from pydicom.datadict import dictionary_has_tag, dictionary_VR

from pypacs.dicom.vrs import LONG_LENGTH_VRS

Read = Callable[[int, int], bytes]

UNDEFINED_LENGTH = 0xFFFFFFFF
ITEM, ITEM_END, SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
PIXEL_DATA = 0x7FE00010
MAX_DEPTH = 64
VALUE_SIZES = {"US": 2, "SS": 2, "UL": 4, "SL": 4, "FL": 4, "AT": 4, "FD": 8, "SV": 8, "UV": 8,
               "OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}  # fmt: skip
_LONG = frozenset(vr.encode() for vr in LONG_LENGTH_VRS)


class StructureError(ValueError):
    """The encoded data set is truncated or has an impossible length; the message names the element."""


def check_structure(read: Read, start: int, end: int, *, implicit_vr: bool, little_endian: bool) -> int | None:
    """Walk every element from `start` to `end` (sequence items included) and raise StructureError at the first
    that runs past the end, lacks its delimiter, or has a length its VR cannot have. Returns the length of the
    top-level Pixel Data (0xFFFFFFFF when encapsulated), None when there is none."""
    walker = _Walker(read, end, implicit_vr, little_endian)
    walker.data_set(start, end, implicit_vr, depth=0)
    return walker.pixel_data_length


def tag_text(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


class _Walker:
    def __init__(self, read: Read, end: int, implicit_vr: bool, little_endian: bool) -> None:
        self.read = read
        self.end = end
        self.little = little_endian
        self.order = "<" if little_endian else ">"
        self.pixel_data_length: int | None = None

    def data_set(self, offset: int, end: int | None, implicit: bool, depth: int) -> int:
        """Walk elements from `offset` until `end` (a defined length) or an item delimiter (end None); returns the
        offset after the last element (after the delimiter)."""
        if depth > MAX_DEPTH:
            raise StructureError(f"sequences nest more than {MAX_DEPTH} levels deep")
        limit = self.end if end is None else end
        implicit = self.encoded_implicitly(offset, implicit, nested=depth > 0)
        while offset < limit:
            header = self.read(offset, 12)
            if len(header) < 8:
                raise StructureError(f"truncated file: an element header at byte {offset} is cut short")
            group, element = struct.unpack_from(f"{self.order}HH", header)
            tag = group << 16 | element
            if tag == ITEM_END:
                if end is not None:
                    raise StructureError(f"an item delimiter at byte {offset} inside an item of defined length")
                return offset + 8
            vr, length, size = self._header(header, tag, implicit)
            value_start = offset + size
            if tag == PIXEL_DATA and depth == 0:
                self.pixel_data_length = length
            if length == UNDEFINED_LENGTH:
                offset = self.undefined_length_value(tag, vr, value_start, implicit, depth)
                continue
            if value_start + length > limit:
                have = max(limit - value_start, 0)
                raise StructureError(f"truncated file: element {tag_text(tag)} has {have} of {length} bytes")
            unit = VALUE_SIZES.get(vr or "")
            if unit and length % unit:
                raise StructureError(
                    f"element {tag_text(tag)} {vr} has {length} bytes, not a multiple of the {unit} of its VR"
                )
            if vr == "SQ" and length:
                self.items(tag, vr, value_start, value_start + length, implicit, depth)
            offset = value_start + length
        if end is None:
            raise StructureError("truncated file: an item has no end delimiter")
        return offset

    def encoded_implicitly(self, offset: int, assumed: bool, *, nested: bool) -> bool:
        """Whether the data set at `offset` is Implicit VR, by the bytes where its first VR would be (as pydicom
        decides it: some writers encode Implicit VR under an explicit transfer syntax). Items of an implicit
        data set are implicit."""
        if nested and assumed:
            return True
        vr = self.read(offset + 4, 2)
        if len(vr) < 2:
            return assumed
        return not (0x40 < vr[0] < 0x5B and 0x40 < vr[1] < 0x5B)

    def _header(self, header: bytes, tag: int, implicit: bool) -> tuple[str | None, int, int]:
        """(VR or None when unknown, value length, header size) of the element whose header starts `header`."""
        if implicit or tag >> 16 == 0xFFFE:
            (length,) = struct.unpack_from(f"{self.order}L", header, 4)
            return _dictionary_vr(tag), length, 8
        vr = header[4:6]
        if vr in _LONG:
            if len(header) < 12:
                raise StructureError(f"truncated file: the header of element {tag_text(tag)} is cut short")
            (length,) = struct.unpack_from(f"{self.order}L", header, 8)
            return vr.decode("ascii"), length, 12
        (length,) = struct.unpack_from(f"{self.order}H", header, 6)
        return vr.decode("ascii", "replace"), length, 8

    def undefined_length_value(self, tag: int, vr: str | None, offset: int, implicit: bool, depth: int) -> int:
        """Walk a sequence (or encapsulated pixel data) of undefined length; returns the offset after it.

        Encapsulated pixel data whose items do not add up (a fragment length off by a few bytes, which some
        writers produce and decoders take) is accepted when its sequence delimiter is found, as pydicom does."""
        if tag != PIXEL_DATA:
            return self.items(tag, vr, offset, None, implicit, depth)
        try:
            return self.items(tag, vr, offset, None, implicit, depth)
        except StructureError:
            found = self.find_delimiter(offset)
            if found is None:
                raise StructureError(f"truncated file: element {tag_text(tag)} has no end delimiter") from None
            return found + 8

    def find_delimiter(self, offset: int) -> int | None:
        """The offset of the first sequence delimiter at or after `offset`, read in pieces; None when absent."""
        delimiter = struct.pack(f"{self.order}HHL", 0xFFFE, 0xE0DD, 0)
        while offset < self.end:
            piece = self.read(offset, 1 << 20)
            found = piece.find(delimiter)
            if found >= 0:
                return offset + found
            if len(piece) < 1 << 20:
                return None
            offset += len(piece) - len(delimiter) + 1
        return None

    def items(self, tag: int, vr: str | None, offset: int, end: int | None, implicit: bool, depth: int) -> int:
        """The items of a sequence (or fragments of encapsulated pixel data) from `offset` to `end`, or to the
        sequence delimiter when the length is undefined (end None); returns the offset after them."""
        limit = self.end if end is None else end
        # UN of undefined length holds a sequence encoded Implicit VR Little Endian (PS3.5 6.2.2)
        nested_implicit = implicit or vr == "UN"
        walk_items = vr in ("SQ", "UN", None) and tag != PIXEL_DATA
        while end is None or offset < end:
            header = self.read(offset, 8)
            if len(header) < 8:
                cut = "has no end delimiter" if end is None else "is cut short"
                raise StructureError(f"truncated file: element {tag_text(tag)} {cut}")
            group, element, length = struct.unpack(f"{self.order}HHL", header)
            item_tag = group << 16 | element
            if item_tag == SEQUENCE_END and end is None:
                return offset + 8
            if item_tag != ITEM:
                raise StructureError(f"element {tag_text(tag)} holds {tag_text(item_tag)} where an item belongs")
            offset += 8
            if length == UNDEFINED_LENGTH:
                offset = self.data_set(offset, None, nested_implicit, depth + 1)
                continue
            if offset + length > limit:
                if end is not None:
                    raise StructureError(f"an item of sequence {tag_text(tag)} runs past the end of the sequence")
                have = max(limit - offset, 0)
                raise StructureError(f"truncated file: an item of element {tag_text(tag)} has {have} of {length} bytes")
            if walk_items and length:
                self.data_set(offset, offset + length, nested_implicit, depth + 1)
            offset += length
        return offset


def _dictionary_vr(tag: int) -> str | None:
    """The VR an Implicit VR element has by the dictionary; None for private, unknown and ambiguous ones."""
    if tag >> 16 & 1 or not dictionary_has_tag(tag):
        return None
    vr = dictionary_VR(tag)
    return vr if " or " not in vr else None
