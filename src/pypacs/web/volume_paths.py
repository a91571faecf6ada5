"""3D routes of pypacs's REST API, part three: along a path the reader clicks (a vessel, the spine): curved
planar reformations and the cross-sections that move along them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from fastapi import APIRouter, Request, Response

from pypacs.archive.errors import InvalidQuery
from pypacs.volume.cpr import Path, cross_section, resample_path, straightened, stretched
from pypacs.volume.model import Volume
from pypacs.web.rendered import render_options
from pypacs.web.volume import plane_picture, windowed
from pypacs.web.volume_parameters import degrees, length, path_points
from pypacs.web.wado import archive_of

router = APIRouter(tags=["3D"])

CPR_HEADER = "Pypacs-CPR"  # a CPR's path length and mm per pixel (JSON)


@dataclass(frozen=True)
class Reformation:
    """A CPR as asked for and made: its modality values, path, kind and angle, and the volume."""

    values: np.ndarray
    path: Path
    kind: str
    angle: float
    volume: Volume


def reformation(request: Request, study: str, series: str, angle: float | None = None) -> Reformation:
    """The CPR a request asks for (parameters checked before any work), at `angle` when given."""
    points, kind = path_points(request), request.query_params.get("kind", "straightened")
    if kind not in ("straightened", "stretched"):
        raise InvalidQuery(f"kind={kind!r} must be straightened or stretched")
    asked, width = degrees(request, "angle"), length(request, "width", 60.0)
    angle = asked if angle is None else angle
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
    return Reformation(values, path, kind, angle, volume)


@router.get("/studies/{study}/series/{series}/cpr", summary="A curved planar reformation along a path")
def series_cpr(request: Request, study: str, series: str) -> Response:
    """The reformation along `path` (points the reader clicked, LPS mm): `kind=straightened` (the path made
    straight, top to bottom, cut by the plane through it at `angle` degrees about it; 0: seen from the front) or
    `stretched` (the path keeps its curve, cut along the direction at `angle`); `width` mm either side (60 by
    default). The `Pypacs-CPR` header gives the path's length and the mm per pixel."""
    made = reformation(request, study, series)
    data, media_type, window = windowed(request, made.volume, made.values)
    place = {"kind": made.kind, "length": round(made.path.length, 4), "spacing": round(made.path.spacing, 6),
             "angle": made.angle, "window": [window.center, window.width]}  # fmt: skip
    return Response(data, media_type=media_type, headers={CPR_HEADER: json.dumps(place, separators=(",", ":"))})


@router.get("/studies/{study}/series/{series}/cross-section", summary="A cross-section perpendicular to a path")
def series_cross_section(request: Request, study: str, series: str) -> Response:
    """The plane perpendicular to `path` at `at` mm along it (0 by default), `width` mm square (40 by default):
    the view that moves along a CPR's path. The `Pypacs-Plane` header places it as /mpr does."""
    points = path_points(request)
    at, width = length(request, "at", 0.0, 0.0, 100_000.0), length(request, "width", 40.0)
    render_options(request, None)
    volume = archive_of(request).series_volume(study, series)
    try:
        path = resample_path(points, min(volume.spacing))
    except ValueError as error:
        raise InvalidQuery(str(error)) from error
    values, plane = cross_section(volume, path, min(at, path.length), width)
    return plane_picture(request, volume, plane, values)
