"""Pictures cut from a volume: a plane (axial, coronal, sagittal or oblique, through a point) sampled at the
volume's resolution, and slabs (maximum, minimum or average intensity over a thickness).

Pure: a Volume and geometry in, a float32 array of modality values out; windowing and encoding are the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from pypacs.volume.interpolate import sample_grid
from pypacs.volume.model import Volume

SlabMode = Literal["mip", "minip", "average"]
STANDARD_PLANES = ("axial", "coronal", "sagittal")
# The screen's right and down directions of the standard planes, in LPS, as radiologists look at them: axial
# from the feet (patient's right on the screen's left, anterior up), coronal from the front, sagittal from the
# patient's left (anterior on the left), head up.
SCREEN_AXES = {
    "axial": ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    "coronal": ((1.0, 0.0, 0.0), (0.0, 0.0, -1.0)),
    "sagittal": ((0.0, 1.0, 0.0), (0.0, 0.0, -1.0)),
}
MAX_SIDE = 4096  # pixels each way of a cut


@dataclass(frozen=True)
class Plane:
    """A rectangle in patient space: the centre of its first pixel, unit vectors along its rows (right) and down
    its columns, the mm between pixel centres each way, and its size in pixels."""

    origin: np.ndarray
    right: np.ndarray
    down: np.ndarray
    column_spacing: float
    row_spacing: float
    columns: int
    rows: int

    @property
    def normal(self) -> np.ndarray:
        return np.cross(self.right, self.down)

    def point(self, column: float, row: float) -> np.ndarray:
        """The patient coordinates of a (fractional) pixel position."""
        return self.origin + column * self.column_spacing * self.right + row * self.row_spacing * self.down

    def fitted(self, columns: int, rows: int) -> Plane:
        """The same rectangle sampled with square pixels no finer than needed to fill `columns` x `rows` (a
        viewport), never finer than this plane's own pixels."""
        width, height = self.columns * self.column_spacing, self.rows * self.row_spacing
        spacing = max(width / columns, height / rows, min(self.column_spacing, self.row_spacing))
        corner = self.origin - 0.5 * self.column_spacing * self.right - 0.5 * self.row_spacing * self.down
        origin = corner + 0.5 * spacing * (self.right + self.down)
        return Plane(origin, self.right, self.down, spacing, spacing, max(1, round(width / spacing)),
                     max(1, round(height / spacing)))  # fmt: skip

    def describe(self) -> dict[str, list[float] | float | int]:
        """The plane as numbers a client can map its pixels with (JSON)."""
        return {"origin": [round(float(v), 4) for v in self.origin], "right": [round(float(v), 6) for v in self.right],
                "down": [round(float(v), 6) for v in self.down], "columnSpacing": round(self.column_spacing, 6),
                "rowSpacing": round(self.row_spacing, 6), "columns": self.columns, "rows": self.rows}  # fmt: skip


def _unit(vector: np.ndarray, what: str) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float64)
    length = float(np.linalg.norm(vector))
    if vector.shape != (3,) or not np.isfinite(length) or length < 1e-9:
        raise ValueError(f"{what} must be a non-zero 3D direction")
    return vector / length


def plane_through(volume: Volume, point: np.ndarray, right: np.ndarray, down: np.ndarray) -> Plane:
    """The plane through `point` spanned by `right` and `down` (made orthogonal to `right`), just covering the
    volume: its pixels as fine as the volume's voxels along those directions."""
    right = _unit(right, "the plane's right direction")
    down = np.asarray(down, dtype=np.float64) - np.dot(down, right) * right
    down = _unit(down, "the plane's down direction (not parallel to its right direction)")
    corners = volume.corners() - np.asarray(point, dtype=np.float64)
    across = corners @ right
    along = corners @ down
    column_spacing = _voxel_size_along(volume, right)
    row_spacing = _voxel_size_along(volume, down)
    columns = int(np.floor((across.max() - across.min()) / column_spacing + 1e-6)) + 1
    rows = int(np.floor((along.max() - along.min()) / row_spacing + 1e-6)) + 1
    if columns > MAX_SIDE or rows > MAX_SIDE:
        raise ValueError(f"the cut would be {columns}x{rows} pixels, over {MAX_SIDE} each way")
    origin = np.asarray(point, dtype=np.float64) + across.min() * right + along.min() * down
    return Plane(origin, right, down, column_spacing, row_spacing, columns, rows)


def _voxel_size_along(volume: Volume, direction: np.ndarray) -> float:
    """The voxel's extent along a direction: its spacing along an axis, the finest axis's for an oblique one."""
    spacing = np.array(volume.spacing)
    weights = np.abs(volume.axes @ direction)
    if np.max(weights) > 1 - 1e-6:
        return float(spacing[int(np.argmax(weights))])
    return float(np.min(spacing))


def standard_plane(volume: Volume, name: str, point: np.ndarray) -> Plane:
    """The axial, coronal or sagittal plane through `point`."""
    if name not in SCREEN_AXES:
        raise ValueError(f"plane {name!r} is none of {', '.join(STANDARD_PLANES)}")
    right, down = SCREEN_AXES[name]
    return plane_through(volume, point, np.array(right), np.array(down))


