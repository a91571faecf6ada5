"""Curved planar reformation along a path (a vessel, the spine, a dental arch): the straightened CPR (the path
made straight, cut by a plane turning about it), the stretched CPR (the path's own curve kept, cut along a fixed
direction) and cross-sections perpendicular to the path.

Pure: a Volume and a path of patient coordinates in, float32 modality values out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pypacs.volume.interpolate import sample_points
from pypacs.volume.model import Volume
from pypacs.volume.reslice import Plane, sample

MAX_SAMPLES = 4096  # along the path, and across


@dataclass(frozen=True)
class Path:
    """A path resampled every `spacing` mm: its points, unit tangents, and a rotation-minimizing frame (normals
    and binormals that turn as little as possible along it), all (n, 3) in LPS."""

    points: np.ndarray
    tangents: np.ndarray
    normals: np.ndarray
    binormals: np.ndarray
    spacing: float

    @property
    def length(self) -> float:
        return float(self.spacing * (len(self.points) - 1))


def resample_path(points: np.ndarray, spacing: float) -> Path:
    """The polyline through `points` (at least two distinct, LPS mm) every `spacing` mm, with its frame. The first
    normal is the direction perpendicular to the path closest to the patient's anterior (or, for a path running
    front to back, to the head): at angle 0 a CPR is cut in the plane the reader sees the path from the front."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 3 or len(points) < 2 or not np.all(np.isfinite(points)):
        raise ValueError("a path is at least two points, each three finite numbers (x, y, z in mm)")
    steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    keep = np.concatenate([[True], steps > 1e-6])
    points, steps = points[keep], steps[steps > 1e-6]
    if len(points) < 2:
        raise ValueError("a path needs at least two distinct points")
    along = np.concatenate([[0.0], np.cumsum(steps)])
    count = int(np.floor(along[-1] / spacing)) + 1
    if count > MAX_SAMPLES:
        raise ValueError(f"the path is {along[-1]:.0f} mm long: over {MAX_SAMPLES} samples of {spacing:.2f} mm")
    at = np.arange(max(count, 2)) * spacing if count >= 2 else np.array([0.0, along[-1]])
    at = np.minimum(at, along[-1])
    resampled = np.stack([np.interp(at, along, points[:, axis]) for axis in range(3)], axis=1)
    tangents = np.gradient(resampled, axis=0)
    tangents /= np.maximum(np.linalg.norm(tangents, axis=1, keepdims=True), 1e-12)
    normals = np.empty_like(resampled)
    preferred = np.array([0.0, -1.0, 0.0])  # anterior
    if abs(np.dot(preferred, tangents[0])) > 0.9:
        preferred = np.array([0.0, 0.0, 1.0])
    first = preferred - np.dot(preferred, tangents[0]) * tangents[0]
    normals[0] = first / np.linalg.norm(first)
    for n in range(len(resampled) - 1):  # double reflection (Wang et al. 2008): a rotation-minimizing frame
        v1 = resampled[n + 1] - resampled[n]
        c1 = float(np.dot(v1, v1)) or 1e-12
        r_left = normals[n] - (2 / c1) * np.dot(v1, normals[n]) * v1
        t_left = tangents[n] - (2 / c1) * np.dot(v1, tangents[n]) * v1
        v2 = tangents[n + 1] - t_left
        c2 = float(np.dot(v2, v2))
        normal = r_left - (2 / c2) * np.dot(v2, r_left) * v2 if c2 > 1e-12 else r_left
        normal -= np.dot(normal, tangents[n + 1]) * tangents[n + 1]
        normals[n + 1] = normal / max(float(np.linalg.norm(normal)), 1e-12)
    binormals = np.cross(tangents, normals)
    return Path(resampled, tangents, normals, binormals, float(spacing))


def _values(volume: Volume, points: np.ndarray) -> np.ndarray:
    return sample_points(volume.voxels, volume.to_index(points), volume.fill)


def straightened(volume: Volume, path: Path, width: float, angle: float = 0.0) -> np.ndarray:
    """The path made straight, top to bottom (one row per sample), cut `width` mm wide by the plane through it at
    `angle` degrees about it (0: its normal, the front view)."""
    columns = _columns(width, path.spacing)
    turn = np.radians(angle)
    lateral = np.cos(turn) * path.normals + np.sin(turn) * path.binormals
    offsets = (np.arange(columns) - (columns - 1) / 2) * path.spacing
    points = path.points[:, None, :] + offsets[None, :, None] * lateral[:, None, :]
    return _values(volume, points)


def stretched(volume: Volume, path: Path, width: float, direction: np.ndarray) -> np.ndarray:
    """The surface swept by lines along `direction` through the path, unrolled: rows follow the path's length
    across `direction`, columns its position along `direction` (so the path keeps its curve), `width` mm beyond
    the path on either side."""
    direction = np.asarray(direction, dtype=np.float64)
    direction = direction / max(float(np.linalg.norm(direction)), 1e-12)
    across = np.diff(path.points, axis=0)
    across -= np.outer(across @ direction, direction)
    distance = np.concatenate([[0.0], np.cumsum(np.linalg.norm(across, axis=1))])
    if distance[-1] < path.spacing:
        raise ValueError("the path runs along the stretched CPR's direction: choose another angle")
    rows = min(int(np.floor(distance[-1] / path.spacing)) + 1, MAX_SAMPLES)
    at = np.linspace(0.0, distance[-1], rows)
    base = np.stack([np.interp(at, distance, path.points[:, axis]) for axis in range(3)], axis=1)
    position = base @ direction
    base -= np.outer(position, direction)
    low, high = float(position.min()) - width / 2, float(position.max()) + width / 2
    columns = _columns(high - low, path.spacing)
    offsets = low + np.arange(columns) * path.spacing
    points = base[:, None, :] + offsets[None, :, None] * direction[None, None, :]
    return _values(volume, points)


def cross_section(volume: Volume, path: Path, at: float, width: float) -> tuple[np.ndarray, Plane]:
    """The plane perpendicular to the path `at` mm along it, `width` mm square (its right: the path's normal, its
    down: the binormal), and the plane."""
    index = int(np.clip(round(at / path.spacing), 0, len(path.points) - 1))
    size = _columns(width, path.spacing)
    half = (size - 1) / 2 * path.spacing
    right, down = path.normals[index], path.binormals[index]
    origin = path.points[index] - half * right - half * down
    plane = Plane(origin, right, down, path.spacing, path.spacing, size, size)
    return sample(volume, plane), plane


def _columns(width: float, spacing: float) -> int:
    if not np.isfinite(width) or width <= 0:
        raise ValueError("the width is a positive number of mm")
    count = int(np.floor(width / spacing)) + 1
    if count > MAX_SAMPLES:
        raise ValueError(f"{width:.0f} mm is over {MAX_SAMPLES} samples of {spacing:.2f} mm")
    return count
