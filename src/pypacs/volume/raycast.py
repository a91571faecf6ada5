"""Pictures of a whole volume seen from a camera: volume rendering (a transfer function of colour and opacity,
lit by a headlight), surface shaded display (the first surface at a threshold, lit) and maximum intensity
projection, by casting one ray per pixel (numba, rows in parallel) with empty blocks skipped.

Pure: a Volume, a camera and a transfer function in, an RGB array out.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

import numba
import numpy as np

from pypacs.volume.interpolate import trilinear
from pypacs.volume.model import Volume

RenderMode = Literal["vr", "ssd", "mip"]
MODE_CODES = {"vr": 0, "ssd": 1, "mip": 2}


@dataclass(frozen=True)
class Camera:
    """An orthographic camera: it looks along `view` at `centre`, `up` is the picture's up, `width` mm across."""

    centre: np.ndarray
    view: np.ndarray
    up: np.ndarray
    width: float
    columns: int
    rows: int

    @property
    def right(self) -> np.ndarray:
        return np.cross(self.view, self.up)


def camera_around(volume: Volume, azimuth: float = 0.0, elevation: float = 0.0, zoom: float = 1.0,
                  pan: tuple[float, float] = (0.0, 0.0), columns: int = 512, rows: int = 512) -> Camera:  # fmt: skip
    """A camera looking at the volume's centre from the front (the patient's anterior: the patient's left on the
    picture's right, head up), turned `azimuth` degrees about the patient's head-foot axis (positive: towards
    the patient's left) and `elevation` degrees up; `zoom` > 1 magnifies; `pan` moves the centre (mm right, up)."""
    if not (math.isfinite(azimuth) and math.isfinite(elevation) and math.isfinite(zoom) and zoom > 0):
        raise ValueError("azimuth and elevation are finite degrees, zoom a positive number")
    corners = volume.corners()
    centre = (corners.min(axis=0) + corners.max(axis=0)) / 2
    radius = float(np.max(np.linalg.norm(corners - centre, axis=1)))
    a, e = math.radians(azimuth), math.radians(elevation)
    view = np.array([-math.sin(a) * math.cos(e), math.cos(a) * math.cos(e), -math.sin(e)])
    up = np.array([-math.sin(a) * math.sin(e), math.cos(a) * math.sin(e), math.cos(e)])
    camera = Camera(centre, view, up, 2 * radius / zoom, columns, rows)
    right = camera.right
    shifted = centre - pan[0] * right - pan[1] * up
    return Camera(shifted, view, up, 2 * radius / zoom, columns, rows)


@dataclass(frozen=True)
class TransferFunction:
    """Colour (0–1 RGB) and opacity (per mm) by modality value, as a table over [low, high]."""

    name: str
    low: float
    high: float
    colours: np.ndarray  # (n, 3) float32
    opacities: np.ndarray  # (n,) float32: opacity of 1 mm of tissue

    @property
    def first_visible(self) -> float:
        """The lowest value with any opacity (rays skip blocks whose values all lie below it)."""
        visible = np.nonzero(self.opacities > 1e-4)[0]
        if not len(visible):
            return math.inf
        return self.low + (self.high - self.low) * float(visible[0]) / (len(self.opacities) - 1)


@lru_cache(maxsize=1)
def transfer_presets() -> dict[str, TransferFunction]:
    """The volume rendering presets (volume/transfer_presets.json): control points of value, colour, opacity."""
    text = resources.files("pypacs.volume").joinpath("transfer_presets.json").read_text(encoding="utf-8")
    presets = {}
    for preset in json.loads(text)["presets"]:
        points = np.array(preset["points"], dtype=np.float64)  # value, r, g, b, opacity per mm
        low, high = float(points[0, 0]), float(points[-1, 0])
        values = np.linspace(low, high, 4096)
        colours = np.stack([np.interp(values, points[:, 0], points[:, channel]) for channel in (1, 2, 3)], axis=1)
        opacities = np.interp(values, points[:, 0], points[:, 4])
        presets[preset["id"]] = TransferFunction(preset["name"], low, high, colours.astype(np.float32),
                                                 opacities.astype(np.float32))  # fmt: skip
    return presets


@numba.njit(inline="always", fastmath=True)
def _facing(gx, gy, gz, axes, view):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """|cos| between a gradient in voxel indices (made mm by `axes`) and the view; 1 where there is none."""
    nx = gx * axes[0, 0] + gy * axes[1, 0] + gz * axes[2, 0]
    ny = gx * axes[0, 1] + gy * axes[1, 1] + gz * axes[2, 1]
    nz = gx * axes[0, 2] + gy * axes[1, 2] + gz * axes[2, 2]
    length = math.sqrt(nx * nx + ny * ny + nz * nz)
    if length < 1e-6:
        return 1.0
    return abs(nx * view[0] + ny * view[1] + nz * view[2]) / length


