"""Series to volume (volume/assemble.py) on analytic sphere phantoms: sorting, tilt, uneven spacing, refusals."""

from __future__ import annotations

import numpy as np
import pytest

from pypacs.volume.assemble import SliceGeometry, assemble, plan_volume
from pypacs.volume.model import NotAVolume
from pypacs.volume.reslice import sample, standard_plane
from tests.volume.phantoms import AIR, INSIDE, disc_extent, disc_lean, disc_radius, sphere_slices


def build(geometries, images):  # type: ignore[no-untyped-def]
    return assemble(geometries, lambda index: images[index])


def test_a_regular_stack_keeps_its_voxels_in_hu_and_its_geometry():
    geometries, images = sphere_slices(radius=20.0)
    volume = build(geometries, images)
    assert volume.shape == (51, 128, 128)
    assert volume.voxels.dtype == np.int16
    assert volume.spacing == pytest.approx((1.0, 1.0, 2.0))
    assert set(np.unique(volume.voxels)) == {AIR, INSIDE}
    assert volume.notes == ()
    centre = volume.to_index(np.array([0.0, 0.0, 0.0]))
    assert centre == pytest.approx([63.5, 63.5, 25.0])
    assert volume.frame_of_reference == "1.2.3"


def test_slices_stored_in_any_order_are_sorted_along_the_normal():
    geometries, images = sphere_slices(centre=(0.0, 0.0, 20.0), radius=10.0)
    order = list(reversed(range(len(images))))
    volume = build([geometries[i] for i in order], [images[i] for i in order])
    k = int(round(volume.to_index(np.array([0.0, 0.0, 20.0]))[2]))
    assert volume.voxels[k, 64, 64] == INSIDE
    assert volume.to_patient(np.array([0, 0, 0]))[2] == pytest.approx(-50.0)


def test_gantry_tilt_is_resampled_so_the_sphere_stays_round_in_every_plane():
    # 20° tilt: image planes tilted about x, the table moving along z (as the GE head CT in ../shared/data)
    geometries, images = sphere_slices(radius=25.0, tilt_degrees=20.0, positions_along=np.arange(-45.0, 45.5, 1.5))
    volume = build(geometries, images)
    assert any("gantry tilt 20.0°" in note for note in volume.notes)
    for name in ("axial", "coronal", "sagittal"):
        plane = standard_plane(volume, name, np.array([0.0, 0.0, 0.0]))
        picture = sample(volume, plane)
        radius = disc_radius(picture, plane.column_spacing, plane.row_spacing)
        assert radius == pytest.approx(25.0, rel=0.03), name
        width, height = disc_extent(picture, plane.column_spacing, plane.row_spacing)
        assert width == pytest.approx(height, abs=2.5), name  # round, not sheared


def test_the_sheared_stack_leans_unless_corrected():
    """The tilt test can fail: stacking the tilted images straight makes the sphere lean in the sagittal plane."""
    geometries, images = sphere_slices(radius=25.0, tilt_degrees=20.0, positions_along=np.arange(-45.0, 45.5, 1.5))
    plan = plan_volume(geometries)
    straight = np.stack([images[i] for i in plan.order]).astype(np.float32) - 1024  # as a viewer ignoring tilt
    assert abs(disc_lean(straight[:, :, 64])) > 5
    volume = build(geometries, images)
    corrected = sample(volume, standard_plane(volume, "sagittal", np.array([0.0, 0.0, 0.0])))
    assert abs(disc_lean(corrected)) < 1


def test_uneven_spacing_is_resampled_at_the_smallest_gap_and_said():
    positions = [*np.arange(-50.0, 0.0, 2.0), *np.arange(0.0, 51.0, 5.0)]
    geometries, images = sphere_slices(radius=30.0, positions_along=positions)
    volume = build(geometries, images)
    assert volume.spacing[2] == pytest.approx(2.0)
    assert any("uneven spacing between slices (2.00–5.00 mm)" in note for note in volume.notes)
    assert volume.to_patient(np.array([0, 0, volume.shape[0] - 1]))[2] == pytest.approx(50.0)
    plane = standard_plane(volume, "coronal", np.array([0.0, 0.0, 0.0]))
    radius = disc_radius(sample(volume, plane), plane.column_spacing, plane.row_spacing)
    assert radius == pytest.approx(30.0, rel=0.03)


def test_a_missing_slice_is_filled_between_its_neighbours():
    positions = [p for p in np.arange(-20.0, 21.0, 2.0) if p != 4.0]
    geometries, images = sphere_slices(radius=15.0, positions_along=positions)
    volume = build(geometries, images)
    assert volume.shape[0] == 21
    assert any("uneven spacing" in note for note in volume.notes)
    k = int(round(volume.to_index(np.array([0.0, 0.0, 4.0]))[2]))
    assert volume.voxels[k, 64, 64] == INSIDE


def test_localizers_are_left_out_and_said():
    geometries, images = sphere_slices(radius=10.0, positions_along=np.arange(-10.0, 11.0, 2.0))
    localizer = SliceGeometry(position=(0.0, -60.0, 60.0), orientation=(0.0, 1.0, 0.0, 0.0, 0.0, -1.0),
                              pixel_spacing=(1.0, 1.0), rows=128, columns=128, localizer=True)  # fmt: skip
    volume = build([localizer, *geometries], [np.zeros((128, 128), np.uint16), *images])
    assert volume.shape[0] == len(images)
    assert "1 localizer image left out" in volume.notes


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("orientation", "different orientations"),
        ("size", "different sizes"),
        ("duplicate", "share a position"),
        ("single", "at least two images"),
    ],
)
def test_what_is_no_volume_is_refused_with_its_reason(change: str, reason: str):
    geometries, images = sphere_slices(radius=10.0, positions_along=np.arange(-10.0, 11.0, 2.0))
    if change == "orientation":
        geometries[3] = SliceGeometry(position=geometries[3].position, orientation=(0.0, 1.0, 0.0, 0.0, 0.0, -1.0),
                                      pixel_spacing=(1.0, 1.0), rows=128, columns=128)  # fmt: skip
    elif change == "size":
        geometries[3] = SliceGeometry(position=geometries[3].position, orientation=geometries[3].orientation,
                                      pixel_spacing=(1.0, 1.0), rows=64, columns=64)  # fmt: skip
    elif change == "duplicate":
        geometries.append(geometries[2])
        images.append(images[2])
    else:
        geometries, images = geometries[:1], images[:1]
    with pytest.raises(NotAVolume, match=reason):
        build(geometries, images)


def test_an_image_whose_pixels_do_not_match_its_header_is_refused():
    geometries, images = sphere_slices(radius=10.0, positions_along=np.arange(-10.0, 11.0, 2.0))
    images[2] = images[2][:64]
    with pytest.raises(NotAVolume, match="not the 128x128"):
        build(geometries, images)


def test_rescaled_values_that_are_not_whole_numbers_are_kept_as_float():
    geometries, images = sphere_slices(radius=10.0, positions_along=np.arange(-10.0, 11.0, 2.0))
    geometries = [SliceGeometry(**{**g.__dict__, "slope": 0.5}) for g in geometries]
    volume = build(geometries, images)
    assert volume.voxels.dtype == np.float32
    assert float(volume.voxels.max()) == pytest.approx((INSIDE + 1024) * 0.5 - 1024)
