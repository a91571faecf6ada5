"""Frames to 8-bit pictures: modality LUT, VOI (window or VOI LUT), MONOCHROME1 inversion, colour models,
then scaling to a viewport and JPEG/PNG encoding. Pure: a Dataset in, bytes or arrays out.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.pixels import apply_color_lut

from pypacs.imaging.pixels import PixelDataError, decode_frame, modality_lut
from pypacs.imaging.voi import (
    FULL_RANGE,
    Window,
    WindowRequest,
    apply_voi_lut,
    apply_window,
    default_window,
    window_from_dataset,
)

MEDIA_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF"}
MAX_VIEWPORT = 8192  # pixels each way


@dataclass(frozen=True)
class Viewport:
    """The largest picture wanted: the frame is scaled down (never up) to fit, keeping its aspect ratio."""

    columns: int
    rows: int

    def __post_init__(self) -> None:
        if not (0 < self.columns <= MAX_VIEWPORT and 0 < self.rows <= MAX_VIEWPORT):
            raise ValueError(f"viewport {self.columns}x{self.rows} must be 1 to {MAX_VIEWPORT} pixels each way")


def render_frame(ds: Dataset, index: int = 0, window: WindowRequest = None) -> np.ndarray:
    """Frame `index` as uint8, (rows, columns) for greyscale or (rows, columns, 3) for colour. `window` (from a
    request) wins over the object's VOI LUT and windows; without any, or with FULL_RANGE, the frame's value range
    is used."""
    frame = decode_frame(ds, index)
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).strip().upper()
    if photometric == "PALETTE COLOR":
        return _to_8_bits(apply_color_lut(frame, ds), 16 if ds.get("RedPaletteColorLookupTableDescriptor",
                                                               [0, 0, 16])[2] == 16 else 8)  # fmt: skip
    if frame.ndim == 3:  # RGB, and YBR already converted to RGB by the decoder
        return _to_8_bits(frame, int(ds.get("BitsStored", 8) or 8))
    values = modality_lut(frame, ds)
    display = _voi(values, ds, index, window)
    if photometric == "MONOCHROME1":
        display = 1.0 - display
    return (display * np.float32(255) + np.float32(0.5)).astype(np.uint8)


def _voi(values: np.ndarray, ds: Dataset, index: int, window: WindowRequest) -> np.ndarray:
    if window == FULL_RANGE:
        return apply_window(values, default_window(values))
    if isinstance(window, Window):
        return apply_window(values, window)
    voi_luts = ds.get("VOILUTSequence")
    suggested = window_from_dataset(ds, index)
    if suggested is not None:
        return apply_window(values, suggested)
    if voi_luts:
        return apply_voi_lut(values, voi_luts[0])
    return apply_window(values, default_window(values))


def _to_8_bits(image: np.ndarray, bits: int) -> np.ndarray:
    if image.dtype == np.uint8:
        return image
    shift = max(bits - 8, 0)
    return np.clip(image.astype(np.uint32) >> shift, 0, 255).astype(np.uint8)


def fit(image: np.ndarray, viewport: Viewport | None) -> np.ndarray:
    """Scale down to fit the viewport (area averaging), keeping the aspect ratio."""
    rows, columns = image.shape[:2]
    if viewport is None or (rows <= viewport.rows and columns <= viewport.columns):
        return image
    scale = min(viewport.rows / rows, viewport.columns / columns)
    size = (max(1, round(columns * scale)), max(1, round(rows * scale)))
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BOX))


def encode_picture(image: np.ndarray, media_type: str = "image/jpeg", quality: int = 90) -> bytes:
    """JPEG, PNG or GIF bytes of an 8-bit greyscale or RGB array."""
    kind = MEDIA_TYPES.get(media_type)
    if kind is None:
        raise PixelDataError(f"cannot render as {media_type}; use one of {', '.join(MEDIA_TYPES)}")
    if not 1 <= quality <= 100:
        raise ValueError(f"quality {quality} must be between 1 and 100")
    buffer = io.BytesIO()
    picture = Image.fromarray(image)
    if kind == "JPEG":
        picture.save(buffer, "JPEG", quality=quality)
    elif kind == "PNG":
        picture.save(buffer, "PNG", compress_level=1)
    else:
        picture.save(buffer, "GIF")
    return buffer.getvalue()
