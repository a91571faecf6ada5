"""Images of a series to a volume: sort along the slice normal, correct gantry tilt and uneven spacing by
resampling onto an orthogonal regular grid, rescale to modality units; refuse, saying why, what is no volume.

Pure: geometry and pixel arrays in (the caller reads them), a Volume out. Plan first (headers only), then build.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from pypacs.volume.model import NotAVolume, Volume

ORIENTATION_TOLERANCE = 1e-3  # direction cosines this close are the same orientation
SPACING_TOLERANCE = 0.01  # relative: gaps within 1 % of each other are even
SHEAR_TOLERANCE = 0.05  # pixels: in-plane offsets below this are no tilt


@dataclass(frozen=True)
class SliceGeometry:
    """What placing one image needs, from its header (or an enhanced object's frame functional groups)."""

    position: tuple[float, float, float]  # Image Position (Patient): the first pixel's centre, mm
    orientation: tuple[float, float, float, float, float, float]  # Image Orientation (Patient): row, column cosines
    pixel_spacing: tuple[float, float]  # Pixel Spacing: between rows, between columns (mm)
    rows: int
    columns: int
    slope: float = 1.0
    intercept: float = 0.0
    bits_stored: int = 16
    signed: bool = True
    localizer: bool = False
    frame_of_reference: str = ""


@dataclass(frozen=True)
class VolumePlan:
    """Where each image goes: `order` (indices into the geometries, along the normal), their distances along it
    and in-plane offsets in pixels of slice 0, and the grid they are resampled onto when they are not regular."""

    geometries: tuple[SliceGeometry, ...]
    order: tuple[int, ...]
    distances: np.ndarray  # mm along the normal, of each image in `order`
    offsets: np.ndarray  # (n, 2): in-plane offsets (columns, rows) of each image in `order`, pixels of slice 0
    affine: np.ndarray
    shape: tuple[int, int, int]
    resample: bool
    dtype: type
    notes: tuple[str, ...] = field(default=())

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape)) * np.dtype(self.dtype).itemsize


def _unit(vector: np.ndarray) -> np.ndarray:
    length = float(np.linalg.norm(vector))
    if length < 1e-6:
        raise NotAVolume("an image has no valid Image Orientation (Patient)")
    return vector / length


def plan_volume(geometries: Sequence[SliceGeometry]) -> VolumePlan:
    """Check the images form a volume and lay out its grid (NotAVolume when they do not)."""
    notes: list[str] = []
    kept = [index for index, geometry in enumerate(geometries) if not geometry.localizer]
    if len(kept) < len(geometries):
        left_out = len(geometries) - len(kept)
        notes.append(f"{left_out} localizer image{'s' if left_out > 1 else ''} left out")
    if len(kept) < 2:
        raise NotAVolume("a volume needs at least two images of the same plane; this series has "
                         f"{len(kept)} that {'is' if len(kept) == 1 else 'are'} not a localizer")  # fmt: skip
    first = geometries[kept[0]]
    reference = np.array(first.orientation, dtype=np.float64)
    for index in kept:
        geometry = geometries[index]
        if np.max(np.abs(np.array(geometry.orientation) - reference)) > ORIENTATION_TOLERANCE:
            raise NotAVolume("the images have different orientations (Image Orientation (Patient)): they are not "
                             "one stack of parallel slices")  # fmt: skip
        if (geometry.rows, geometry.columns) != (first.rows, first.columns):
            raise NotAVolume(f"the images have different sizes ({first.rows}x{first.columns} and "
                             f"{geometry.rows}x{geometry.columns})")  # fmt: skip
        if not np.allclose(geometry.pixel_spacing, first.pixel_spacing, rtol=1e-3):
            raise NotAVolume("the images have different pixel spacings")
    row = _unit(reference[:3])
    column = _unit(reference[3:])
    normal = _unit(np.cross(row, column))
    positions = np.array([geometries[index].position for index in kept], dtype=np.float64)
    distances = positions @ normal
    by_distance = np.argsort(distances, kind="stable")
    order = tuple(kept[position] for position in by_distance)
    distances = distances[by_distance]
    positions = positions[by_distance]
    gaps = np.diff(distances)
    if np.any(gaps < 1e-3):
        same = int(np.sum(gaps < 1e-3)) + 1
        raise NotAVolume(f"{same} images share a position along the slice normal (several phases, echoes or "
                         "repeats in one series): a volume takes one image per position")  # fmt: skip
    row_spacing, column_spacing = (float(value) for value in first.pixel_spacing)
    if row_spacing <= 0 or column_spacing <= 0:
        raise NotAVolume("the images have no valid Pixel Spacing")
    relative = positions - positions[0]
    offsets = np.stack([relative @ row / column_spacing, relative @ column / row_spacing], axis=1)
    tilted = bool(np.max(np.abs(offsets)) > SHEAR_TOLERANCE)
    median_gap = float(np.median(gaps))
    uneven = bool(np.max(np.abs(gaps - median_gap)) > SPACING_TOLERANCE * median_gap)
    if tilted:
        along = float(distances[-1] - distances[0])
        sideways = float(np.linalg.norm(relative[-1] - along * normal))
        angle = math.degrees(math.atan2(sideways, along))
        notes.append(f"gantry tilt {angle:.1f}° corrected: the images were resampled onto an orthogonal grid")
    step = float(np.min(gaps)) if uneven else median_gap
    if uneven:
        notes.append(f"uneven spacing between slices ({float(np.min(gaps)):.2f}–{float(np.max(gaps)):.2f} mm): "
                     f"resampled every {step:.2f} mm")  # fmt: skip
    resample = tilted or uneven
    if resample:
        low = np.floor(np.minimum(offsets.min(axis=0), 0.0))
        high = np.ceil(np.maximum(offsets.max(axis=0), 0.0))
        columns = int(first.columns + high[0] - low[0])
        rows = int(first.rows + high[1] - low[1])
        slices = int(math.floor((distances[-1] - distances[0]) / step + 1e-6)) + 1
        origin = positions[0] + low[0] * column_spacing * row + low[1] * row_spacing * column
        offsets = offsets - low
    else:
        columns, rows, slices = first.columns, first.rows, len(order)
        origin = positions[0]
    affine = np.eye(4)
    affine[:3, 0] = row * column_spacing
    affine[:3, 1] = column * row_spacing
    affine[:3, 2] = normal * step
    affine[:3, 3] = origin
    return VolumePlan(tuple(geometries), order, distances, offsets, affine, (slices, rows, columns), resample,
                      _voxel_type([geometries[index] for index in order]), tuple(notes))  # fmt: skip