def _index_steps(volume: Volume, plane: Plane, offset: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The plane's first pixel in voxel indices (i, j, k), and the index steps of one pixel right and down."""
    inverse = np.linalg.inv(volume.affine)
    origin = plane.origin + offset * plane.normal
    start = inverse[:3, :3] @ origin + inverse[:3, 3]
    return (
        start,
        inverse[:3, :3] @ (plane.right * plane.column_spacing),
        inverse[:3, :3] @ (plane.down * plane.row_spacing),
    )


def sample(volume: Volume, plane: Plane, offset: float = 0.0) -> np.ndarray:
    """The volume's values on the plane (moved `offset` mm along its normal), trilinear; outside: the volume's
    fill value. Planes along the volume's grid are cut without interpolating in-plane."""
    start, step_column, step_row = _index_steps(volume, plane, offset)
    cut = _grid_cut(volume, start, step_column, step_row, plane.columns, plane.rows)
    if cut is not None:
        return cut
    return sample_grid(volume.voxels, start, step_column, step_row, plane.rows, plane.columns, volume.fill)



def _span(first: int, step: int, count: int, size: int) -> tuple[slice, slice] | None:
    """For indices first + step * n (n < count, step ±1): the output positions inside [0, size) and the matching
    slice of the volume's axis; None when none is inside."""
    indices = first + step * np.arange(count)
    inside = (indices >= 0) & (indices < size)
    if not inside.any():
        return None
    low_n, high_n = int(np.argmax(inside)), count - 1 - int(np.argmax(inside[::-1]))
    a, b = int(indices[low_n]), int(indices[high_n])
    axis = slice(a, b + 1) if step > 0 else slice(a, b - 1 if b > 0 else None, -1)
    return slice(low_n, high_n + 1), axis


def _grid_cut(volume: Volume, start: np.ndarray, step_column: np.ndarray, step_row: np.ndarray, columns: int,
              rows: int, half_depth: float = 0.0, mode: SlabMode = "mip") -> np.ndarray | None:  # fmt: skip
    """The cut (or the slab `half_depth` voxels either side) by slicing, when the plane's pixels fall on the
    volume's grid in-plane (steps of ±1 voxel along two axes, whole starting indices): linear along the third axis
    for a cut, whole layers reduced for a slab. None when the plane is not on the grid."""
    axis_column = _unit_axis(step_column)
    axis_row = _unit_axis(step_row)
    if axis_column is None or axis_row is None or axis_column[0] == axis_row[0]:
        return None
    third = 3 - axis_column[0] - axis_row[0]
    for axis in (axis_column[0], axis_row[0]):
        if abs(start[axis] - round(start[axis])) > 1e-4:
            return None
    size = volume.shape[::-1]  # (columns i, rows j, slices k)
    out = np.full((rows, columns), volume.fill, dtype=np.float32)
    across = _span(int(round(start[axis_column[0]])), axis_column[1], columns, size[axis_column[0]])
    down = _span(int(round(start[axis_row[0]])), axis_row[1], rows, size[axis_row[0]])
    depth = float(start[third])
    if across is None or down is None or depth < -half_depth - 1e-4 or depth > size[third] - 1 + half_depth + 1e-4:
        return out

    def block(at: int | slice) -> np.ndarray:
        index: list[int | slice] = [0, 0, 0]
        index[2 - axis_column[0]] = across[1]
        index[2 - axis_row[0]] = down[1]
        index[2 - third] = at
        return volume.voxels[tuple(index)]

    # the block's array axes, without the third when it is indexed by an integer: rows first or columns first
    remaining = [axis for axis in (2, 1, 0) if axis != third]
    rows_first = remaining.index(axis_row[0]) == 0
    if half_depth > 0:
        low = max(int(np.ceil(depth - half_depth - 1e-6)), 0)
        high = min(int(np.floor(depth + half_depth + 1e-6)), size[third] - 1)
        if low > high:
            low = high = int(np.clip(round(depth), 0, size[third] - 1))
        layers = block(slice(low, high + 1))
        if mode == "mip":
            values = layers.max(axis=2 - third).astype(np.float32)
        elif mode == "minip":
            values = layers.min(axis=2 - third).astype(np.float32)
        else:
            values = layers.mean(axis=2 - third, dtype=np.float32)
    else:
        below = int(np.clip(np.floor(depth + 1e-6), 0, max(size[third] - 2, 0)))
        weight = float(np.clip(depth - below, 0.0, 1.0)) if size[third] > 1 else 0.0
        values = block(below).astype(np.float32)
        if weight > 1e-6:
            values *= np.float32(1 - weight)
            values += block(below + 1).astype(np.float32) * np.float32(weight)
    out[down[0], across[0]] = values if rows_first else values.T
    return out


def _unit_axis(step: np.ndarray) -> tuple[int, int] | None:
    """(axis, ±1) when a step is one voxel along one grid axis."""
    nonzero = np.abs(step) > 1e-6
    if int(nonzero.sum()) != 1:
        return None
    axis = int(np.argmax(nonzero))
    if abs(abs(step[axis]) - 1) > 1e-6:
        return None
    return axis, int(np.sign(step[axis]))


def slab(volume: Volume, plane: Plane, thickness: float, mode: SlabMode = "mip") -> np.ndarray:
    """The plane's slab `thickness` mm thick (centred on it): maximum, minimum or average of cuts one voxel apart
    along its normal. A thickness under one voxel is the plane itself."""
    if mode not in ("mip", "minip", "average"):
        raise ValueError(f"slab mode {mode!r} is none of mip, minip, average")
    step = _voxel_size_along(volume, plane.normal)
    if thickness > 0:
        start, step_column, step_row = _index_steps(volume, plane)
        half = thickness / 2 / step  # voxels either side
        cut = _grid_cut(volume, start, step_column, step_row, plane.columns, plane.rows, half, mode)
        if cut is not None:
            return cut
    count = max(1, int(round(thickness / step)) + 1) if thickness > 0 else 1
    start, step_column, step_row = _index_steps(volume, plane, -(count - 1) / 2 * step)
    step_depth = np.linalg.inv(volume.affine)[:3, :3] @ (plane.normal * step)
    return sample_grid(volume.voxels, start, step_column, step_row, plane.rows, plane.columns, volume.fill,
                       step_depth, count, mode)  # fmt: skip
