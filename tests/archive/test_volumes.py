"""A stored series as a volume (archive/volumes.py): geometry from the index's JSON, pixels from the blobs, the
volume cache (kept, shared, rebuilt when the series changes, within its budget), and the real gantry-tilted GE
head CT, whose sagittal reformation must follow the skull's true shape."""

from __future__ import annotations

from pathlib import Path
from threading import Thread

import numpy as np
import pytest
from pydicom import dcmread
from scipy.spatial import cKDTree

from pypacs.archive.service import Archive
from pypacs.archive.volumes import VolumeTooLarge, frame_geometries
from pypacs.config import Settings
from pypacs.synthetic import PatientInfo, SeriesSpec, encode_part10, make_study
from pypacs.volume.assemble import plan_volume
from pypacs.volume.model import NotAVolume
from pypacs.volume.reslice import sample, standard_plane

GE_TILT = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "ct-ge-tilt"
SKULL_HU = 500


def store_series(archive: Archive, slices: int = 12, size: int = 64, seed: int = 11,
                 **spec: object) -> tuple[str, str, list]:  # type: ignore[type-arg]  # fmt: skip
    datasets = list(make_study([SeriesSpec(slices=slices, rows=size, columns=size, **spec)],  # type: ignore[arg-type]
                               patient=PatientInfo("VOL", "VOLUME^TEST"), seed=seed))  # fmt: skip
    for ds in reversed(datasets):  # stored last slice first
        archive.store(encode_part10(ds))
    return datasets[0].StudyInstanceUID, datasets[0].SeriesInstanceUID, datasets


def test_a_stored_series_becomes_its_volume_in_hu(archive: Archive):
    study, series, datasets = store_series(archive)
    volume = archive.series_volume(study, series)
    assert volume.shape == (12, 64, 64)
    by_position = sorted(datasets, key=lambda ds: float(ds.ImagePositionPatient[2]))
    for k, ds in enumerate(by_position):
        expected = ds.pixel_array.astype(np.int32) * int(ds.RescaleSlope) + int(ds.RescaleIntercept)
        assert np.array_equal(volume.voxels[k], expected)
    assert volume.to_patient(np.array([0, 0, 0])) == pytest.approx(
        [float(v) for v in by_position[0].ImagePositionPatient]
    )
    assert volume.window == (40.0, 400.0)
    assert volume.frame_of_reference == datasets[0].FrameOfReferenceUID


