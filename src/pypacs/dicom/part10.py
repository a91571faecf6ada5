"""Reading DICOM objects as they arrive: Part 10 files (and bare data sets), checked for completeness and for
usable UIDs, in memory or in a file of any size (values over 1 MiB stay on disk).

Pure apart from the file being read: what is stored is the data set exactly as received, behind a zeroed
preamble and (for bare data sets only) a file meta header made here. Pixel data is never decoded.
"""

from __future__ import annotations

import logging
import os
import re
from io import BytesIO
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.errors import InvalidDicomError
from pydicom.filewriter import dcmwrite, write_file_meta_info
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

from pypacs.dicom.nesting import MAX_SEQUENCE_DEPTH, TooDeeplyNested, check_sequence_depth
from pypacs.dicom.structure import Read, StructureError, check_structure
from pypacs.dicom.vrs import LONG_LENGTH_VRS

log = logging.getLogger(__name__)

PREAMBLE = bytes(128)
REQUIRED_UIDS = ("SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID")
DEFER_SIZE = 1 << 20  # values larger than this stay in the file (read_object_file)
MAX_UID_LENGTH = 64
CONFORMANT_UID = re.compile(r"[0-9]+(\.[0-9]+)*")  # PS3.5 9.1 (a leading zero in a component is tolerated)
HARMLESS_UID = re.compile(r"[0-9A-Za-z_-]+(\.[0-9A-Za-z_-]+)*")  # legacy UIDs: no separator a path or URL knows


class InvalidPart10(ValueError):
    """The bytes are not a complete, usable DICOM object; the message says why."""


def read_object(data: bytes, *, lenient_uids: bool = False) -> tuple[Dataset, bytes]:
    """Parse and check an object; returns the data set and the bytes to store: the Part 10 file with its
    preamble zeroed (a preamble can hide an executable), or a bare data set behind a file meta header made here.

    `lenient_uids` accepts UIDs that are not digits and dots but are harmless (letters, '-', '_': legacy archives).
    """
    if len(data) == 0:
        raise InvalidPart10("empty file")
    if data[128:132] != b"DICM":
        ds, start = _read_bare(data)
        _check(ds, _buffer_reader(data), start, len(data), lenient_uids)
        return ds, part10_header(ds) + data[start:]
    ds = _parse(lambda: dcmread(BytesIO(data)))
    _check(ds, _buffer_reader(data), data_set_offset(data), len(data), lenient_uids)
    _warn_on_meta_mismatch(ds)
    return ds, data if not any(data[:128]) else PREAMBLE + data[128:]


def read_object_file(path: Path, *, lenient_uids: bool = False) -> Dataset:
    """Parse and check the object in a file, as read_object does, without loading values over DEFER_SIZE (pixel
    data stays on disk). The file is made what is stored, in place: preamble zeroed, a bare data set rewritten
    behind a file meta header. The data set's deferred values are read from `path` when accessed."""
    with path.open("r+b") as handle:
        size = os.fstat(handle.fileno()).st_size
        head = os.pread(handle.fileno(), 132, 0)
        if size == 0:
            raise InvalidPart10("empty file")
        if head[128:132] != b"DICM":  # old bare data sets are small: read whole, written back as Part 10
            ds, data = read_object(path.read_bytes(), lenient_uids=lenient_uids)
            handle.seek(0)
            handle.write(data)
            handle.truncate()
            return ds
        if any(head[:128]):  # before parsing: pydicom re-reads deferred values only from an unchanged file
            os.pwrite(handle.fileno(), PREAMBLE, 0)
        ds = _parse(lambda: dcmread(path, defer_size=DEFER_SIZE))
        read = _file_reader(handle.fileno())
        _check(ds, read, data_set_offset_in(read), size, lenient_uids)
    _warn_on_meta_mismatch(ds)
    return ds


def _parse(read: object) -> Dataset:
    try:
        return read()  # type: ignore[operator,no-any-return]
    except RecursionError as exc:  # pydicom reads nested sequences recursively
        raise InvalidPart10(f"sequences nest more than {MAX_SEQUENCE_DEPTH} levels deep") from exc
    except Exception as exc:  # pydicom raises many kinds on corrupt input
        raise InvalidPart10(f"unreadable DICOM file: {exc}") from exc


