"""A volume: voxels on a regular grid and the affine that places them in patient coordinates (LPS, mm).

Only what a volume is; building one from slices is volume/assemble.py, sampling it volume/reslice.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

BLOCK = 8  # voxels per side of the blocks whose maxima let rays skip empty space (volume/raycast.py)


class NotAVolume(ValueError):
    """These images cannot form a volume; the message says why, for the reader."""


@dataclass(frozen=True)
class Volume:
    """Voxels indexed [slice k, row j, column i] in modality units (HU for CT), and the 4x4 affine taking
    (i, j, k, 1) to the voxel centre's patient coordinates (LPS, mm). The grid is orthogonal: its axes are the
    images' row direction, column direction and normal. `notes` say what was done to make it (tilt corrected,
    uneven spacing resampled, localizers left out), for the viewer to show."""

    voxels: np.ndarray
    affine: np.ndarray
    notes: tuple[str, ...] = ()
    frame_of_reference: str = ""
    window: tuple[float, float] | None = None  # (centre, width) the series suggests for display, if any

    @property
    def shape(self) -> tuple[int, int, int]:
        """(slices, rows, columns)."""
        k, j, i = self.voxels.shape
        return k, j, i

    @property
    def spacing(self) -> tuple[float, float, float]:
        """mm between voxel centres along i (columns), j (rows) and k (slices)."""
        lengths = np.linalg.norm(self.affine[:3, :3], axis=0)
        return float(lengths[0]), float(lengths[1]), float(lengths[2])

    @property
    def axes(self) -> np.ndarray:
        """Unit vectors (rows of a 3x3) of the i, j and k directions in patient coordinates."""
        return (self.affine[:3, :3] / np.linalg.norm(self.affine[:3, :3], axis=0)).T

    @property
    def nbytes(self) -> int:
        return int(self.voxels.nbytes)

    @cached_property
    def fill(self) -> float:
        """The value outside the volume: its smallest (air on CT); worked out once."""
        return float(self.voxels.min()) if self.voxels.size else 0.0

    @cached_property
    def block_maxima(self) -> np.ndarray:
        """The largest value of each BLOCK³ block of voxels, or of the next block along any axis (a trilinear
        sample in a block reaches one voxel into the next), float32 [k, j, i]; worked out once."""
        k, j, i = self.voxels.shape
        nk, nj, ni = -(-k // BLOCK), -(-j // BLOCK), -(-i // BLOCK)
        grown = np.empty((nk, nj, ni), dtype=np.float32)
        for block in range(nk):  # a slab of blocks at a time: no copy of the whole volume
            layers = self.voxels[block * BLOCK : (block + 1) * BLOCK].max(axis=0)
            layers = np.pad(layers, ((0, -j % BLOCK), (0, -i % BLOCK)), mode="edge")
            grown[block] = layers.reshape(nj, BLOCK, ni, BLOCK).max(axis=(1, 3))
        grown[:-1] = np.maximum(grown[:-1], grown[1:])
        grown[:, :-1] = np.maximum(grown[:, :-1], grown[:, 1:])
        grown[:, :, :-1] = np.maximum(grown[:, :, :-1], grown[:, :, 1:])
        return grown

    def to_patient(self, indices: np.ndarray) -> np.ndarray:
        """(…, 3) voxel indices (i, j, k) to patient coordinates (…, 3)."""
        indices = np.asarray(indices, dtype=np.float64)
        return indices @ self.affine[:3, :3].T + self.affine[:3, 3]

    def to_index(self, points: np.ndarray) -> np.ndarray:
        """(…, 3) patient coordinates to voxel indices (i, j, k), fractional."""
        points = np.asarray(points, dtype=np.float64)
        inverse = np.linalg.inv(self.affine)
        return points @ inverse[:3, :3].T + inverse[:3, 3]

    def corners(self) -> np.ndarray:
        """The eight corner voxel centres in patient coordinates (8, 3)."""
        k, j, i = self.shape
        grid = np.array([[a, b, c] for a in (0, i - 1) for b in (0, j - 1) for c in (0, k - 1)], dtype=np.float64)
        return self.to_patient(grid)