def test_the_volume_is_kept_and_shared_and_rebuilt_when_the_series_changes(archive: Archive):
    study, series, datasets = store_series(archive)
    first = archive.series_volume(study, series)
    assert archive.series_volume(study, series) is first
    results = []
    threads = [Thread(target=lambda: results.append(archive.series_volume(study, series))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result is first for result in results)
    extra = datasets[-1].copy()
    extra.SOPInstanceUID = "1.2.826.0.1.3680043.2.1125.77.9"
    extra.file_meta.MediaStorageSOPInstanceUID = extra.SOPInstanceUID
    extra.ImagePositionPatient = [float(v) for v in datasets[-1].ImagePositionPatient[:2]] + [
        float(datasets[-1].ImagePositionPatient[2]) + float(datasets[-1].SliceThickness)
    ]
    archive.store(encode_part10(extra))
    changed = archive.series_volume(study, series)
    assert changed is not first
    assert changed.shape[0] == 13


def test_a_volume_over_the_cache_budget_is_refused_with_the_setting_to_change(tmp_path: Path):
    with Archive.open(Settings(data_dir=tmp_path / "data", volume_cache_mb=16)) as archive:
        study, series, _ = store_series(archive, slices=70, size=256)  # 70 x 256 x 256 x 2 bytes: 8.75 MB
        assert archive.series_volume(study, series).nbytes == 70 * 256 * 256 * 2
        big_study, big_series, _ = store_series(archive, slices=40, size=512, seed=12)  # 20 MB
        with pytest.raises(VolumeTooLarge, match="needs 20 MB, over the volume cache's 16 MB"):
            archive.series_volume(big_study, big_series)
        # a second volume that fits pushes the first out: the cache stays within its budget
        other_study, other_series, _ = store_series(archive, slices=60, size=256, seed=13)  # 7.5 MB
        archive.series_volume(other_study, other_series)
        assert archive.volumes.used == 60 * 256 * 256 * 2


def test_a_series_that_is_no_volume_says_why(archive: Archive):
    study, series, _ = store_series(archive, slices=1)
    with pytest.raises(NotAVolume, match="at least two images"):
        archive.series_volume(study, series)


@pytest.fixture(scope="module")
def ge_tilt(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    files = sorted(GE_TILT.glob("*"))
    assert len(files) == 28, f"the shared GE tilt CT is missing at {GE_TILT}"
    datasets = [dcmread(path) for path in files]
    with Archive.open(Settings(data_dir=tmp_path_factory.mktemp("ge") / "data")) as archive:
        for path in files:
            archive.store(path.read_bytes())
        volume = archive.series_volume(datasets[0].StudyInstanceUID, datasets[0].SeriesInstanceUID)
        yield volume, datasets


def skull_points_of_the_images(datasets: list, x: float) -> np.ndarray:  # type: ignore[type-arg]
    """The reference: (y, z) of every skull pixel of the original images in their column nearest to x, placed
    by each image's own position and orientation (exact, no resampling)."""
    points = []
    for ds in datasets:
        position = np.array([float(v) for v in ds.ImagePositionPatient])
        orientation = np.array([float(v) for v in ds.ImageOrientationPatient])
        row, column = orientation[:3], orientation[3:]
        dy, dx = (float(v) for v in ds.PixelSpacing)
        i = int(round((x - position[0]) / (dx * row[0])))
        hu = ds.pixel_array[:, i].astype(np.float32) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
        for j in np.nonzero(hu > SKULL_HU)[0]:
            point = position + i * dx * row + j * dy * column
            points.append(point[1:])
    return np.array(points)


def test_the_ge_tilted_head_ct_is_corrected_and_its_spacing_resampled(ge_tilt):  # type: ignore[no-untyped-def]
    volume, _ = ge_tilt
    assert any("gantry tilt 18.5°" in note for note in volume.notes)
    assert any("uneven spacing between slices (1.08–7.00 mm)" in note for note in volume.notes)


def test_the_ge_tilted_sagittal_reformation_follows_the_true_skull(ge_tilt):  # type: ignore[no-untyped-def]
    volume, datasets = ge_tilt
    x = float(volume.to_patient(np.array([volume.shape[2] / 2, 0, 0]))[0])
    reference = skull_points_of_the_images(datasets, x)
    plane = standard_plane(volume, "sagittal", np.array([x, 0.0, 0.0]))
    picture = sample(volume, plane)
    rows, columns = np.nonzero(picture > SKULL_HU)
    reconstructed = np.array([plane.point(c, r)[1:] for r, c in zip(rows, columns, strict=True)])
    distances, _ = cKDTree(reconstructed).query(reference)
    assert np.median(distances) < 0.5  # mm: the skull where the images put it
    assert np.percentile(distances, 95) < 2.0
    # the same images stacked straight along their normal (a viewer ignoring the tilt) miss it by far
    normal = np.cross(*(np.array([float(v) for v in datasets[0].ImageOrientationPatient]).reshape(2, 3)))
    straight = []
    for ds in datasets:
        position = np.array([float(v) for v in ds.ImagePositionPatient])
        shift = position - np.dot(position, normal) * normal  # the in-plane part of the table's travel
        straight.append(shift[1:])
    sideways = np.linalg.norm(np.array(straight) - straight[0], axis=1)
    assert sideways.max() > 30  # mm that a straight stack would put the last image's skull off


def test_an_enhanced_object_is_placed_frame_by_frame_from_its_functional_groups():
    def item(**tags):  # type: ignore[no-untyped-def]
        return {tag: {"vr": vr, "Value": value} for tag, (vr, value) in tags.items()}

    shared = item(**{
        "00209116": ("SQ", [item(**{"00200037": ("DS", [1, 0, 0, 0, 1, 0])})]),  # Plane Orientation Sequence
        "00289110": ("SQ", [item(**{"00280030": ("DS", [0.5, 0.5])})]),  # Pixel Measures Sequence
        "00289145": ("SQ", [item(**{"00281052": ("DS", [-1024]), "00281053": ("DS", [1])})]),  # Pixel Value Transf.
    })  # fmt: skip
    per_frame = [item(**{"00209113": ("SQ", [item(**{"00200032": ("DS", [-10, -20, z])})])}) for z in (5.0, 0.0, 2.5)]
    document = {
        "00280010": {"vr": "US", "Value": [4]}, "00280011": {"vr": "US", "Value": [6]},
        "00280008": {"vr": "IS", "Value": [3]}, "00280101": {"vr": "US", "Value": [12]},
        "52009229": {"vr": "SQ", "Value": [shared]}, "52009230": {"vr": "SQ", "Value": per_frame},
    }  # fmt: skip
    geometries = frame_geometries(document)
    assert [g.position for g in geometries] == [(-10.0, -20.0, 5.0), (-10.0, -20.0, 0.0), (-10.0, -20.0, 2.5)]
    assert all(g.orientation == (1.0, 0.0, 0.0, 0.0, 1.0, 0.0) and g.pixel_spacing == (0.5, 0.5) for g in geometries)
    assert all(g.intercept == -1024.0 and (g.rows, g.columns) == (4, 6) for g in geometries)
    plan = plan_volume(geometries)
    assert plan.order == (1, 2, 0) and plan.shape == (3, 4, 6)
    del document["52009229"]
    with pytest.raises(NotAVolume, match="cannot be placed"):
        frame_geometries(document)
