"""Curved planar reformation (volume/cpr.py) on a curved tube of known centerline and radius: straightened, the
tube is a straight band of constant width along the whole path, at every angle; stretched, it keeps its curve;
its cross-sections are discs of its radius."""

from __future__ import annotations

import numpy as np
import pytest

from pypacs.volume.cpr import cross_section, resample_path, straightened, stretched
from pypacs.volume.model import Volume

TUBE, BEND = 4.0, 40.0  # tube radius, centerline radius (mm)
INSIDE, AIR = 300, -1000


@pytest.fixture(scope="module")
def tube() -> Volume:
    """A quarter torus in the axial plane z = 0: the centerline is the arc of radius BEND about (0, 0, 0) from
    +x to +y; 0.5 mm voxels."""
    spacing = 0.5
    axis = np.arange(-10.0, 55.0, spacing)
    z = np.arange(-12.0, 12.5, spacing)
    zz, yy, xx = np.meshgrid(z, axis, axis, indexing="ij")
    ring = np.sqrt(xx**2 + yy**2)
    inside = (np.sqrt((ring - BEND) ** 2 + zz**2) <= TUBE) & (xx >= -1) & (yy >= -1)
    affine = np.diag([spacing, spacing, spacing, 1.0])
    affine[:3, 3] = [axis[0], axis[0], z[0]]
    return Volume(np.where(inside, INSIDE, AIR).astype(np.int16), affine)


def centerline(points: int = 12) -> np.ndarray:
    angles = np.linspace(0.02, np.pi / 2 - 0.02, points)
    return np.stack([BEND * np.cos(angles), BEND * np.sin(angles), np.zeros(points)], axis=1)


def band_widths(picture: np.ndarray, spacing: float) -> np.ndarray:
    return (picture > (INSIDE + AIR) / 2).sum(axis=1) * spacing


@pytest.mark.parametrize("angle", [0.0, 45.0, 90.0, 160.0])
def test_the_straightened_tube_is_a_band_of_constant_width_along_the_whole_path(tube: Volume, angle: float):
    path = resample_path(centerline(), 0.5)
    assert path.length == pytest.approx(BEND * (np.pi / 2 - 0.04), rel=0.01)
    picture = straightened(tube, path, 30.0, angle)
    assert picture.shape == (len(path.points), 61)
    widths = band_widths(picture, 0.5)[2:-2]
    assert np.all(np.abs(widths - 2 * TUBE) <= 1.0), widths
    middle = (picture > 0).mean(axis=0)
    assert abs(np.average(np.arange(61), weights=middle) - 30) < 0.5  # centred: the path runs down the middle


def test_the_stretched_tube_keeps_its_curve(tube: Volume):
    """Cut along x, each row shows the tube where the path is along x: its curve, from x ~40 mm to ~1 mm."""
    path = resample_path(centerline(), 0.5)
    picture = stretched(tube, path, 20.0, np.array([1.0, 0.0, 0.0]))
    low = float(path.points[:, 0].min()) - 10.0  # the first column's x
    for row in range(0, picture.shape[0] * 2 // 3, 5):  # where the path does not yet run along x
        inside = np.nonzero(picture[row] > (INSIDE + AIR) / 2)[0]
        # the row's height across x: the y of the path there (rows follow the path's length across x)
        y = row * 0.5 * (path.points[-1, 1] - path.points[0, 1]) / ((picture.shape[0] - 1) * 0.5)
        expected_x = np.sqrt(max(BEND**2 - (y + path.points[0, 1]) ** 2, 0.0))
        assert abs(low + inside.mean() * 0.5 - expected_x) < 1.5, row
    centres = [np.nonzero(row)[0].mean() for row in picture > 0 if row.any()]
    assert abs(centres[0] - centres[-1]) * 0.5 > 30


def test_a_cross_section_is_a_disc_of_the_tube_radius(tube: Volume):
    path = resample_path(centerline(), 0.5)
    for at in (5.0, path.length / 2, path.length - 5):
        picture, plane = cross_section(tube, path, at, 20.0)
        area = float((picture > (INSIDE + AIR) / 2).sum()) * plane.column_spacing * plane.row_spacing
        assert np.sqrt(area / np.pi) == pytest.approx(TUBE, rel=0.06)
        assert picture[picture.shape[0] // 2, picture.shape[1] // 2] == INSIDE


def test_bad_paths_are_refused(tube: Volume):
    with pytest.raises(ValueError, match="at least two"):
        resample_path(np.array([[1.0, 2.0, 3.0]]), 0.5)
    with pytest.raises(ValueError, match="two distinct"):
        resample_path(np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]), 0.5)
    with pytest.raises(ValueError, match="over 4096 samples"):
        resample_path(np.array([[0.0, 0, 0], [5000.0, 0, 0]]), 0.5)
