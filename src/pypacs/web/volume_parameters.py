"""Query parameters of the 3D routes, read and checked before any work: numbers and points, planes, slabs,
cameras, paths and lengths; a bad one is an InvalidQuery (400) that says which and why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from fastapi import Request

from pypacs.archive.errors import InvalidQuery
from pypacs.imaging.render import Viewport
from pypacs.volume.model import Volume
from pypacs.volume.reslice import STANDARD_PLANES, Plane, SlabMode, plane_through, standard_plane

SLAB_MODES = ("mip", "minip", "average")


def numbers(name: str, text: str, count: int) -> np.ndarray:
    try:
        values = np.array([float(part) for part in text.split(",")], dtype=np.float64)
    except ValueError as error:
        raise InvalidQuery(f"{name}={text!r} must be {count} numbers separated by commas") from error
    if values.shape != (count,) or not np.all(np.isfinite(values)):
        raise InvalidQuery(f"{name}={text!r} must be {count} finite numbers separated by commas")
    return values


def centre(volume: Volume) -> np.ndarray:
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
        point = self.point if self.point is not None else centre(volume)
        try:
            if self.right is not None and self.down is not None:
                plane = plane_through(volume, point, self.right, self.down)
                return plane.fitted(viewport.columns, viewport.rows) if viewport else plane
            return standard_plane(volume, self.name, point)
        except ValueError as error:
            raise InvalidQuery(str(error)) from error


def plane_request(request: Request, default: str = "axial") -> PlaneRequest:
    parameters = request.query_params
    point = numbers("point", parameters["point"], 3) if parameters.get("point") else None
    name = parameters.get("plane", default)
    if name == "oblique":
        if not parameters.get("right") or not parameters.get("down"):
            raise InvalidQuery("an oblique plane needs right=x,y,z and down=x,y,z (its directions, LPS)")
        right, down = numbers("right", parameters["right"], 3), numbers("down", parameters["down"], 3)
        lengths = float(np.linalg.norm(right)) * float(np.linalg.norm(down))
        if not lengths > 0 or float(np.linalg.norm(np.cross(right, down))) < 1e-6 * lengths:
            raise InvalidQuery("an oblique plane's right and down directions must be non-zero and not parallel")
        return PlaneRequest(name, point, right, down)
    if name not in STANDARD_PLANES:
        raise InvalidQuery(f"plane={name!r} must be one of {', '.join((*STANDARD_PLANES, 'oblique'))}")
    return PlaneRequest(name, point)


def slab_mode(request: Request, default: str) -> SlabMode:
    mode = request.query_params.get("mode", default)
    if mode not in SLAB_MODES:
        raise InvalidQuery(f"mode={mode!r} must be one of {', '.join(SLAB_MODES)}")
    return mode  # type: ignore[return-value]


def slab_thickness(request: Request, default: float) -> float:
    text = request.query_params.get("slab")
    if not text:
        return default
    value = numbers("slab", text, 1)[0]
    if value < 0 or value > 10_000:
        raise InvalidQuery(f"slab={text!r} must be a thickness in mm from 0 to 10000")
    return float(value)


def degrees(request: Request, name: str) -> float:
    text = request.query_params.get(name)
    if not text:
        return 0.0
    value = float(numbers(name, text, 1)[0])
    if abs(value) > 3600:
        raise InvalidQuery(f"{name}={text!r} must be an angle in degrees from -3600 to 3600")
    return value


def camera_request(request: Request) -> tuple[float, float, float, tuple[float, float], bool]:
    """`azimuth` and `elevation` (degrees), `zoom` (> 0), `pan=right,up` (mm) and `draft=true|false`."""
    parameters = request.query_params
    zoom = float(numbers("zoom", parameters["zoom"], 1)[0]) if parameters.get("zoom") else 1.0
    if not 0.05 <= zoom <= 50:
        raise InvalidQuery(f"zoom={parameters['zoom']!r} must be from 0.05 to 50")
    pan = numbers("pan", parameters["pan"], 2) if parameters.get("pan") else np.zeros(2)
    if np.max(np.abs(pan)) > 10_000:
        raise InvalidQuery("pan must be two distances in mm (right, up) within 10000")
    draft = parameters.get("draft", "false").lower()
    if draft not in ("true", "false", "1", "0"):
        raise InvalidQuery(f"draft={draft!r} must be true or false (true: a quick picture while the reader drags)")
    return degrees(request, "azimuth"), degrees(request, "elevation"), zoom, (float(pan[0]), float(pan[1])), \
        draft in ("true", "1")  # fmt: skip


def path_points(request: Request) -> np.ndarray:
    """`path=x,y,z;x,y,z;…`: at least two points (LPS mm), at most 1000."""
    text = request.query_params.get("path", "")
    parts = [part for part in text.split(";") if part.strip()]
    if not 2 <= len(parts) <= 1000:
        raise InvalidQuery("path= must be 2 to 1000 points x,y,z (LPS mm) separated by semicolons")
    return np.stack([numbers("path", part, 3) for part in parts])


def length(request: Request, name: str, default: float, low: float = 1.0, high: float = 1000.0) -> float:
    text = request.query_params.get(name)
    if not text:
        return default
    value = float(numbers(name, text, 1)[0])
    if not low <= value <= high:
        raise InvalidQuery(f"{name}={text!r} must be from {low:g} to {high:g} mm")
    return value


def clip_box(request: Request) -> tuple[float, float, float, float, float, float] | None:
    """`clip=i0,i1,j0,j1,k0,k1`: the part of the volume a rendering shows, fractions (0–1) of its extent along its
    columns, rows and slices (from < to); the whole volume when absent."""
    text = request.query_params.get("clip")
    if not text:
        return None
    values = numbers("clip", text, 6)
    if np.any(values < 0) or np.any(values > 1) or np.any(values[0::2] >= values[1::2]):
        raise InvalidQuery("clip= must be six fractions from 0 to 1, from < to along each axis (columns, rows, slices)")
    return tuple(float(v) for v in values)  # type: ignore[return-value]