@numba.njit(inline="always", fastmath=True)
def _lambert(voxels, x, y, z, axes, view):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """|cos| between the surface normal (the value's gradient by central differences around the nearest voxel,
    in mm) and the view: a headlight's diffuse term."""
    slices, height, width = voxels.shape
    i = min(max(int(x + 0.5), 1), width - 2)
    j = min(max(int(y + 0.5), 1), height - 2)
    k = min(max(int(z + 0.5), 1), slices - 2)
    gx = float(voxels[k, j, i + 1]) - float(voxels[k, j, i - 1])
    gy = float(voxels[k, j + 1, i]) - float(voxels[k, j - 1, i])
    gz = float(voxels[k + 1, j, i]) - float(voxels[k - 1, j, i])
    return _facing(gx, gy, gz, axes, view)


@numba.njit(inline="always", fastmath=True)
def _lambert_smooth(voxels, x, y, z, axes, view):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """As _lambert with the gradient from trilinear samples one voxel either side: smoother, 8x the reads (for
    the one surface point of each SSD ray)."""
    slices, height, width = voxels.shape
    xa, xb = max(x - 1.0, 0.0), min(x + 1.0, width - 1.0)
    ya, yb = max(y - 1.0, 0.0), min(y + 1.0, height - 1.0)
    za, zb = max(z - 1.0, 0.0), min(z + 1.0, slices - 1.0)
    gx = (trilinear(voxels, xb, y, z) - trilinear(voxels, xa, y, z)) / max(xb - xa, 1e-6)
    gy = (trilinear(voxels, x, yb, z) - trilinear(voxels, x, ya, z)) / max(yb - ya, 1e-6)
    gz = (trilinear(voxels, x, y, zb) - trilinear(voxels, x, y, za)) / max(zb - za, 1e-6)
    return _facing(gx, gy, gz, axes, view)


@numba.njit(parallel=True, fastmath=True, cache=True, nogil=True)
def _cast(voxels, blocks, origin, step_column, step_row, direction, steps, mode, colours, alphas, low, scale,  # type: ignore[no-untyped-def]  # noqa: E501
          threshold, axes, view, box, out):  # pragma: no cover - compiled  # fmt: skip
    slices, height, width = voxels.shape
    rows, columns = out.shape[0], out.shape[1]
    top = len(alphas) - 1
    for r in numba.prange(rows):
        for c in range(columns):
            px = origin[0] + c * step_column[0] + r * step_row[0]
            py = origin[1] + c * step_column[1] + r * step_row[1]
            pz = origin[2] + c * step_column[2] + r * step_row[2]
            # the part of the ray inside the volume (slab method), in steps
            enter, leave = 0.0, float(steps)
            starts = (px, py, pz)
            for axis in range(3):  # the volume, or its clipping box (voxel indices)
                d = direction[axis]
                p = starts[axis]
                if abs(d) < 1e-12:
                    if p < box[axis, 0] or p > box[axis, 1]:
                        enter, leave = 1.0, 0.0
                else:
                    t0, t1 = (box[axis, 0] - p) / d, (box[axis, 1] - p) / d
                    if t0 > t1:
                        t0, t1 = t1, t0
                    enter, leave = max(enter, t0), min(leave, t1)
            red = green = blue = 0.0
            opacity = 0.0
            peak = -3.0e38
            t = enter
            previous = -3.0e38
            while t <= leave:
                x = px + t * direction[0]
                y = py + t * direction[1]
                z = pz + t * direction[2]
                bi, bj, bk = int(x) // 8, int(y) // 8, int(z) // 8
                floor = peak if mode == 2 else threshold
                if blocks[bk, bj, bi] < floor:  # nothing here to show: jump to where the ray leaves the block
                    jump = 3.0e38
                    for axis, (position, block) in enumerate(((x, bi), (y, bj), (z, bk))):
                        d = direction[axis]
                        if d > 1e-12:
                            jump = min(jump, ((block + 1) * 8 - position) / d)
                        elif d < -1e-12:
                            jump = min(jump, (block * 8 - position) / d)
                    t += max(jump, 0.0) + 1e-3
                    previous = -3.0e38
                    continue
                value = trilinear(voxels, x, y, z)
                if mode == 2:
                    peak = max(peak, value)
                elif mode == 1:
                    if value >= threshold:
                        a, b = t - 1.0 if previous > -3.0e38 else t, t
                        for _ in range(5):  # the surface between the last two samples
                            m = (a + b) / 2
                            mx, my, mz = px + m * direction[0], py + m * direction[1], pz + m * direction[2]
                            probe = trilinear(voxels, mx, my, mz)
                            if probe >= threshold:
                                b = m
                            else:
                                a = m
                        x, y, z = px + b * direction[0], py + b * direction[1], pz + b * direction[2]
                        light = 0.15 + 0.85 * _lambert_smooth(voxels, x, y, z, axes, view)
                        red, green, blue = colours[0, 0] * light, colours[0, 1] * light, colours[0, 2] * light
                        opacity = 1.0
                        break
                    previous = value
                else:
                    index = int((value - low) * scale)
                    if index >= 0:
                        index = min(index, top)
                        alpha = alphas[index]
                        if alpha > 1e-4:
                            light = 0.3 + 0.7 * _lambert(voxels, x, y, z, axes, view)
                            weight = (1.0 - opacity) * alpha
                            red += weight * colours[index, 0] * light
                            green += weight * colours[index, 1] * light
                            blue += weight * colours[index, 2] * light
                            opacity += weight
                            if opacity > 0.97:
                                break
                t += 1.0
            if mode == 2:
                out[r, c, 0] = peak if peak > -3.0e38 else np.nan
            else:
                out[r, c, 0], out[r, c, 1], out[r, c, 2] = red, green, blue


