"""The SSD surface as a mesh (volume/surface.py): a sphere's surface has the area 4πr² (within 2 %), lies at its
radius, and comes out as a valid binary STL file."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from pypacs.volume.model import Volume
from pypacs.volume.surface import build_surface, stl_bytes

RADIUS = 30.0


def smooth_sphere(spacing: float = 1.0, centre=(4.0, -6.0, 10.0)) -> Volume:  # type: ignore[no-untyped-def]
    """A sphere of 1000 in -1000, its edge a linear ramp over one voxel (as CT's partial volume makes it)."""
    axis = np.arange(-45.0, 45.0 + spacing, spacing)
    zz, yy, xx = np.meshgrid(axis + centre[2], axis + centre[1], axis + centre[0], indexing="ij")
    distance = np.sqrt((xx - centre[0]) ** 2 + (yy - centre[1]) ** 2 + (zz - centre[2]) ** 2)
    values = np.clip((RADIUS - distance) / spacing, -0.5, 0.5) * 4000
    affine = np.diag([spacing, spacing, spacing, 1.0])
    affine[:3, 3] = [axis[0] + centre[0], axis[0] + centre[1], axis[0] + centre[2]]
    return Volume(values.astype(np.int16), affine)


@pytest.mark.parametrize("spacing", [1.0, 0.5])
def test_the_surface_of_a_sphere_has_its_area_and_radius(spacing: float):
    volume = smooth_sphere(spacing)
    surface = build_surface(volume, 0.0)
    assert surface.area == pytest.approx(4 * np.pi * RADIUS**2, rel=0.02)
    radii = np.linalg.norm(surface.vertices - np.array([4.0, -6.0, 10.0]), axis=1)
    assert np.abs(radii - RADIUS).max() < spacing  # the vertices lie on the sphere, in patient coordinates


def test_the_stl_file_holds_every_triangle():
    surface = build_surface(smooth_sphere(1.0), 0.0)
    data = stl_bytes(surface, "sphere")
    assert data[:6] == b"sphere"
    (count,) = struct.unpack("<I", data[80:84])
    assert count == len(surface.faces) and len(data) == 84 + 50 * count
    first = np.frombuffer(data[84 + 12 : 84 + 48], dtype="<f4").reshape(3, 3)
    assert np.allclose(first, surface.vertices[surface.faces[0]])


def test_a_threshold_the_volume_never_crosses_is_refused():
    with pytest.raises(ValueError, match="no surface at 5000"):
        build_surface(smooth_sphere(1.0), 5000.0)
