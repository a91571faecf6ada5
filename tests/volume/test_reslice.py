"""Cuts and slabs (volume/reslice.py) on analytic phantoms: a sphere's cut through its centre is a disc of its
radius in every plane; a slab MIP finds its hottest point; the screen's sides are the patient's as radiologists
expect them."""

from __future__ import annotations

import numpy as np
import pytest

from pypacs.volume.assemble import assemble
from pypacs.volume.model import Volume
from pypacs.volume.reslice import plane_through, sample, slab, standard_plane
from tests.volume.phantoms import AIR, INSIDE, disc_radius, sphere_slices

RADIUS = 30.0


@pytest.fixture(scope="module")
def sphere() -> Volume:
    geometries, images = sphere_slices(
        centre=(5.0, -3.0, 4.0), radius=RADIUS, positions_along=np.arange(-60.0, 61, 1.0)
    )
    return assemble(geometries, lambda index: images[index])


@pytest.mark.parametrize("name", ["axial", "coronal", "sagittal"])
def test_a_cut_through_the_centre_is_a_disc_of_the_sphere_radius(sphere: Volume, name: str):
    plane = standard_plane(sphere, name, np.array([5.0, -3.0, 4.0]))
    assert disc_radius(sample(sphere, plane), plane.column_spacing, plane.row_spacing) == pytest.approx(
        RADIUS, rel=0.02
    )


@pytest.mark.parametrize("normal", [(1, 1, 1), (0, 1, 2), (3, -1, 0.5)])
def test_an_oblique_cut_through_the_centre_is_a_disc_of_the_sphere_radius(sphere: Volume, normal):
    normal = np.array(normal, dtype=float)
    right = np.cross(normal, [0, 0, 1]) if abs(normal[2]) < 0.9 * np.linalg.norm(normal) else np.array([1.0, 0, 0])
    down = np.cross(normal, right)
    plane = plane_through(sphere, np.array([5.0, -3.0, 4.0]), right, down)
    picture = sample(sphere, plane)
    assert disc_radius(picture, plane.column_spacing, plane.row_spacing) == pytest.approx(RADIUS, rel=0.02)


def test_a_cut_off_centre_is_the_smaller_disc_of_that_height(sphere: Volume):
    plane = standard_plane(sphere, "axial", np.array([5.0, -3.0, 4.0 + 18.0]))
    expected = np.sqrt(RADIUS**2 - 18.0**2)
    assert disc_radius(sample(sphere, plane), 1.0, 1.0) == pytest.approx(expected, rel=0.03)


def test_a_cut_outside_the_volume_is_all_air(sphere: Volume):
    plane = standard_plane(sphere, "axial", np.array([0.0, 0.0, 500.0]))
    assert np.all(sample(sphere, plane) == AIR)


def test_the_grid_cut_and_trilinear_sampling_agree():
    geometries, images = sphere_slices(radius=20.0, positions_along=np.arange(-30.0, 31, 2.5))
    volume = assemble(geometries, lambda index: images[index])
    plane = standard_plane(volume, "coronal", np.array([0.3, 0.0, 1.25]))
    fast = sample(volume, plane)
    # the same plane nudged by a hair off the grid goes through map_coordinates
    nudged = plane_through(volume, np.array([0.3, 0.0, 1.25]), plane.right + [0, 1e-7, 0], plane.down)
    slow = sample(volume, nudged)
    assert fast.shape == slow.shape
    assert np.mean(np.abs(fast - slow)) < 1.0


def test_screen_sides_follow_radiological_convention():
    """A marker at the patient's left (+x), posterior (+y) and head (+z) side of the sphere shows up where a
    radiologist expects it: axial left on the screen's right, posterior down; coronal and sagittal head up."""
    marker = np.array([20.0, 10.0, 30.0])
    geometries, images = sphere_slices(centre=marker, radius=4.0, positions_along=np.arange(-40.0, 41, 1.0))
    volume = assemble(geometries, lambda index: images[index])

    def where(name: str) -> tuple[float, float]:
        plane = standard_plane(volume, name, marker)
        rows, columns = np.nonzero(sample(volume, plane) > (INSIDE + AIR) / 2)
        return float(columns.mean()) / plane.columns, float(rows.mean()) / plane.rows

    axial_x, axial_y = where("axial")
    assert axial_x > 0.6 and axial_y > 0.55  # patient's left on the right, posterior at the bottom
    coronal_x, coronal_y = where("coronal")
    assert coronal_x > 0.6 and coronal_y < 0.4  # left on the right, head at the top
    sagittal_x, sagittal_y = where("sagittal")
    assert sagittal_x > 0.55 and sagittal_y < 0.4  # posterior on the right, head at the top


def test_slab_mip_finds_the_hottest_point_minip_the_coldest_and_average_between():
    geometries, images = sphere_slices(radius=20.0, positions_along=np.arange(-30.0, 31, 1.0))
    volume = assemble(geometries, lambda index: images[index])
    voxels = volume.voxels.copy()
    k, j, i = (int(round(v)) for v in volume.to_index(np.array([0.0, 0.0, 6.0]))[::-1])
    voxels[k, j, i] = 900
    volume = Volume(voxels, volume.affine)
    plane = standard_plane(volume, "axial", np.array([0.0, 0.0, 0.0]))
    assert float(sample(volume, plane).max()) == INSIDE  # the hot voxel is 6 mm away from the plane
    assert float(slab(volume, plane, 14.0, "mip").max()) == 900
    assert float(slab(volume, plane, 4.0, "mip").max()) == INSIDE
    assert float(slab(volume, plane, 60.0, "minip")[j, i]) == AIR
    average = slab(volume, plane, 60.0, "average")[j, i]
    assert AIR < average < INSIDE


@pytest.mark.parametrize("mode", ["mip", "minip", "average"])
def test_a_slab_on_the_grid_matches_the_slab_sampled_cut_by_cut(sphere: Volume, mode: str):
    plane = standard_plane(sphere, "coronal", np.array([5.0, 6.0, 4.0]))
    on_grid = slab(sphere, plane, 12.0, mode)  # type: ignore[arg-type]
    nudged = plane_through(sphere, np.array([5.0, 6.0, 4.0]), plane.right + [1e-7, 0, 0], plane.down)
    sampled = slab(sphere, nudged, 12.0, mode)  # type: ignore[arg-type]
    assert on_grid.shape == sampled.shape
    assert np.mean(np.abs(on_grid - sampled)) < 2.0
