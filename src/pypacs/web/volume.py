"""3D routes of pypacs's REST API, part one: a series' volume geometry and multiplanar reformations (planes and
slabs), with the pictures' place in patient space. Renderings are in web/volume_rendering.py, paths in
web/volume_paths.py. Thin: the archive assembles and caches the volume, volume/ computes, imaging/ encodes.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from fastapi import APIRouter, Request, Response
from PIL import Image

from pypacs.imaging.render import Viewport, encode_picture, fit
from pypacs.imaging.voi import Window, WindowRequest, apply_window, default_window
from pypacs.volume.model import Volume
from pypacs.volume.reslice import Plane, sample, slab
from pypacs.web.rendered import picture_type, render_options
from pypacs.web.volume_parameters import centre, plane_request, slab_mode, slab_thickness
from pypacs.web.wado import archive_of

router = APIRouter(tags=["3D"])

PLANE_HEADER = "Pypacs-Plane"  # the picture's place in patient space (JSON), for a viewer to map its pixels


def square_pixels(display: np.ndarray, plane: Plane, viewport: Viewport | None) -> np.ndarray:
    """The picture with square pixels as fine as its finest direction, scaled down to fit the viewport: in one
    resampling (antialiased where it shrinks)."""
    finest = min(plane.column_spacing, plane.row_spacing)
    width = plane.columns * plane.column_spacing / finest
    height = plane.rows * plane.row_spacing / finest
    scale = min(1.0, viewport.columns / width, viewport.rows / height) if viewport else 1.0
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if size == (plane.columns, plane.rows):
        return display
    if scale < 1 and plane.column_spacing == plane.row_spacing:
        return fit(display, viewport)  # only shrinking: area averaging, as the rendered resources do
    return np.asarray(Image.fromarray(display).resize(size, Image.Resampling.BILINEAR))


def grey(values: np.ndarray, window: WindowRequest, volume: Volume) -> tuple[np.ndarray, Window]:
    """Modality values as 8-bit grey in the request's window, else the series' own, else (and for full range)
    their range; and the window used."""
    if window is None and volume.window is not None:
        window = Window(volume.window[0], max(volume.window[1], 1.0))
    chosen = window if isinstance(window, Window) else default_window(values)
    return (apply_window(values, chosen) * np.float32(255) + np.float32(0.5)).astype(np.uint8), chosen


def plane_picture(request: Request, volume: Volume, plane: Plane, values: np.ndarray) -> Response:
    """Windowed (the request's window, else the series' own, else the values' range), square pixels, fitted to
    the viewport, encoded; with the plane's place in patient space in a header."""
    media_type = picture_type(request)
    window, viewport, quality = render_options(request, None)
    display, chosen = grey(values, window, volume)
    display = square_pixels(display, plane, viewport)
    corner = plane.origin - 0.5 * plane.column_spacing * plane.right - 0.5 * plane.row_spacing * plane.down
    place: dict[str, Any] = {
        "corner": [round(float(v), 4) for v in corner],  # the picture's top left corner (not a pixel centre)
        "right": [round(float(v), 6) for v in plane.right],
        "down": [round(float(v), 6) for v in plane.down],
        "width": round(plane.columns * plane.column_spacing, 4),  # mm across the whole picture
        "height": round(plane.rows * plane.row_spacing, 4),
        "window": [chosen.center, chosen.width],
    }
    data = encode_picture(display, media_type, quality)
    return Response(data, media_type=media_type, headers={PLANE_HEADER: json.dumps(place, separators=(",", ":"))})


@router.get("/studies/{study}/series/{series}/volume", summary="A series as a volume: its grid in patient space")
def series_volume(request: Request, study: str, series: str) -> dict[str, Any]:
    """Builds (or finds in the cache) the series' volume and says where it lies: shape (slices, rows, columns),
    spacing, the affine from voxel indices (i, j, k) to LPS mm, its bounding box and centre, and what was done to
    make it (tilt corrected, spacing resampled)."""
    volume = archive_of(request).series_volume(study, series)
    corners = volume.corners()
    return {
        "shape": list(volume.shape),
        "spacing": [round(v, 6) for v in volume.spacing],
        "affine": [[round(float(v), 6) for v in row] for row in volume.affine],
        "bounds": {
            "min": [round(float(v), 4) for v in corners.min(axis=0)],
            "max": [round(float(v), 4) for v in corners.max(axis=0)],
        },  # fmt: skip
        "centre": [round(float(v), 4) for v in centre(volume)],
        "frameOfReference": volume.frame_of_reference,
        "window": list(volume.window) if volume.window else None,
        "notes": list(volume.notes),
    }


@router.get("/studies/{study}/series/{series}/mpr", summary="A multiplanar reformation of a series")
def series_mpr(request: Request, study: str, series: str) -> Response:
    """The axial, coronal, sagittal or an oblique plane through a point (`plane`, `point`, `right`, `down`),
    optionally as a slab (`slab=` mm thick, `mode=mip|minip|average`), rendered with `window`, `viewport`,
    `quality` and `accept` as WADO-RS rendered resources are. The `Pypacs-Plane` header places the picture in
    patient space."""
    asked, thickness, mode = plane_request(request), slab_thickness(request, 0.0), slab_mode(request, "mip")
    _, viewport, _ = render_options(request, None)  # bad rendering parameters fail before any work
    volume = archive_of(request).series_volume(study, series)
    plane = asked.plane(volume, viewport)
    values = slab(volume, plane, thickness, mode) if thickness > 0 else sample(volume, plane)
    return plane_picture(request, volume, plane, values)


def windowed_display(request: Request, volume: Volume, values: np.ndarray) -> tuple[np.ndarray, Window]:
    """Modality values as 8-bit grey in the request's window (else the series' own, else their range), fitted to
    the viewport; and the window."""
    window, viewport, _ = render_options(request, None)
    display, chosen = grey(values, window, volume)
    return fit(display, viewport), chosen


def windowed(request: Request, volume: Volume, values: np.ndarray) -> tuple[bytes, str, Window]:
    """windowed_display, encoded as the request asks."""
    display, chosen = windowed_display(request, volume, values)
    _, _, quality = render_options(request, None)
    media_type = picture_type(request)
    return encode_picture(display, media_type, quality), media_type, chosen
