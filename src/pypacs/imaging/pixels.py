"""Decoding frames of any transfer syntax (pydicom with the decoders of imaging.codecs) and the Modality LUT.

Pure: a Dataset in, numpy arrays out; nothing is read from or written to disk here.
"""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import pixel_array


class PixelDataError(ValueError):
    """The object has no pixel data, or a frame cannot be decoded; the message says why."""


def frame_count(ds: Dataset) -> int:
    try:
        return max(int(ds.get("NumberOfFrames", 1) or 1), 1)
    except (TypeError, ValueError):
        return 1


def decode_frame(ds: Dataset, index: int) -> np.ndarray:
    """Frame `index` (0-based) as stored: (rows, columns) or (rows, columns, samples); YBR colour becomes RGB."""
    if "PixelData" not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
        raise PixelDataError("the object has no pixel data")
    count = frame_count(ds)
    if not 0 <= index < count:
        raise PixelDataError(f"frame {index + 1} does not exist: the object has {count} frame(s)")
    try:
        return pixel_array(ds, index=index)
    except Exception as error:  # decoders raise many kinds on corrupt or unsupported data
        syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", "unknown")
        raise PixelDataError(f"frame {index + 1} cannot be decoded ({syntax}): {error}") from error


def modality_lut(frame: np.ndarray, ds: Dataset) -> np.ndarray:
    """Stored values to modality values (e.g. Hounsfield units): Modality LUT Sequence, else Rescale Slope and
    Intercept; float32 when a rescale applies, the input unchanged when nothing does."""
    lut_sequence = ds.get("ModalityLUTSequence")
    if lut_sequence:
        return _lookup(frame, lut_sequence[0]).astype(np.float32)
    slope = float(ds.get("RescaleSlope", 1) or 1)
    intercept = float(ds.get("RescaleIntercept", 0) or 0)
    if slope == 1 and intercept == 0:
        return frame
    return frame.astype(np.float32) * np.float32(slope) + np.float32(intercept)


def _lookup(frame: np.ndarray, item: Dataset) -> np.ndarray:
    """Apply a LUT item (LUTDescriptor: entries, first mapped value, bits; LUTData)."""
    entries, first, _bits = (int(v) for v in item.LUTDescriptor)
    entries = entries or 65536
    data = np.asarray(lut_values(item), dtype=np.float32)[:entries]
    indices = np.clip(frame.astype(np.int64) - first, 0, len(data) - 1)
    return data[indices]


def lut_values(item: Dataset) -> list[int]:
    """LUT Data as numbers, whether pydicom decoded it as US/SS values or left it as OW bytes."""
    data = item.LUTData
    if isinstance(data, bytes):
        return np.frombuffer(data, dtype="<u2").tolist()
    if isinstance(data, int):
        return [data]
    return [int(v) for v in data]
