"""Renderings of a whole volume (volume/raycast.py) on analytic phantoms: a sphere's surface and volume rendering
cover a disc of its radius from any side, lit brighter where it faces the camera; MIP finds the peak; the camera's
sides are the patient's as radiologists expect them."""

from __future__ import annotations

import numpy as np
import pytest

from pypacs.volume.assemble import assemble
from pypacs.volume.model import Volume
from pypacs.volume.raycast import camera_around, cast, transfer_presets
from tests.volume.phantoms import AIR, sphere_slices

RADIUS = 25.0
BONE = 1000


@pytest.fixture(scope="module")
def sphere() -> Volume:
    geometries, images = sphere_slices(radius=RADIUS, positions_along=np.arange(-50.0, 51, 1.0), value=BONE)
    return assemble(geometries, lambda index: images[index])


def covered_area(picture: np.ndarray, width: float) -> float:
    pixel = width / picture.shape[1]
    shown = picture.reshape(picture.shape[0], picture.shape[1], -1).sum(axis=2) > 0.05
    return float(np.count_nonzero(shown)) * pixel**2


@pytest.mark.parametrize(("azimuth", "elevation"), [(0, 0), (90, 0), (35, 40), (180, -60)])
def test_the_surface_of_a_sphere_covers_a_disc_of_its_radius_from_every_side(sphere: Volume, azimuth, elevation):
    camera = camera_around(sphere, azimuth, elevation, columns=200, rows=200)
    picture = cast(sphere, camera, "ssd", threshold=300)
    assert covered_area(picture, camera.width) == pytest.approx(np.pi * RADIUS**2, rel=0.03)


def test_the_surface_is_lit_brightest_where_it_faces_the_camera(sphere: Volume):
    camera = camera_around(sphere, columns=200, rows=200)
    picture = cast(sphere, camera, "ssd", threshold=300)[:, :, 0]
    middle = picture[95:105, 95:105].mean()
    rim = picture[100, np.nonzero(picture[100] > 0)[0][[0, -1]]].mean()
    assert middle > 0.85 and rim < 0.8 * middle


@pytest.mark.parametrize("preset", sorted(transfer_presets()))
def test_volume_rendering_draws_the_sphere_with_every_ct_preset(sphere: Volume, preset: str):
    camera = camera_around(sphere, 20, 10, columns=120, rows=120)
    picture = cast(sphere, camera, "vr", transfer_presets()[preset])
    if preset in ("ct-lung", "mr-default"):  # bone is transparent to the lung preset; the MR one is on MR values
        assert picture.shape == (120, 120, 3)
        return
    assert covered_area(picture, camera.width) == pytest.approx(np.pi * RADIUS**2, rel=0.05)
    corner = picture[:10, :10]
    assert float(corner.max()) == 0.0  # air is transparent


def test_a_draft_with_samples_twice_as_far_apart_looks_the_same(sphere: Volume):
    camera = camera_around(sphere, 30, 0, columns=100, rows=100)
    full = cast(sphere, camera, "vr", transfer_presets()["ct-bone"])
    draft = cast(sphere, camera, "vr", transfer_presets()["ct-bone"], step=2 * min(sphere.spacing))
    assert np.mean(np.abs(full - draft)) < 0.05


def test_mip_along_rays_finds_the_peak_and_misses_outside(sphere: Volume):
    voxels = sphere.voxels.copy()
    k, j, i = (int(round(v)) for v in sphere.to_index(np.array([10.0, 0.0, 5.0]))[::-1])
    voxels[k, j, i] = 3000
    volume = Volume(voxels, sphere.affine)
    picture = cast(volume, camera_around(volume, 0, 0, columns=300, rows=300), "mip")
    assert np.nanmax(picture) == pytest.approx(3000, abs=1500)  # trilinear samples near the voxel
    assert np.nanmax(picture) > BONE
    assert np.nanmin(picture) == AIR


def test_the_front_view_shows_the_patient_left_on_the_right_and_the_head_up():
    geometries, images = sphere_slices(centre=(30.0, 0.0, 25.0), radius=6.0, positions_along=np.arange(-50.0, 51, 1.0),
                                       value=BONE)  # fmt: skip
    volume = assemble(geometries, lambda index: images[index])
    picture = cast(volume, camera_around(volume, columns=200, rows=200), "ssd", threshold=300)[:, :, 0]
    rows, columns = np.nonzero(picture > 0)
    assert columns.mean() > 110 and rows.mean() < 90  # right half, upper half
    side = cast(volume, camera_around(volume, 90, 0, columns=200, rows=200), "ssd", threshold=300)[:, :, 0]
    rows, columns = np.nonzero(side > 0)
    assert abs(columns.mean() - 100) < 10  # seen from the patient's left, the marker (at x=+30) faces the camera


def test_bad_cameras_are_refused(sphere: Volume):
    with pytest.raises(ValueError, match="zoom"):
        camera_around(sphere, zoom=0)
    with pytest.raises(ValueError, match="finite"):
        camera_around(sphere, azimuth=float("nan"))


def test_a_clipping_box_cuts_the_volume(sphere: Volume):
    camera = camera_around(sphere, columns=200, rows=200)
    whole = cast(sphere, camera, "ssd", threshold=300)
    half = cast(sphere, camera, "ssd", threshold=300, clip=(0.5, 1.0, 0.0, 1.0, 0.0, 1.0))  # the patient's left half
    assert covered_area(half, camera.width) == pytest.approx(covered_area(whole, camera.width) / 2, rel=0.05)
    rows, columns = np.nonzero(half[:, :, 0] > 0)
    assert columns.min() >= 99  # the left half only: the picture's right half (front view)
    with pytest.raises(ValueError, match="clipping box"):
        cast(sphere, camera, "ssd", clip=(0.6, 0.4, 0, 1, 0, 1))
