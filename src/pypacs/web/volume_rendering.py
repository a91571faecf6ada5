"""3D routes of pypacs's REST API, part two: renderings of the whole volume from a camera (volume rendering,
surface shaded display, MIP along rays and of slabs) and virtual endoscopy from inside a lumen.
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
from fastapi import APIRouter, Request, Response
from PIL import Image

from pypacs.archive.errors import InvalidQuery
from pypacs.imaging.render import Viewport, encode_picture
from pypacs.volume.cpr import resample_path
from pypacs.volume.endoscopy import eye, eye_on_path, fly
from pypacs.volume.model import NotAVolume, Volume
from pypacs.volume.raycast import Camera, RenderMode, TransferFunction, camera_around, cast, transfer_presets
from pypacs.volume.reslice import slab
from pypacs.volume.surface import Surface, stl_bytes
from pypacs.web.rendered import picture_type, render_options
from pypacs.web.volume import grey, plane_picture
from pypacs.web.volume_parameters import (
    camera_request,
    clip_box,
    degrees,
    length,
    numbers,
    path_points,
    plane_request,
    slab_mode,
    slab_thickness,
)
from pypacs.web.wado import archive_of

router = APIRouter(tags=["3D"])

CAMERA_HEADER = "Pypacs-Camera"  # where a rendering's camera looks from (JSON)
RENDER_SIZE = Viewport(512, 512)
DRAFT_STEP = 3  # a draft's samples are this many voxels apart along a ray
DRAFT_SHRINK = 3  # and its pixels this many times fewer each way


@router.get("/studies/{study}/series/{series}/mip", summary="A maximum (or minimum) intensity projection")
def series_mip(request: Request, study: str, series: str) -> Response:
    """The projection of the whole volume (or a `slab=` mm thick around `point`) onto a plane (`plane`: coronal
    by default), `mode=mip` (maximum), `minip` (minimum) or `average`; rendered as /mpr is."""
    if "azimuth" in request.query_params or "elevation" in request.query_params:  # a rotating MIP's frame
        camera_request(request)
        render_options(request, RENDER_SIZE)
        return rendering(request, archive_of(request).series_volume(study, series), "mip", None, 0.0)
    asked, mode = plane_request(request, "coronal"), slab_mode(request, "mip")
    thickness = slab_thickness(request, -1.0)
    _, viewport, _ = render_options(request, None)
    volume = archive_of(request).series_volume(study, series)
    plane = asked.plane(volume, viewport)
    if thickness < 0:  # the whole volume: every voxel on either side of the plane
        thickness = 2 * float(np.max(np.abs((volume.corners() - plane.origin) @ plane.normal)))
    return plane_picture(request, volume, plane, slab(volume, plane, thickness, mode))


def rendered_picture(request: Request, volume: Volume, mode: RenderMode, transfer: TransferFunction | None,
                     threshold: float, turn: float = 0.0) -> tuple[np.ndarray, Camera]:  # fmt: skip
    """The camera's picture (uint8) at the viewport's size (512x512 by default; a third of it each way, with
    samples three times as far apart, for a draft, then upscaled), the camera turned `turn` degrees more about the
    patient's head-foot axis."""
    azimuth, elevation, zoom, pan, draft = camera_request(request)
    window, viewport, _ = render_options(request, RENDER_SIZE)
    size = viewport or RENDER_SIZE
    shrink = DRAFT_SHRINK if draft else 1
    columns, rows = max(1, size.columns // shrink), max(1, size.rows // shrink)
    camera = camera_around(volume, azimuth + turn, elevation, zoom, pan, columns, rows)
    step = min(volume.spacing) * (DRAFT_STEP if draft else 1)
    picture = cast(volume, camera, mode, transfer, threshold, step, clip_box(request))
    if mode == "mip":
        display, _ = grey(np.nan_to_num(picture, nan=volume.fill), window, volume)
    else:
        display = (np.clip(picture, 0, 1) * np.float32(255) + np.float32(0.5)).astype(np.uint8)
    if draft:
        display = np.asarray(Image.fromarray(display).resize((size.columns, size.rows), Image.Resampling.BILINEAR))
    return display, camera


def rendering(request: Request, volume: Volume, mode: RenderMode, transfer: TransferFunction | None,
              threshold: float) -> Response:  # fmt: skip
    """The camera's picture, encoded, with the `Pypacs-Camera` header."""
    display, camera = rendered_picture(request, volume, mode, transfer, threshold)
    place = {"view": [round(float(v), 6) for v in camera.view], "up": [round(float(v), 6) for v in camera.up],
             "centre": [round(float(v), 4) for v in camera.centre], "width": round(camera.width, 4)}  # fmt: skip
    _, _, quality = render_options(request, RENDER_SIZE)
    media_type = picture_type(request)
    data = encode_picture(display, media_type, quality)
    return Response(data, media_type=media_type, headers={CAMERA_HEADER: json.dumps(place, separators=(",", ":"))})


def preset_of(request: Request) -> TransferFunction:
    """`preset=`: one of /api/volume-presets (ct-bone by default)."""
    preset = request.query_params.get("preset", "ct-bone")
    presets = transfer_presets()
    if preset not in presets:
        raise InvalidQuery(f"preset={preset!r} must be one of {', '.join(presets)}")
    return presets[preset]


def threshold_of(request: Request, default: float) -> float:
    text = request.query_params.get("threshold")
    return float(numbers("threshold", text, 1)[0]) if text else default


@router.get("/volume-presets", summary="The volume rendering presets (transfer functions)")
def volume_presets() -> list[dict[str, str]]:
    return [{"id": key, "name": preset.name} for key, preset in transfer_presets().items()]


@router.get("/studies/{study}/series/{series}/vr", summary="A volume rendering of a series")
def series_vr(request: Request, study: str, series: str) -> Response:
    """The volume seen from a camera (`azimuth`, `elevation`, `zoom`, `pan`) with a transfer function
    (`preset`: one of /api/volume-presets, ct-bone by default), lit by a headlight, within an optional clipping box
    (`clip=i0,i1,j0,j1,k0,k1`, fractions of the volume's extent); `draft=true` for a quick
    picture while the reader drags (a third of the pixels each way, samples three times as far apart). The
    `Pypacs-Camera` header says where the camera looks from."""
    transfer = preset_of(request)
    camera_request(request)
    render_options(request, RENDER_SIZE)
    volume = archive_of(request).series_volume(study, series)
    return rendering(request, volume, "vr", transfer, 0.0)


@router.get("/studies/{study}/series/{series}/ssd", summary="A surface shaded display of a series")
def series_ssd(request: Request, study: str, series: str) -> Response:
    """The surface where values first reach `threshold` (300 by default: bone on CT), seen from a camera as /vr
    is, shaded by a headlight."""
    threshold = threshold_of(request, 300.0)
    camera_request(request)
    render_options(request, RENDER_SIZE)
    volume = archive_of(request).series_volume(study, series)
    return rendering(request, volume, "ssd", None, threshold)


@router.get("/studies/{study}/series/{series}/endoscopy", summary="A virtual endoscopy view from inside a lumen")
def series_endoscopy(request: Request, study: str, series: str) -> Response:
    """A perspective view (`fov` degrees, 90 by default) from `position=x,y,z` looking along `look=x,y,z` (`up`
    optional), or from `at` mm along `path` looking along it (`backwards=true` to look back); `yaw` and `pitch`
    turn the view (degrees). The wall is where values first cross `threshold` (-500 by default) from a `lumen=air`
    (values below it) or `lumen=contrast` (above). `viewport` sets the size (512 square by default), `draft=true`
    makes it a third as big each way. The `Pypacs-Camera` header gives the camera's position and directions, for
    the MPR views."""
    parameters = request.query_params
    fov = length(request, "fov", 90.0, 10.0, 170.0)
    threshold = float(numbers("threshold", parameters["threshold"], 1)[0]) if parameters.get("threshold") else -500.0
    lumen = parameters.get("lumen", "air")
    if lumen not in ("air", "contrast"):
        raise InvalidQuery(f"lumen={lumen!r} must be air or contrast")
    yaw, pitch = degrees(request, "yaw"), degrees(request, "pitch")
    _, _, _, _, draft = camera_request(request)
    window, viewport, quality = render_options(request, RENDER_SIZE)
    if parameters.get("path"):
        points, at = path_points(request), length(request, "at", 0.0, 0.0, 100_000.0)
        backwards = parameters.get("backwards", "false").lower() in ("true", "1")
    elif parameters.get("position") and parameters.get("look"):
        position, look = numbers("position", parameters["position"], 3), numbers("look", parameters["look"], 3)
        up = numbers("up", parameters["up"], 3) if parameters.get("up") else None
    else:
        raise InvalidQuery("endoscopy needs position=x,y,z and look=x,y,z, or path= (and at=)")
    volume = archive_of(request).series_volume(study, series)
    try:
        if parameters.get("path"):
            camera = eye_on_path(resample_path(points, min(volume.spacing)), at, fov, yaw, pitch, backwards)
        else:
            camera = eye(position, look, up, fov, yaw, pitch)
    except ValueError as error:
        raise InvalidQuery(str(error)) from error
    size = min((viewport or RENDER_SIZE).columns, (viewport or RENDER_SIZE).rows)
    picture, _ = fly(volume, camera, threshold, lumen == "air", max(16, size // DRAFT_SHRINK if draft else size))
    display = (np.clip(picture, 0, 1) * np.float32(255) + np.float32(0.5)).astype(np.uint8)
    if draft:
        display = np.asarray(Image.fromarray(display).resize((size, size), Image.Resampling.BILINEAR))
    place = {"position": [round(float(v), 4) for v in camera.position],
             "look": [round(float(v), 6) for v in camera.look], "up": [round(float(v), 6) for v in camera.up],
             "fov": camera.fov}  # fmt: skip
    media_type = picture_type(request)
    data = encode_picture(display, media_type, quality)
    return Response(data, media_type=media_type, headers={CAMERA_HEADER: json.dumps(place, separators=(",", ":"))})


def _surface(request: Request, study: str, series: str) -> Surface:
    threshold = threshold_of(request, 300.0)
    try:
        return archive_of(request).series_surface(study, series, threshold)
    except ValueError as error:
        if isinstance(error, NotAVolume):
            raise
        raise InvalidQuery(str(error)) from error


@router.get("/studies/{study}/series/{series}/surface", summary="The SSD surface as a mesh: its size and area")
def series_surface(request: Request, study: str, series: str) -> dict[str, Any]:
    """The surface where values cross `threshold` (300 by default: bone on CT) as a triangle mesh (marching cubes,
    kept for the next requests): its area (mm²), triangles, vertices, bounds (LPS mm) and the grid step used
    (voxels; 1 below ~16 M voxels). Download it as STL from …/surface.stl."""
    started = time.perf_counter()
    surface = _surface(request, study, series)
    return {"threshold": surface.threshold, "area": round(surface.area, 2), "triangles": int(len(surface.faces)),
            "vertices": int(len(surface.vertices)), "step": surface.step,
            "bounds": {"min": [round(float(v), 3) for v in surface.vertices.min(axis=0)],
                       "max": [round(float(v), 3) for v in surface.vertices.max(axis=0)]},
            "milliseconds": round((time.perf_counter() - started) * 1000, 1)}  # fmt: skip


@router.get("/studies/{study}/series/{series}/surface.stl", summary="The SSD surface as an STL file")
def series_surface_stl(request: Request, study: str, series: str) -> Response:
    """The surface at `threshold` as a binary STL file (mm, patient coordinates LPS), for 3D printing."""
    surface = _surface(request, study, series)
    name = f"pypacs {series[-40:]} at {surface.threshold:g}"
    disposition = f'attachment; filename="surface-{surface.threshold:g}.stl"'
    return Response(stl_bytes(surface, name), media_type="model/stl", headers={"Content-Disposition": disposition})
