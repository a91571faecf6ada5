"""Reading DICOM objects from bytes: Part 10 files (and bare datasets), checked for completeness.

Pure: bytes in, a pydicom Dataset (and normalised Part 10 bytes) out; pixel data is never decoded.
"""

from __future__ import annotations

import logging
from io import BytesIO

from pydicom import dcmread
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.errors import InvalidDicomError
from pydicom.filewriter import dcmwrite
from pydicom.tag import Tag
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    UID,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

from pypacs.dicom.nesting import MAX_SEQUENCE_DEPTH, TooDeeplyNested, check_sequence_depth
from pypacs.dicom.vrs import LONG_LENGTH_VRS

log = logging.getLogger(__name__)

UNDEFINED_LENGTH = 0xFFFFFFFF
REQUIRED_UIDS = ("SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID")
_DELIMITER_LE = b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"
_DELIMITER_BE = b"\xff\xfe\xe0\xdd\x00\x00\x00\x00"


class InvalidPart10(ValueError):
    """The bytes are not a complete, usable DICOM object; the message says why."""


def read_object(data: bytes) -> tuple[Dataset, bytes]:
    """Parse and check an object; returns the dataset and its bytes as a Part 10 file.

    Bare datasets without the 'DICM' preamble (old ACR-NEMA style files) are accepted when they carry the
    required UIDs, and re-encoded with a file meta header so everything stored is Part 10.
    """
    if len(data) == 0:
        raise InvalidPart10("empty file")
    ds: Dataset
    try:
        ds = dcmread(BytesIO(data))
        bare = False
    except InvalidDicomError:
        ds = _read_bare(data)
        bare = True
    except RecursionError as exc:  # pydicom reads nested sequences recursively
        raise InvalidPart10(f"sequences nest more than {MAX_SEQUENCE_DEPTH} levels deep") from exc
    except Exception as exc:  # pydicom raises many kinds on corrupt input
        raise InvalidPart10(f"unreadable DICOM file: {exc}") from exc
    check_complete(ds, data)
    check_required_attributes(ds)
    try:
        check_sequence_depth(ds)
    except (TooDeeplyNested, RecursionError) as exc:
        raise InvalidPart10(str(exc) or f"sequences nest more than {MAX_SEQUENCE_DEPTH} levels deep") from exc
    if bare:
        data = encode_part10(ds)
    else:
        meta_uid = ds.file_meta.get("MediaStorageSOPInstanceUID")
        if meta_uid and meta_uid != ds.SOPInstanceUID:
            log.warning("file meta SOP Instance UID %s differs from the dataset's %s", meta_uid, ds.SOPInstanceUID)
    return ds, data


def _read_bare(data: bytes) -> Dataset:
    try:
        ds = dcmread(BytesIO(data), force=True)
        usable = all(str(ds.get(keyword, "") or "").strip() for keyword in ("SOPClassUID", "SOPInstanceUID"))
    except Exception as exc:
        raise InvalidPart10("not a DICOM file (no 'DICM' prefix and no readable dataset)") from exc
    if not usable:
        raise InvalidPart10("not a DICOM file (no 'DICM' prefix and no SOP Class/Instance UID)")
    return ds


def check_complete(ds: Dataset, data: bytes) -> None:
    """Detect truncation, which pydicom reads past silently: values shorter than their length field,
    undefined-length values without their delimiter, native pixel data shorter than its image size."""
    for element in ds._dict.values():
        if not isinstance(element, RawDataElement) or element.value is None:
            continue
        name = f"({element.tag.group:04X},{element.tag.element:04X})"
        if element.length == UNDEFINED_LENGTH:
            end = element.value_tell + len(element.value)
            trailer = data[end : end + 8] if end + 8 <= len(data) else b""
            if trailer not in (_DELIMITER_LE, _DELIMITER_BE):
                raise InvalidPart10(f"truncated file: element {name} has no end delimiter")
        elif len(element.value) < element.length:
            raise InvalidPart10(f"truncated file: element {name} has {len(element.value)} of {element.length} bytes")
    _check_native_pixel_data(ds)


def _check_native_pixel_data(ds: Dataset) -> None:
    raw = ds._dict.get(Tag(0x7FE00010))
    if raw is None:
        return
    length = raw.length if isinstance(raw, RawDataElement) else len(raw.value or b"")
    if length == UNDEFINED_LENGTH:
        return  # encapsulated: checked by the delimiter test
    try:
        rows, columns = int(ds.Rows), int(ds.Columns)
        bits = int(ds.BitsAllocated)
        samples = int(ds.get("SamplesPerPixel", 1) or 1)
        frames = int(ds.get("NumberOfFrames", 1) or 1)
    except (AttributeError, TypeError, ValueError):
        return  # not enough image attributes to know the size; nothing to compare
    if samples == 3 and str(ds.get("PhotometricInterpretation", "")).strip() == "YBR_FULL_422":
        samples = 2  # chroma subsampled horizontally: two values per pixel (PS3.3 C.7.6.3.1.2)
    pixels = rows * columns * samples * frames
    expected = (pixels * bits + 7) // 8
    if length < expected:
        raise InvalidPart10(
            f"truncated file: pixel data has {length} bytes, {rows}x{columns}x{samples}x{frames} frames "
            f"of {bits} bits need {expected}"
        )


def check_required_attributes(ds: Dataset) -> None:
    missing = [keyword for keyword in REQUIRED_UIDS if not str(ds.get(keyword, "") or "").strip()]
    if missing:
        raise InvalidPart10("missing required attribute(s): " + ", ".join(missing))
    for keyword in REQUIRED_UIDS:
        value = str(ds.get(keyword)).strip()
        if len(value) > 64:
            raise InvalidPart10(f"{keyword} {value[:70]!r}... is longer than 64 characters")
        if any(ord(char) < 0x20 or ord(char) > 0x7E or char == "\\" for char in value):
            raise InvalidPart10(f"{keyword} {value!r} is not a single UID")


_LONG_LENGTH_VRS = {vr.encode() for vr in LONG_LENGTH_VRS}


def data_set_offset(data: bytes | memoryview) -> int:
    """Where the data set starts in Part 10 bytes: after the preamble, 'DICM' and the file meta group (which is
    walked element by element, Explicit VR Little Endian, so a missing or wrong group length does not matter)."""
    if len(data) < 132 or bytes(data[128:132]) != b"DICM":
        raise InvalidPart10("not a Part 10 file (no 'DICM' prefix)")
    offset = 132
    while offset + 8 <= len(data):
        group = int.from_bytes(data[offset : offset + 2], "little")
        if group != 0x0002:
            return offset
        vr = bytes(data[offset + 4 : offset + 6])
        if vr in _LONG_LENGTH_VRS:
            length = int.from_bytes(data[offset + 8 : offset + 12], "little")
            offset += 12 + length
        else:
            offset += 8 + int.from_bytes(data[offset + 6 : offset + 8], "little")
    if offset > len(data):
        raise InvalidPart10("file meta information runs past the end of the file")
    return offset


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
