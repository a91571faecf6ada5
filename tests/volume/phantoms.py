"""Analytic phantoms as slices (geometry + stored values) for the volume tests: a sphere of known radius and
value in air, sampled at each pixel's true position, so any stacking, tilt or spacing is exact."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pypacs.volume.assemble import SliceGeometry

AIR = -1000
INSIDE = 100
INTERCEPT = -1024


def sphere_slices(
    centre: Sequence[float] = (0.0, 0.0, 0.0),
    radius: float = 30.0,
    *,
    size: int = 128,
    spacing: float = 1.0,
    positions_along: Sequence[float] = tuple(np.arange(-50.0, 50.5, 2.0)),
    tilt_degrees: float = 0.0,
    slice_direction: Sequence[float] = (0.0, 0.0, 1.0),
    row: Sequence[float] = (1.0, 0.0, 0.0),
    column: Sequence[float] | None = None,
    value: float = INSIDE,
) -> tuple[list[SliceGeometry], list[np.ndarray]]:
    """Slices of a sphere (stored values: modality value - INTERCEPT). The image plane is tilted by `tilt_degrees`
    about the row direction (a gantry tilt); slice origins step along `slice_direction` (the table's travel),
    each image centred on the line through (0, 0, 0)."""
    row_vector = np.asarray(row, dtype=np.float64)
    if column is None:
        angle = np.radians(tilt_degrees)
        column_vector = np.array([0.0, np.cos(angle), -np.sin(angle)])
    else:
        column_vector = np.asarray(column, dtype=np.float64)
    travel = np.asarray(slice_direction, dtype=np.float64)
    half = (size - 1) / 2 * spacing
    geometries, images = [], []
    grid = np.arange(size) * spacing
    for along in positions_along:
        centre_of_image = travel * along
        origin = centre_of_image - half * row_vector - half * column_vector
        points = (origin[None, None, :] + grid[None, :, None] * row_vector[None, None, :]
                  + grid[:, None, None] * column_vector[None, None, :])  # fmt: skip
        distance = np.linalg.norm(points - np.asarray(centre), axis=2)
        image = np.where(distance <= radius, value, AIR) - INTERCEPT
        geometries.append(SliceGeometry(
            position=tuple(float(v) for v in origin),  # type: ignore[arg-type]
            orientation=tuple(float(v) for v in (*row_vector, *column_vector)),  # type: ignore[arg-type]
            pixel_spacing=(spacing, spacing), rows=size, columns=size, intercept=INTERCEPT, bits_stored=12,
            signed=False, frame_of_reference="1.2.3"))  # fmt: skip
        images.append(image.astype(np.uint16))
    return geometries, images


def disc_radius(picture: np.ndarray, column_spacing: float, row_spacing: float,
                threshold: float = (INSIDE + AIR) / 2) -> float:  # fmt: skip
    """The radius (mm) of the disc of values above the threshold: from its area."""
    area = float(np.count_nonzero(picture > threshold)) * column_spacing * row_spacing
    return float(np.sqrt(area / np.pi))


def disc_extent(picture: np.ndarray, column_spacing: float, row_spacing: float,
                threshold: float = (INSIDE + AIR) / 2) -> tuple[float, float]:  # fmt: skip
    """The disc's width and height (mm): round when they are equal."""
    rows, columns = np.nonzero(picture > threshold)
    return (float(columns.max() - columns.min() + 1) * column_spacing,
            float(rows.max() - rows.min() + 1) * row_spacing)  # fmt: skip


def disc_lean(picture: np.ndarray, threshold: float = (INSIDE + AIR) / 2) -> float:
    """How far (pixels) the disc's middle moves sideways from its top quarter to its bottom quarter: ~0 for a
    disc, large for a sheared one."""
    rows, columns = np.nonzero(picture > threshold)
    top, bottom = np.quantile(rows, [0.25, 0.75])
    return float(columns[rows >= bottom].mean() - columns[rows <= top].mean())
