"""Trilinear sampling of a volume on a grid of points laid out by a start and steps (an oblique plane, or a stack
of them for a slab reduced to its maximum, minimum or mean), compiled with numba and run over rows in parallel.

Pure: arrays in, an array out. The first call compiles (cached on disk where the package can write).
"""

from __future__ import annotations

import numba
import numpy as np

MODES = {"mip": 0, "minip": 1, "average": 2}


@numba.njit(inline="always", fastmath=True)
def trilinear(voxels, x, y, z):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """The value at index (x, y, z) = (i, j, k) of voxels[k, j, i], inside the volume (an axis one voxel long
    too)."""
    slices, height, width = voxels.shape
    i0 = min(int(x), max(width - 2, 0))  # branch-free: an axis one voxel long reads that voxel twice
    j0 = min(int(y), max(height - 2, 0))
    k0 = min(int(z), max(slices - 2, 0))
    fx, fy, fz = x - i0, y - j0, z - k0
    i1 = min(i0 + 1, width - 1)
    j1 = min(j0 + 1, height - 1)
    k1 = min(k0 + 1, slices - 1)
    c00 = voxels[k0, j0, i0] * (1 - fx) + voxels[k0, j0, i1] * fx
    c01 = voxels[k0, j1, i0] * (1 - fx) + voxels[k0, j1, i1] * fx
    c10 = voxels[k1, j0, i0] * (1 - fx) + voxels[k1, j0, i1] * fx
    c11 = voxels[k1, j1, i0] * (1 - fx) + voxels[k1, j1, i1] * fx
    return (c00 * (1 - fy) + c01 * fy) * (1 - fz) + (c10 * (1 - fy) + c11 * fy) * fz


@numba.njit(parallel=True, fastmath=True, cache=True, nogil=True)
def _sample(voxels, start, step_column, step_row, step_depth, rows, columns, depth, mode, fill, out):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    slices, height, width = voxels.shape
    for r in numba.prange(rows):
        for c in range(columns):
            result = 0.0
            for d in range(depth):
                x = start[0] + c * step_column[0] + r * step_row[0] + d * step_depth[0]
                y = start[1] + c * step_column[1] + r * step_row[1] + d * step_depth[1]
                z = start[2] + c * step_column[2] + r * step_row[2] + d * step_depth[2]
                if x < 0 or y < 0 or z < 0 or x > width - 1 or y > height - 1 or z > slices - 1:
                    value = fill
                else:
                    value = trilinear(voxels, x, y, z)
                if d == 0:
                    result = value
                elif mode == 0:
                    result = max(result, value)
                elif mode == 1:
                    result = min(result, value)
                else:
                    result += value
            if mode == 2 and depth > 1:
                result /= depth
            out[r, c] = result


def sample_grid(voxels: np.ndarray, start: np.ndarray, step_column: np.ndarray, step_row: np.ndarray, rows: int,
                columns: int, fill: float, step_depth: np.ndarray | None = None, depth: int = 1,
                mode: str = "mip") -> np.ndarray:  # fmt: skip
    """Values at start + column * step_column + row * step_row (+ d * step_depth for d < depth, reduced by
    `mode`), in voxel indices (i, j, k) of voxels[k, j, i]; `fill` outside."""
    out = np.empty((rows, columns), dtype=np.float32)
    steps = [np.ascontiguousarray(v, dtype=np.float64) for v in (start, step_column, step_row)]
    along = np.zeros(3) if step_depth is None else np.ascontiguousarray(step_depth, dtype=np.float64)
    _sample(voxels, *steps, along, rows, columns, max(depth, 1), MODES[mode], np.float32(fill), out)  # type: ignore[call-arg]
    return out


@numba.njit(parallel=True, fastmath=True, cache=True, nogil=True)
def _sample_points(voxels, points, fill, out):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    slices, height, width = voxels.shape
    rows, columns = out.shape
    for r in numba.prange(rows):
        for c in range(columns):
            x, y, z = points[r, c, 0], points[r, c, 1], points[r, c, 2]
            if not (x >= 0 and y >= 0 and z >= 0 and x <= width - 1 and y <= height - 1 and z <= slices - 1):
                out[r, c] = fill
                continue
            out[r, c] = trilinear(voxels, x, y, z)


def sample_points(voxels: np.ndarray, points: np.ndarray, fill: float) -> np.ndarray:
    """Trilinear values at (rows, columns, 3) points given in voxel indices (i, j, k); `fill` outside."""
    out = np.empty(points.shape[:2], dtype=np.float32)
    _sample_points(voxels, np.ascontiguousarray(points, dtype=np.float64), np.float32(fill), out)  # type: ignore[call-arg]
    return out