def _check(ds: Dataset, read: Read, start: int, end: int, lenient_uids: bool) -> None:
    """Structure first (pydicom silently drops what follows a cut), then the attributes the archive needs."""
    syntax = str(ds.file_meta.get("TransferSyntaxUID", "")) if getattr(ds, "file_meta", None) else ""
    implicit, little = (bool(flag) if flag is not None else default for flag, default in
                        zip(ds.original_encoding, (False, True), strict=True))  # fmt: skip
    if syntax != DeflatedExplicitVRLittleEndian:  # a deflated data set is checked by zlib as pydicom inflates it
        try:
            pixel_length = check_structure(read, start, end, implicit_vr=implicit, little_endian=little)
        except StructureError as exc:
            raise InvalidPart10(str(exc)) from exc
        _check_native_pixel_data(ds, pixel_length)
    check_required_attributes(ds, lenient_uids=lenient_uids)
    try:
        check_sequence_depth(ds)
    except (TooDeeplyNested, RecursionError) as exc:
        raise InvalidPart10(str(exc) or f"sequences nest more than {MAX_SEQUENCE_DEPTH} levels deep") from exc


def _warn_on_meta_mismatch(ds: Dataset) -> None:
    meta_uid = ds.file_meta.get("MediaStorageSOPInstanceUID")
    if meta_uid and meta_uid != ds.SOPInstanceUID:
        log.warning("file meta SOP Instance UID %s differs from the dataset's %s", meta_uid, ds.SOPInstanceUID)


def _buffer_reader(data: bytes) -> Read:
    return lambda offset, size: data[offset : offset + size]


def _file_reader(fd: int) -> Read:
    return lambda offset, size: os.pread(fd, size, offset)


def _read_bare(data: bytes) -> tuple[Dataset, int]:
    """A data set without preamble and 'DICM' (ACR-NEMA style), and where its own elements start (after a group
    0002 some writers put first)."""
    try:
        ds = dcmread(BytesIO(data), force=True)
        usable = all(str(ds.get(keyword, "") or "").strip() for keyword in ("SOPClassUID", "SOPInstanceUID"))
    except (InvalidDicomError, Exception) as exc:
        raise InvalidPart10("not a DICOM file (no 'DICM' prefix and no readable dataset)") from exc
    if not usable:
        raise InvalidPart10("not a DICOM file (no 'DICM' prefix and no SOP Class/Instance UID)")
    return ds, _group_two_end(_buffer_reader(data), 0, len(data))


def _check_native_pixel_data(ds: Dataset, length: int | None) -> None:
    """Native pixel data shorter than its image size (rows x columns x samples x frames x bits) is truncated."""
    if length is None or length == 0xFFFFFFFF:
        return  # none, or encapsulated: its items were walked
    try:
        rows, columns = int(ds.Rows), int(ds.Columns)
        bits = int(ds.BitsAllocated)
        samples = int(ds.get("SamplesPerPixel", 1) or 1)
        frames = int(ds.get("NumberOfFrames", 1) or 1)
    except (AttributeError, TypeError, ValueError):
        return  # not enough image attributes to know the size; nothing to compare
    if samples == 3 and str(ds.get("PhotometricInterpretation", "")).strip() == "YBR_FULL_422":
        samples = 2  # chroma subsampled horizontally: two values per pixel (PS3.3 C.7.6.3.1.2)
    expected = (rows * columns * samples * frames * bits + 7) // 8
    if length < expected:
        raise InvalidPart10(
            f"truncated file: pixel data has {length} bytes, {rows}x{columns}x{samples}x{frames} frames "
            f"of {bits} bits need {expected}"
        )