SURFACE_COLOUR = np.array([[0.93, 0.89, 0.80]], dtype=np.float32)  # bone white


def cast(volume: Volume, camera: Camera, mode: RenderMode, transfer: TransferFunction | None = None,
         threshold: float = 300.0, step: float | None = None,
         clip: tuple[float, float, float, float, float, float] | None = None) -> np.ndarray:  # fmt: skip
    """The camera's picture: (rows, columns, 3) RGB in 0–1 for "vr" (with `transfer`) and "ssd" (the surface at
    `threshold`), (rows, columns) of maxima for "mip" (NaN where rays miss the volume). `step`: mm between
    samples along a ray (the finest voxel spacing by default; twice that for a quick picture while dragging).
    `clip`: the part of the volume shown, as fractions (0–1) of its extent along its columns, rows and slices
    (i from, i to, j from, j to, k from, k to): a clipping box."""
    spacing = np.array(volume.spacing)
    step = float(step or spacing.min())
    inverse = np.linalg.inv(volume.affine)
    pixel = camera.width / max(camera.columns, camera.rows)
    right, up, view = camera.right, camera.up, camera.view
    corners = volume.corners()
    depth = float(np.max(np.abs((corners - camera.centre) @ view)))
    first_pixel = (camera.centre - view * depth - right * pixel * (camera.columns - 1) / 2
                   + up * pixel * (camera.rows - 1) / 2)  # fmt: skip
    origin = inverse[:3, :3] @ first_pixel + inverse[:3, 3]
    step_column = inverse[:3, :3] @ (right * pixel)
    step_row = inverse[:3, :3] @ (-up * pixel)
    direction = inverse[:3, :3] @ (view * step)
    steps = int(math.ceil(2 * depth / step)) + 1
    axes = volume.axes / spacing[:, None]  # index gradient to mm
    out = np.zeros((camera.rows, camera.columns, 3), dtype=np.float32)
    if mode == "vr":
        if transfer is None:
            raise ValueError("volume rendering needs a transfer function")
        alphas = (1.0 - np.power(1.0 - np.clip(transfer.opacities, 0, 0.999), step)).astype(np.float32)
        colours, low = transfer.colours, transfer.low
        scale = (len(alphas) - 1) / max(transfer.high - transfer.low, 1e-6)
        floor = transfer.first_visible
    else:
        alphas, colours, low, scale = np.zeros(1, np.float32), SURFACE_COLOUR, 0.0, 1.0
        floor = threshold if mode == "ssd" else -3.0e38
    sizes = np.array(volume.shape[::-1], dtype=np.float64) - 1
    fractions = np.array(clip if clip is not None else (0, 1, 0, 1, 0, 1), dtype=np.float64).reshape(3, 2)
    if not (np.all(np.isfinite(fractions)) and np.all(fractions >= 0) and np.all(fractions <= 1)
            and np.all(fractions[:, 0] < fractions[:, 1])):  # fmt: skip
        raise ValueError("a clipping box is six fractions from 0 to 1: from < to along each axis")
    box = fractions * sizes[:, None]
    _cast(volume.voxels, volume.block_maxima, origin, step_column, step_row, direction, steps, MODE_CODES[mode],
          colours, alphas, float(low), float(scale), float(floor), axes, view, box, out)  # type: ignore[call-arg]  # fmt: skip
    return out[:, :, 0] if mode == "mip" else out
