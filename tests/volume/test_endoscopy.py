"""Virtual endoscopy (volume/endoscopy.py) inside a hollow tube closed at its far end: the wall all round (a ring
of near distances, growing towards the middle) and the far end in the middle, at the distances geometry says."""

from __future__ import annotations

import numpy as np
import pytest

from pypacs.volume.cpr import resample_path
from pypacs.volume.endoscopy import eye, eye_on_path, fly
from pypacs.volume.model import Volume

LUMEN, WALL, CAP = 10.0, 15.0, 60.0  # lumen radius, wall's outer radius, the far end's z (mm)


@pytest.fixture(scope="module")
def tube() -> Volume:
    """Air (-1000) inside a tube of soft tissue (40 HU) along z, closed at z = CAP; fat (-100) outside."""
    spacing = 0.5
    xy = np.arange(-20.0, 20.5, spacing)
    z = np.arange(-50.0, 70.5, spacing)
    zz, yy, xx = np.meshgrid(z, xy, xy, indexing="ij")
    radius = np.sqrt(xx**2 + yy**2)
    voxels = np.full(zz.shape, -100, dtype=np.int16)
    voxels[radius <= WALL] = 40
    voxels[(radius < LUMEN) & (zz < CAP)] = -1000
    affine = np.diag([spacing, spacing, spacing, 1.0])
    affine[:3, 3] = [xy[0], xy[0], z[0]]
    return Volume(voxels, affine)


def test_inside_the_tube_the_wall_rings_the_far_end(tube: Volume):
    camera = eye(np.array([0.0, 0.0, -40.0]), np.array([0.0, 0.0, 1.0]), np.array([0.0, -1.0, 0.0]), fov=90)
    picture, depth = fly(tube, camera, threshold=-500, size=201)
    assert np.all(np.isfinite(depth))  # closed all round: every ray meets the wall or the far end
    assert depth[100, 100] == pytest.approx(CAP - (-40.0), abs=1.0)  # the far end, straight ahead
    # a ray 30° off the axis meets the wall 10 mm out: 20 mm away
    offset = int(round(100 + 100 * np.tan(np.radians(30)) / np.tan(np.radians(45))))
    assert depth[100, offset] == pytest.approx(LUMEN / np.sin(np.radians(30)), rel=0.05)
    assert depth[100, 200] < depth[100, 150] < depth[100, 100]  # nearer towards the picture's edge
    assert picture[100, 100].sum() > 0 and picture[100, 200].sum() > picture[100, 100].sum()  # far is dimmer


def test_a_contrast_filled_lumen_is_seen_with_inside_above(tube: Volume):
    bright = Volume(np.where(tube.voxels == -1000, 300, tube.voxels).astype(np.int16), tube.affine)
    camera = eye(np.array([0.0, 0.0, -40.0]), np.array([0.0, 0.0, 1.0]))
    _, depth = fly(bright, camera, threshold=150, inside_below=False, size=101)
    assert depth[50, 50] == pytest.approx(100.0, abs=1.0)


def test_the_camera_flies_along_a_path_and_looks_around(tube: Volume):
    path = resample_path(np.array([[0.0, 0.0, -40.0], [0.0, 0.0, 40.0]]), 0.5)
    near = fly(tube, eye_on_path(path, 60.0), size=51)[1]
    far = fly(tube, eye_on_path(path, 10.0), size=51)[1]
    assert near[25, 25] == pytest.approx(CAP - 20.0, abs=1.0)
    assert far[25, 25] == pytest.approx(CAP - (-30.0), abs=1.0)
    sideways = fly(tube, eye_on_path(path, 10.0, yaw=90), size=51)[1]
    assert sideways[25, 25] == pytest.approx(LUMEN, abs=1.0)  # looking at the wall beside the camera
    back = fly(tube, eye_on_path(path, 10.0, backwards=True), size=51)[1]
    assert np.isinf(back[25, 25])  # the tube is open behind: the ray leaves the volume


def test_bad_cameras_are_refused():
    with pytest.raises(ValueError, match="fov"):
        eye(np.zeros(3), np.array([0.0, 0, 1]), fov=180)
    with pytest.raises(ValueError, match="zero"):
        eye(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="along the look"):
        eye(np.zeros(3), np.array([0.0, 0, 1]), np.array([0.0, 0, 2]))
