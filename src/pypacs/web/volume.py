"""3D routes of pypacs's REST API: a series' volume geometry, and pictures cut from it (MPR planes, slabs, MIP).

Thin: the archive assembles and caches the volume, volume/reslice cuts it, imaging/ windows and encodes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from fastapi import APIRouter, Request, Response
from PIL import Image

from pypacs.archive.errors import InvalidQuery
from pypacs.imaging.render import Viewport, encode_picture, fit
from pypacs.imaging.voi import FULL_RANGE, Window, apply_window, default_window
from pypacs.volume.cpr import cross_section, resample_path, straightened, stretched
from pypacs.volume.model import Volume
from pypacs.volume.raycast import RenderMode, TransferFunction, camera_around, cast, transfer_presets
from pypacs.volume.reslice import STANDARD_PLANES, Plane, SlabMode, plane_through, sample, slab, standard_plane
from pypacs.web.rendered import picture_type, render_options
from pypacs.web.wado import archive_of

router = APIRouter(tags=["3D"])

PLANE_HEADER = "Pypacs-Plane"  # the picture's place in patient space (JSON), for a viewer to map its pixels
CAMERA_HEADER = "Pypacs-Camera"  # where a rendering's camera looks from (JSON)
CPR_HEADER = "Pypacs-CPR"  # a CPR's path length and mm per pixel (JSON)
RENDER_SIZE = Viewport(512, 512)
DRAFT_STEP = 3  # a draft's samples are this many voxels apart along a ray (its pixels half as many each way)
SLAB_MODES = ("mip", "minip", "average")


def _numbers(name: str, text: str, count: int) -> np.ndarray:
    try:
        values = np.array([float(part) for part in text.split(",")], dtype=np.float64)
    except ValueError as error:
        raise InvalidQuery(f"{name}={text!r} must be {count} numbers separated by commas") from error
    if values.shape != (count,) or not np.all(np.isfinite(values)):
        raise InvalidQuery(f"{name}={text!r} must be {count} finite numbers separated by commas")
    return values


def _centre(volume: Volume) -> np.ndarray:
    corners = volume.corners()
    return np.asarray((corners.min(axis=0) + corners.max(axis=0)) / 2)


@dataclass(frozen=True)
class PlaneRequest:
    """A plane as asked for: `plane=axial|coronal|sagittal` through `point=x,y,z` (LPS mm; the volume's centre
    when absent), or `plane=oblique` with its `right=` and `down=` directions."""

    name: str
    point: np.ndarray | None
    right: np.ndarray | None = None
    down: np.ndarray | None = None

    def plane(self, volume: Volume, viewport: Viewport | None = None) -> Plane:
        """The plane on the volume; an oblique one sampled no finer than the viewport needs (it is interpolated
        pixel by pixel; cuts along the grid are taken whole and scaled down)."""
        point = self.point if self.point is not None else _centre(volume)
        try:
            if self.right is not None and self.down is not None:
                plane = plane_through(volume, point, self.right, self.down)
                return plane.fitted(viewport.columns, viewport.rows) if viewport else plane
            return standard_plane(volume, self.name, point)
        except ValueError as error:
            raise InvalidQuery(str(error)) from error


def _plane_request(request: Request, default: str = "axial") -> PlaneRequest:
    parameters = request.query_params
    point = _numbers("point", parameters["point"], 3) if parameters.get("point") else None
    name = parameters.get("plane", default)
    if name == "oblique":
        if not parameters.get("right") or not parameters.get("down"):
            raise InvalidQuery("an oblique plane needs right=x,y,z and down=x,y,z (its directions, LPS)")
        right, down = _numbers("right", parameters["right"], 3), _numbers("down", parameters["down"], 3)
        lengths = float(np.linalg.norm(right)) * float(np.linalg.norm(down))
        if not lengths > 0 or float(np.linalg.norm(np.cross(right, down))) < 1e-6 * lengths:
            raise InvalidQuery("an oblique plane's right and down directions must be non-zero and not parallel")
        return PlaneRequest(name, point, right, down)
    if name not in STANDARD_PLANES:
        raise InvalidQuery(f"plane={name!r} must be one of {', '.join((*STANDARD_PLANES, 'oblique'))}")
    return PlaneRequest(name, point)


def _slab_mode(request: Request, default: str) -> SlabMode:
    mode = request.query_params.get("mode", default)
    if mode not in SLAB_MODES:
        raise InvalidQuery(f"mode={mode!r} must be one of {', '.join(SLAB_MODES)}")
    return mode  # type: ignore[return-value]


def _thickness(request: Request, default: float) -> float:
    text = request.query_params.get("slab")
    if not text:
        return default
    value = _numbers("slab", text, 1)[0]
    if value < 0 or value > 10_000:
        raise InvalidQuery(f"slab={text!r} must be a thickness in mm from 0 to 10000")
    return float(value)


def _square_pixels(display: np.ndarray, plane: Plane, viewport: Viewport | None) -> np.ndarray:
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


def _picture(request: Request, volume: Volume, plane: Plane, values: np.ndarray) -> Response:
    """Windowed (the request's window, else the series' own, else the values' range), square pixels, fitted to
    the viewport, encoded; with the plane's place in patient space in a header."""
    media_type = picture_type(request)
    window, viewport, quality = render_options(request, None)
    if window is None and volume.window is not None:
        window = Window(volume.window[0], max(volume.window[1], 1.0))
    chosen = window if isinstance(window, Window) else default_window(values)
    if window == FULL_RANGE:
        chosen = default_window(values)
    display = (apply_window(values, chosen) * np.float32(255) + np.float32(0.5)).astype(np.uint8)
    display = _square_pixels(display, plane, viewport)
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
        "centre": [round(float(v), 4) for v in _centre(volume)],
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
    asked, thickness, mode = _plane_request(request), _thickness(request, 0.0), _slab_mode(request, "mip")
    _, viewport, _ = render_options(request, None)  # bad rendering parameters fail before any work
    volume = archive_of(request).series_volume(study, series)
    plane = asked.plane(volume, viewport)
    values = slab(volume, plane, thickness, mode) if thickness > 0 else sample(volume, plane)
    return _picture(request, volume, plane, values)


@router.get("/studies/{study}/series/{series}/mip", summary="A maximum (or minimum) intensity projection")
def series_mip(request: Request, study: str, series: str) -> Response:
    """The projection of the whole volume (or a `slab=` mm thick around `point`) onto a plane (`plane`: coronal
    by default), `mode=mip` (maximum), `minip` (minimum) or `average`; rendered as /mpr is."""
    if "azimuth" in request.query_params or "elevation" in request.query_params:  # a rotating MIP's frame
        _camera_request(request)
        render_options(request, RENDER_SIZE)
        return _rendering(request, archive_of(request).series_volume(study, series), "mip", None, 0.0)
    asked, mode = _plane_request(request, "coronal"), _slab_mode(request, "mip")
    thickness = _thickness(request, -1.0)
    _, viewport, _ = render_options(request, None)
    volume = archive_of(request).series_volume(study, series)
    plane = asked.plane(volume, viewport)
    if thickness < 0:  # the whole volume: every voxel on either side of the plane
        thickness = 2 * float(np.max(np.abs((volume.corners() - plane.origin) @ plane.normal)))
    return _picture(request, volume, plane, slab(volume, plane, thickness, mode))


def _angle(request: Request, name: str) -> float:
    text = request.query_params.get(name)
    if not text:
        return 0.0
    value = float(_numbers(name, text, 1)[0])
    if abs(value) > 3600:
        raise InvalidQuery(f"{name}={text!r} must be an angle in degrees from -3600 to 3600")
    return value


def _camera_request(request: Request) -> tuple[float, float, float, tuple[float, float], bool]:
    """`azimuth` and `elevation` (degrees), `zoom` (> 0), `pan=right,up` (mm) and `draft=true|false`."""
    parameters = request.query_params
    zoom = float(_numbers("zoom", parameters["zoom"], 1)[0]) if parameters.get("zoom") else 1.0
    if not 0.05 <= zoom <= 50:
        raise InvalidQuery(f"zoom={parameters['zoom']!r} must be from 0.05 to 50")
    pan = _numbers("pan", parameters["pan"], 2) if parameters.get("pan") else np.zeros(2)
    if np.max(np.abs(pan)) > 10_000:
        raise InvalidQuery("pan must be two distances in mm (right, up) within 10000")
    draft = parameters.get("draft", "false").lower()
    if draft not in ("true", "false", "1", "0"):
        raise InvalidQuery(f"draft={draft!r} must be true or false (true: a quick picture while the reader drags)")
    return _angle(request, "azimuth"), _angle(request, "elevation"), zoom, (float(pan[0]), float(pan[1])), \
        draft in ("true", "1")  # fmt: skip


def _rendering(request: Request, volume: Volume, mode: RenderMode, transfer: TransferFunction | None,
               threshold: float) -> Response:  # fmt: skip
    """The camera's picture at the viewport's size (512x512 by default; half of it each way, with samples three
    times as far apart, for a draft), upscaled to the viewport when drafted."""
    azimuth, elevation, zoom, pan, draft = _camera_request(request)
    media_type = picture_type(request)
    window, viewport, quality = render_options(request, RENDER_SIZE)
    size = viewport or RENDER_SIZE
    columns, rows = (max(1, size.columns // 2), max(1, size.rows // 2)) if draft else (size.columns, size.rows)
    camera = camera_around(volume, azimuth, elevation, zoom, pan, columns, rows)
    step = min(volume.spacing) * (DRAFT_STEP if draft else 1)
    picture = cast(volume, camera, mode, transfer, threshold, step)
    if mode == "mip":
        values = np.nan_to_num(picture, nan=volume.fill)
        if window is None and volume.window is not None:
            window = Window(volume.window[0], max(volume.window[1], 1.0))
        chosen = window if isinstance(window, Window) else default_window(values)
        display = (apply_window(values, chosen) * np.float32(255) + np.float32(0.5)).astype(np.uint8)
    else:
        display = (np.clip(picture, 0, 1) * np.float32(255) + np.float32(0.5)).astype(np.uint8)
    if draft:
        display = np.asarray(Image.fromarray(display).resize((size.columns, size.rows), Image.Resampling.BILINEAR))
    place = {"view": [round(float(v), 6) for v in camera.view], "up": [round(float(v), 6) for v in camera.up],
             "centre": [round(float(v), 4) for v in camera.centre], "width": round(camera.width, 4)}  # fmt: skip
    data = encode_picture(display, media_type, quality)
    return Response(data, media_type=media_type, headers={CAMERA_HEADER: json.dumps(place, separators=(",", ":"))})


@router.get("/volume-presets", summary="The volume rendering presets (transfer functions)")
def volume_presets() -> list[dict[str, str]]:
    return [{"id": key, "name": preset.name} for key, preset in transfer_presets().items()]


@router.get("/studies/{study}/series/{series}/vr", summary="A volume rendering of a series")
def series_vr(request: Request, study: str, series: str) -> Response:
    """The volume seen from a camera (`azimuth`, `elevation`, `zoom`, `pan`) with a transfer function
    (`preset`: one of /api/volume-presets, ct-bone by default), lit by a headlight; `draft=true` for a quick
    picture while the reader drags (half the pixels each way, samples three times as far apart). The
    `Pypacs-Camera` header says where the camera looks from."""
    preset = request.query_params.get("preset", "ct-bone")
    presets = transfer_presets()
    if preset not in presets:
        raise InvalidQuery(f"preset={preset!r} must be one of {', '.join(presets)}")
    _camera_request(request)
    render_options(request, RENDER_SIZE)
    volume = archive_of(request).series_volume(study, series)
    return _rendering(request, volume, "vr", presets[preset], 0.0)


@router.get("/studies/{study}/series/{series}/ssd", summary="A surface shaded display of a series")
def series_ssd(request: Request, study: str, series: str) -> Response:
    """The surface where values first reach `threshold` (300 by default: bone on CT), seen from a camera as /vr
    is, shaded by a headlight."""
    threshold = float(_numbers("threshold", request.query_params["threshold"], 1)[0]) \
        if request.query_params.get("threshold") else 300.0  # fmt: skip
    _camera_request(request)
    render_options(request, RENDER_SIZE)
    volume = archive_of(request).series_volume(study, series)
    return _rendering(request, volume, "ssd", None, threshold)


def _path(request: Request) -> np.ndarray:
    """`path=x,y,z;x,y,z;…`: at least two points (LPS mm), at most 1000."""
    text = request.query_params.get("path", "")
    parts = [part for part in text.split(";") if part.strip()]
    if not 2 <= len(parts) <= 1000:
        raise InvalidQuery("path= must be 2 to 1000 points x,y,z (LPS mm) separated by semicolons")
    return np.stack([_numbers("path", part, 3) for part in parts])


def _length(request: Request, name: str, default: float, low: float = 1.0, high: float = 1000.0) -> float:
    text = request.query_params.get(name)
    if not text:
        return default
    value = float(_numbers(name, text, 1)[0])
    if not low <= value <= high:
        raise InvalidQuery(f"{name}={text!r} must be from {low:g} to {high:g} mm")
    return value


def _windowed(request: Request, volume: Volume, values: np.ndarray) -> tuple[bytes, str, Window]:
    media_type = picture_type(request)
    window, viewport, quality = render_options(request, None)
    if window is None and volume.window is not None:
        window = Window(volume.window[0], max(volume.window[1], 1.0))
    chosen = window if isinstance(window, Window) else default_window(values)
    display = fit((apply_window(values, chosen) * np.float32(255) + np.float32(0.5)).astype(np.uint8), viewport)
    return encode_picture(display, media_type, quality), media_type, chosen


@router.get("/studies/{study}/series/{series}/cpr", summary="A curved planar reformation along a path")
def series_cpr(request: Request, study: str, series: str) -> Response:
    """The reformation along `path` (points the reader clicked, LPS mm): `kind=straightened` (the path made
    straight, top to bottom, cut by the plane through it at `angle` degrees about it; 0: seen from the front) or
    `stretched` (the path keeps its curve, cut along the direction at `angle`); `width` mm either side (60 by
    default). The `Pypacs-CPR` header gives the path's length and the mm per pixel."""
    points, kind = _path(request), request.query_params.get("kind", "straightened")
    if kind not in ("straightened", "stretched"):
        raise InvalidQuery(f"kind={kind!r} must be straightened or stretched")
    angle, width = _angle(request, "angle"), _length(request, "width", 60.0)
    render_options(request, None)
    volume = archive_of(request).series_volume(study, series)
    try:
        path = resample_path(points, min(volume.spacing))
        if kind == "straightened":
            values = straightened(volume, path, width, angle)
        else:
            turn = np.radians(angle)
            values = stretched(volume, path, width, np.cos(turn) * path.normals[0] + np.sin(turn) * path.binormals[0])
    except ValueError as error:
        raise InvalidQuery(str(error)) from error
    data, media_type, window = _windowed(request, volume, values)
    place = {"kind": kind, "length": round(path.length, 4), "spacing": round(path.spacing, 6),
             "angle": angle, "window": [window.center, window.width]}  # fmt: skip
    return Response(data, media_type=media_type, headers={CPR_HEADER: json.dumps(place, separators=(",", ":"))})


@router.get("/studies/{study}/series/{series}/cross-section", summary="A cross-section perpendicular to a path")
def series_cross_section(request: Request, study: str, series: str) -> Response:
    """The plane perpendicular to `path` at `at` mm along it (0 by default), `width` mm square (40 by default):
    the view that moves along a CPR's path. The `Pypacs-Plane` header places it as /mpr does."""
    points = _path(request)
    at, width = _length(request, "at", 0.0, 0.0, 100_000.0), _length(request, "width", 40.0)
    render_options(request, None)
    volume = archive_of(request).series_volume(study, series)
    try:
        path = resample_path(points, min(volume.spacing))
    except ValueError as error:
        raise InvalidQuery(str(error)) from error
    values, plane = cross_section(volume, path, min(at, path.length), width)
    return _picture(request, volume, plane, values)
