"""The surface where a volume's values cross a threshold (bone at 300 HU, skin at -500) as a triangle mesh in
patient coordinates: its area, and an STL file for 3D printing or another program.

Pure: a Volume in, vertices and faces (and bytes) out. Marching cubes (scikit-image), on a grid of at most ~16 M
voxels (bigger volumes are sampled every other voxel, or every third…).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from skimage import measure

from pypacs.volume.model import Volume

MAX_CELLS = 16_000_000


@dataclass(frozen=True)
class Surface:
    """Triangles: vertices (n, 3) in LPS mm, faces (m, 3) of vertex indices, and the grid step used (voxels)."""

    vertices: np.ndarray
    faces: np.ndarray
    step: int
    threshold: float

    @property
    def area(self) -> float:
        """mm²."""
        return float(measure.mesh_surface_area(self.vertices, self.faces)) if len(self.faces) else 0.0


def build_surface(volume: Volume, threshold: float) -> Surface:
    """The iso-surface at `threshold` (ValueError when the volume never crosses it)."""
    if not math.isfinite(threshold):
        raise ValueError("the threshold is a finite number")
    step = max(1, math.ceil((volume.voxels.size / MAX_CELLS) ** (1 / 3)))
    grid = np.ascontiguousarray(volume.voxels[::step, ::step, ::step], dtype=np.float32)
    low, high = float(grid.min()), float(grid.max())
    if not low < threshold < high:
        raise ValueError(f"no surface at {threshold:g}: the values run from {low:g} to {high:g}")
    corners, faces, _, _ = measure.marching_cubes(grid, level=float(threshold), allow_degenerate=False)
    indices = corners[:, ::-1] * step  # (k, j, i) of the sampled grid to (i, j, k) of the volume
    return Surface(volume.to_patient(indices).astype(np.float32), faces.astype(np.int32), step, float(threshold))


def stl_bytes(surface: Surface, name: str = "pypacs surface") -> bytes:
    """A binary STL file of the surface (mm, patient coordinates LPS)."""
    triangles = surface.vertices[surface.faces]  # (m, 3, 3)
    normals = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    lengths = np.linalg.norm(normals, axis=1, keepdims=True)
    normals = np.divide(normals, lengths, out=np.zeros_like(normals), where=lengths > 0)
    record = np.dtype([("normal", "<f4", 3), ("corners", "<f4", (3, 3)), ("attribute", "<u2")])
    data = np.zeros(len(triangles), dtype=record)
    data["normal"] = normals
    data["corners"] = triangles
    header = name.encode("ascii", "replace")[:80].ljust(80, b" ")
    return header + np.uint32(len(triangles)).tobytes() + data.tobytes()
