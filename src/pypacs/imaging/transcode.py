"""Changing how an object or its frames are encoded: to Explicit VR Little Endian (decompressing when needed),
and single frames as stored or as native pixels. Pure: bytes or datasets in, bytes out.
"""

from __future__ import annotations

import io

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.encaps import generate_frames
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import dcmwrite, write_dataset
from pydicom.pixels import get_decoder
from pydicom.uid import UID, ExplicitVRLittleEndian

from pypacs.dicom.byte_order import swap_binary_values
from pypacs.imaging.pixels import PixelDataError, decode_frame, frame_count

EXPLICIT_LITTLE = str(ExplicitVRLittleEndian)
BIG_ENDIAN = "1.2.840.10008.1.2.2"
UNCOMPRESSED = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"}
CONVERTIBLE_TO = UNCOMPRESSED - {"1.2.840.10008.1.2.1.99"}  # what data_set_as writes (not deflated)

# Media types of compressed frames (PS3.18 Table 8.7.3-2), by transfer syntax.
FRAME_MEDIA_TYPES = {
    "1.2.840.10008.1.2.4.50": "image/jpeg",
    "1.2.840.10008.1.2.4.51": "image/jpeg",
    "1.2.840.10008.1.2.4.57": "image/jpeg",
    "1.2.840.10008.1.2.4.70": "image/jpeg",
    "1.2.840.10008.1.2.4.80": "image/jls",
    "1.2.840.10008.1.2.4.81": "image/jls",
    "1.2.840.10008.1.2.4.90": "image/jp2",
    "1.2.840.10008.1.2.4.91": "image/jp2",
    "1.2.840.10008.1.2.4.201": "image/jphc",
    "1.2.840.10008.1.2.4.202": "image/jphc",
    "1.2.840.10008.1.2.4.203": "image/jphc",
    "1.2.840.10008.1.2.5": "image/dicom-rle",
}


def converts_to_explicit_little_endian(transfer_syntax_uid: str) -> bool:
    """Whether objects stored in this syntax can be re-encoded as Explicit VR Little Endian here (a decoder for
    compressed pixel data is available); decided without reading an object."""
    if transfer_syntax_uid in UNCOMPRESSED:
        return True
    try:
        return bool(get_decoder(UID(transfer_syntax_uid)).is_available)
    except (NotImplementedError, ValueError):  # no decoder exists for the syntax (MPEG, HEVC, unknown)
        return False


def to_explicit_little_endian(data: bytes) -> bytes:
    """A Part 10 object re-encoded as Explicit VR Little Endian, decompressing its pixel data if needed (the
    same object in another encoding: the same SOP Instance UID). PixelDataError when it cannot be converted."""
    ds = dcmread(io.BytesIO(data))
    syntax = str(ds.file_meta.TransferSyntaxUID)
    if syntax == EXPLICIT_LITTLE:
        return data
    try:
        if syntax == BIG_ENDIAN:
            swap_binary_values(ds)  # pydicom re-encodes the rest itself
        elif syntax not in UNCOMPRESSED:
            ds.decompress(generate_instance_uid=False)
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        out = io.BytesIO()
        dcmwrite(out, ds, enforce_file_format=True, implicit_vr=False, little_endian=True)
    except PixelDataError:
        raise
    except Exception as error:  # decoders and value conversions raise many kinds on what they cannot handle
        raise PixelDataError(f"cannot convert {UID(syntax).name} to Explicit VR Little Endian: {error}") from error
    return out.getvalue()


def data_set_as(data: bytes, transfer_syntax_uid: str) -> bytes:
    """The data set of a Part 10 object (no file meta) encoded in an uncompressed transfer syntax, decompressing
    its pixel data if needed: what a C-STORE sends to a peer that did not accept the stored encoding."""
    if transfer_syntax_uid not in CONVERTIBLE_TO:
        raise ValueError(f"{transfer_syntax_uid} is not an uncompressed transfer syntax")
    ds = dcmread(io.BytesIO(to_explicit_little_endian(data)))
    syntax = UID(transfer_syntax_uid)
    out = DicomBytesIO()
    out.is_little_endian, out.is_implicit_VR = syntax.is_little_endian, syntax.is_implicit_VR
    write_dataset(out, ds)
    return out.getvalue()


def stored_frame(ds: Dataset, index: int) -> bytes:
    """Frame `index` (0-based) exactly as stored: a compressed bitstream, or the native bytes of one frame."""
    count = frame_count(ds)
    if not 0 <= index < count:
        raise PixelDataError(f"frame {index + 1} does not exist: the object has {count} frame(s)")
    if "PixelData" not in ds:
        raise PixelDataError("the object has no pixel data")
    syntax = str(ds.file_meta.TransferSyntaxUID)
    if syntax in UNCOMPRESSED:
        if syntax == "1.2.840.10008.1.2.2" or int(ds.BitsAllocated) == 1:
            return native_frame(ds, index)  # big endian or bit-packed: rebuilt as little endian bytes
        size = int(ds.Rows) * int(ds.Columns) * int(ds.get("SamplesPerPixel", 1)) * int(ds.BitsAllocated) // 8
        return bytes(ds.PixelData[index * size : (index + 1) * size])
    for number, frame in enumerate(generate_frames(ds.PixelData, number_of_frames=count)):
        if number == index:
            return frame
    raise PixelDataError(f"frame {index + 1} is missing from the encapsulated pixel data")


def native_frame(ds: Dataset, index: int) -> bytes:
    """Frame `index` decoded to native little endian bytes (colour as interleaved RGB)."""
    array = decode_frame(ds, index)
    return array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
