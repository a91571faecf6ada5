"""Virtual endoscopy: a perspective camera inside an air- or contrast-filled lumen (colon, airway, vessel)
shows the lumen's wall, the first point where values cross a threshold along each ray, shaded by a light at the
camera and dimmed with distance; the camera can sit on a path (a centerline) looking along it.

Pure: a Volume and a camera in, an RGB picture and each pixel's distance out (numba, rows in parallel).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from pypacs.volume.cpr import Path
from pypacs.volume.interpolate import trilinear
from pypacs.volume.model import Volume
from pypacs.volume.raycast import _lambert_smooth

WALL_COLOUR = (0.95, 0.68, 0.58)  # mucosa pink


@dataclass(frozen=True)
class Eye:
    """A perspective camera at `position` looking along `look` with `up` (unit vectors, LPS), `fov` degrees
    across."""

    position: np.ndarray
    look: np.ndarray
    up: np.ndarray
    fov: float = 90.0

    @property
    def right(self) -> np.ndarray:
        return np.cross(self.look, self.up)


def eye(position: np.ndarray, look: np.ndarray, up: np.ndarray | None = None, fov: float = 90.0,
        yaw: float = 0.0, pitch: float = 0.0) -> Eye:  # fmt: skip
    """A camera at `position` looking along `look` (turned `yaw` degrees to its right and `pitch` up: looking
    around), its `up` made perpendicular (the patient's head, or anterior, when not given)."""
    position, look = np.asarray(position, dtype=np.float64), np.asarray(look, dtype=np.float64)
    finite = bool(np.all(np.isfinite(position)) and np.all(np.isfinite(look)))
    if position.shape != (3,) or look.shape != (3,) or not finite:
        raise ValueError("the camera's position and look direction are three finite numbers each")
    if not (np.isfinite(fov) and 10 <= fov <= 170 and np.isfinite(yaw) and np.isfinite(pitch)):
        raise ValueError("fov is 10 to 170 degrees; yaw and pitch finite degrees")
    length = float(np.linalg.norm(look))
    if length < 1e-9:
        raise ValueError("the look direction must not be zero")
    look = look / length
    if up is None:
        up = np.array([0.0, 0.0, 1.0]) if abs(look[2]) < 0.9 else np.array([0.0, -1.0, 0.0])
    up = np.asarray(up, dtype=np.float64) - np.dot(up, look) * look
    if float(np.linalg.norm(up)) < 1e-9:
        raise ValueError("the up direction must not be along the look direction")
    up /= np.linalg.norm(up)
    right = np.cross(look, up)
    turn, tilt = math.radians(yaw), math.radians(pitch)
    look = math.cos(turn) * look + math.sin(turn) * right
    right = np.cross(look, up)
    look, up = math.cos(tilt) * look + math.sin(tilt) * up, math.cos(tilt) * up - math.sin(tilt) * look
    return Eye(position, look / np.linalg.norm(look), up / np.linalg.norm(up), float(fov))


def eye_on_path(path: Path, at: float, fov: float = 90.0, yaw: float = 0.0, pitch: float = 0.0,
                backwards: bool = False) -> Eye:  # fmt: skip
    """The camera `at` mm along the path looking along it (or back), its up the path's binormal."""
    index = int(np.clip(round(at / path.spacing), 0, len(path.points) - 1))
    look = -path.tangents[index] if backwards else path.tangents[index]
    return eye(path.points[index], look, path.binormals[index], fov, yaw, pitch)


@numba.njit(parallel=True, fastmath=True, cache=True, nogil=True)
def _fly(voxels, blocks, start, look, right, up, look_mm, right_mm, up_mm, half_width, steps, threshold, inside_below,  # type: ignore[no-untyped-def]  # noqa: E501
         axes, far, colour, out, depth):  # pragma: no cover - compiled  # fmt: skip
    slices, height, width = voxels.shape
    rows, columns = depth.shape
    for r in numba.prange(rows):
        for c in range(columns):
            a = ((c + 0.5) / columns * 2 - 1) * half_width
            b = ((r + 0.5) / rows * 2 - 1) * half_width * rows / columns
            norm = math.sqrt(1 + a * a + b * b)
            dx = (look[0] + a * right[0] - b * up[0]) / norm
            dy = (look[1] + a * right[1] - b * up[1]) / norm
            dz = (look[2] + a * right[2] - b * up[2]) / norm
            view = np.empty(3)
            for axis in range(3):
                view[axis] = (look_mm[axis] + a * right_mm[axis] - b * up_mm[axis]) / norm
            depth[r, c] = np.inf
            out[r, c, 0] = out[r, c, 1] = out[r, c, 2] = 0.0
            previous = -1.0
            t = 0.0
            while t <= steps:
                x, y, z = start[0] + t * dx, start[1] + t * dy, start[2] + t * dz
                if x < 0 or y < 0 or z < 0 or x > width - 1 or y > height - 1 or z > slices - 1:
                    break  # left the volume: nothing seen
                bi, bj, bk = int(x) // 8, int(y) // 8, int(z) // 8
                if inside_below and blocks[bk, bj, bi] < threshold:  # lumen only: jump to where the ray leaves it
                    jump = 3.0e38
                    for position, block, d in ((x, bi, dx), (y, bj, dy), (z, bk, dz)):
                        if d > 1e-12:
                            jump = min(jump, ((block + 1) * 8 - position) / d)
                        elif d < -1e-12:
                            jump = min(jump, (block * 8 - position) / d)
                    t += max(jump, 0.0) + 1e-3
                    previous = t
                    continue
                value = trilinear(voxels, x, y, z)
                wall = value >= threshold if inside_below else value <= threshold
                if wall:
                    low, high = (previous if previous >= 0 else t), t
                    for _ in range(6):
                        middle = (low + high) / 2
                        mx, my, mz = start[0] + middle * dx, start[1] + middle * dy, start[2] + middle * dz
                        probe = trilinear(voxels, mx, my, mz)
                        if (probe >= threshold) == inside_below:
                            high = middle
                        else:
                            low = middle
                    x, y, z = start[0] + high * dx, start[1] + high * dy, start[2] + high * dz
                    distance = high  # steps are 1 mm each (the direction is normalized in mm)
                    light = (0.2 + 0.8 * _lambert_smooth(voxels, x, y, z, axes, view)) * max(0.1, 1.0 - distance / far)
                    out[r, c, 0], out[r, c, 1], out[r, c, 2] = colour[0] * light, colour[1] * light, colour[2] * light
                    depth[r, c] = distance
                    break
                previous = t
                t += 1.0


def fly(volume: Volume, camera: Eye, threshold: float = -500.0, inside_below: bool = True, size: int = 512,
        far: float = 150.0) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The camera's picture (size x size RGB, 0–1) of the lumen's wall where values first rise above `threshold`
    (`inside_below`: an air lumen; else first fall below it: a contrast-filled one), lit from the camera and dimmed
    to a tenth at `far` mm; and each pixel's distance to the wall in mm (inf where the ray leaves the volume)."""
    inverse = np.linalg.inv(volume.affine)[:3, :3]
    start = volume.to_index(camera.position)
    per_mm = [inverse @ vector for vector in (camera.look, camera.right, camera.up)]  # index steps of 1 mm
    corners = volume.corners()
    steps = int(np.ceil(np.max(np.linalg.norm(corners - camera.position, axis=1)))) + 1
    axes = volume.axes / np.array(volume.spacing)[:, None]
    out = np.zeros((size, size, 3), dtype=np.float32)
    depth = np.empty((size, size), dtype=np.float32)
    _fly(volume.voxels, volume.block_maxima, start, *per_mm, camera.look, camera.right, camera.up,
         math.tan(math.radians(camera.fov) / 2), steps, float(threshold), inside_below, axes, float(far),
         np.array(WALL_COLOUR), out, depth)  # type: ignore[call-arg]  # fmt: skip
    return out, depth