def _voxel_type(geometries: Sequence[SliceGeometry]) -> type:
    """int16 when every image's modality values are whole numbers that fit (CT in HU), else float32."""
    for geometry in geometries:
        if not (float(geometry.slope).is_integer() and float(geometry.intercept).is_integer()):
            return np.float32
        bits = max(1, min(geometry.bits_stored, 32))
        low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if geometry.signed else (0, 2**bits - 1)
        values = sorted((low * geometry.slope + geometry.intercept, high * geometry.slope + geometry.intercept))
        if values[0] < -32768 or values[1] > 32767:
            return np.float32
    return np.int16


def build_volume(plan: VolumePlan, read: Callable[[int], np.ndarray], *, threads: int = 4) -> Volume:
    """Read each image (`read(index)`: its stored values, rows x columns, index into plan.geometries) and put it
    in modality units on the plan's grid; images are read on `threads` threads."""
    frame_of_reference = plan.geometries[plan.order[0]].frame_of_reference

    def modality(position: int) -> np.ndarray:
        geometry = plan.geometries[plan.order[position]]
        stored = read(plan.order[position])
        if stored.shape != (geometry.rows, geometry.columns):
            raise NotAVolume(f"an image's pixels are {stored.shape[1]}x{stored.shape[0]}, not the "
                             f"{geometry.columns}x{geometry.rows} its header says")  # fmt: skip
        if geometry.slope == 1 and geometry.intercept == 0:
            return stored
        return stored * np.float32(geometry.slope) + np.float32(geometry.intercept)

    voxels: np.ndarray = np.empty(plan.shape, dtype=plan.dtype)
    if not plan.resample:

        def put(position: int) -> None:
            np.copyto(voxels[position], modality(position), casting="unsafe")

        with ThreadPoolExecutor(max(1, threads)) as pool:
            list(pool.map(put, range(len(plan.order))))
        return Volume(voxels, plan.affine, plan.notes, frame_of_reference)
    with ThreadPoolExecutor(max(1, threads)) as pool:
        images = [image.astype(np.float32, copy=False) for image in pool.map(modality, range(len(plan.order)))]
    _resample(plan, images, voxels)
    return Volume(voxels, plan.affine, plan.notes, frame_of_reference)


def _resample(plan: VolumePlan, images: list[np.ndarray], voxels: np.ndarray) -> None:
    """Each grid slice from the two images around it along the normal, each shifted in-plane to the grid (the
    tilt's shear) and weighted linearly by distance."""
    fill = float(min(float(image.min()) for image in images))
    step = float(np.linalg.norm(plan.affine[:3, 2]))
    rows, columns = plan.shape[1:]
    shifted: dict[int, np.ndarray] = {}

    def on_grid(position: int) -> np.ndarray:
        if position not in shifted:
            if len(shifted) > 2:
                shifted.pop(min(shifted))
            column_offset, row_offset = plan.offsets[position]
            image = images[position]
            if abs(column_offset - round(column_offset)) < 1e-3 and abs(row_offset - round(row_offset)) < 1e-3:
                placed = np.full((rows, columns), fill, dtype=np.float32)
                r, c = int(round(row_offset)), int(round(column_offset))
                placed[r : r + image.shape[0], c : c + image.shape[1]] = image
            else:
                placed = ndimage.shift(np.pad(image, ((0, rows - image.shape[0]), (0, columns - image.shape[1])),
                                              constant_values=fill),
                                       (row_offset, column_offset), order=1, cval=fill, prefilter=False)  # fmt: skip
            shifted[position] = placed
        return shifted[position]

    distances = plan.distances - plan.distances[0]
    for k in range(plan.shape[0]):
        at = k * step
        below = int(np.clip(np.searchsorted(distances, at, side="right") - 1, 0, len(images) - 2))
        weight = float(np.clip((at - distances[below]) / (distances[below + 1] - distances[below]), 0.0, 1.0))
        value = on_grid(below) * np.float32(1 - weight) + on_grid(below + 1) * np.float32(weight)
        if np.issubdtype(voxels.dtype, np.integer):
            np.rint(value, out=value)
        np.copyto(voxels[k], value, casting="unsafe")


def assemble(geometries: Sequence[SliceGeometry], read: Callable[[int], np.ndarray], *, threads: int = 4) -> Volume:
    """plan_volume then build_volume."""
    return build_volume(plan_volume(geometries), read, threads=threads)