def check_required_attributes(ds: Dataset, *, lenient_uids: bool = False) -> None:
    """The four UIDs that name an object must be there, single, at most 64 bytes and made of digits and dots
    (or, with `lenient_uids`, of harmless characters); the message names the attribute and the value."""
    missing = [keyword for keyword in REQUIRED_UIDS if not str(ds.get(keyword, "") or "").strip()]
    if missing:
        raise InvalidPart10("missing required attribute(s): " + ", ".join(missing))
    for keyword in REQUIRED_UIDS:
        element = ds[keyword]
        if element.VM > 1:
            raise InvalidPart10(f"{keyword} has {element.VM} values ({element.value!r}); a UID is a single value")
        check_uid(keyword, str(element.value).strip(" "), lenient=lenient_uids)


def check_uid(name: str, value: str, *, lenient: bool = False) -> None:
    """InvalidPart10 unless `value` is a usable UID (see check_required_attributes)."""
    if len(value.encode("utf-8", "replace")) > MAX_UID_LENGTH:
        raise InvalidPart10(f"{name} {value[:70]!r}... is longer than {MAX_UID_LENGTH} bytes")
    if CONFORMANT_UID.fullmatch(value):
        return
    if lenient and HARMLESS_UID.fullmatch(value):
        log.info("accepting the non-conformant %s %r (accept_nonconformant_uids)", name, value)
        return
    allowed = "digits and dots" + (", letters, '-' and '_'" if lenient else "")
    raise InvalidPart10(f"{name} {value!r} is not a UID: only {allowed}, in dot-separated components, may be used")


_LONG_LENGTH_VRS = {vr.encode() for vr in LONG_LENGTH_VRS}


def data_set_offset(data: bytes | memoryview) -> int:
    """Where the data set starts in Part 10 bytes: after the preamble, 'DICM' and the file meta group (which is
    walked element by element, Explicit VR Little Endian, so a missing or wrong group length does not matter)."""
    if len(data) < 132 or bytes(data[128:132]) != b"DICM":
        raise InvalidPart10("not a Part 10 file (no 'DICM' prefix)")
    return _group_two_end(lambda offset, size: bytes(data[offset : offset + size]), 132, len(data))


def data_set_offset_in(read: Read) -> int:
    """data_set_offset of a Part 10 file read through `read`."""
    if read(128, 4) != b"DICM":
        raise InvalidPart10("not a Part 10 file (no 'DICM' prefix)")
    return _group_two_end(read, 132, None)


def _group_two_end(read: Read, offset: int, size: int | None) -> int:
    """The offset after the group 0002 elements starting at `offset` (Explicit VR Little Endian)."""
    while True:
        header = read(offset, 12)
        if len(header) < 8 or int.from_bytes(header[0:2], "little") != 0x0002:
            break
        if header[4:6] in _LONG_LENGTH_VRS:
            offset += 12 + int.from_bytes(header[8:12], "little")
        else:
            offset += 8 + int.from_bytes(header[6:8], "little")
    if size is not None and offset > size:
        raise InvalidPart10("file meta information runs past the end of the file")
    return offset


def part10_header(ds: Dataset) -> bytes:
    """Zeroed preamble, 'DICM' and a file meta group for a bare data set read as `ds` (its encoding as read)."""
    implicit, little = ds.original_encoding
    if implicit is None:
        implicit, little = True, True
    syntax = ImplicitVRLittleEndian if implicit else (ExplicitVRLittleEndian if little else ExplicitVRBigEndian)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = UID(syntax)
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    buffer = BytesIO()
    buffer.write(PREAMBLE + b"DICM")
    write_file_meta_info(buffer, meta, enforce_standard=True)  # type: ignore[arg-type]
    ds.file_meta = meta
    return buffer.getvalue()


def encode_part10(ds: Dataset) -> bytes:
    """Encode a dataset as a Part 10 file, adding a file meta header when it has none."""
    if not getattr(ds, "file_meta", None) or "TransferSyntaxUID" not in ds.file_meta:
        implicit, little = ds.original_encoding if ds.original_encoding[0] is not None else (True, True)
        syntax = ImplicitVRLittleEndian if implicit else (ExplicitVRLittleEndian if little else ExplicitVRBigEndian)
        meta = FileMetaDataset()
        meta.TransferSyntaxUID = UID(syntax)
        ds.file_meta = meta
    meta = ds.file_meta
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.setdefault("ImplementationClassUID", PYDICOM_IMPLEMENTATION_UID)
    buffer = BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()
