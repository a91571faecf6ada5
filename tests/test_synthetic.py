"""The synthetic study generator: geometry, phantom HU values, reproducibility, valid Part 10 output."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread

from pypacs.synthetic import (
    PatientInfo,
    SeriesSpec,
    demo_studies,
    encode_part10,
    make_series,
    make_study,
    slice_normal,
    write_datasets,
)

PATIENT = PatientInfo("P1", "Doe^John", "19700101", "M")
UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")


def read_back(ds):  # type: ignore[no-untyped-def]
    return dcmread(BytesIO(encode_part10(ds)))


def hounsfield(ds) -> np.ndarray:  # type: ignore[no-untyped-def]
    return ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)


@pytest.mark.parametrize("orientation", ["axial", "coronal", "sagittal"])
def test_slices_step_by_their_thickness_along_the_orientation_normal(orientation: str):
    spec = SeriesSpec(slices=5, rows=32, columns=32, pixel_spacing=0.5, slice_thickness=3.0, orientation=orientation)
    slices = list(make_series(spec, patient=PATIENT, study_uid="1.2.3"))
    normal = slice_normal([float(v) for v in slices[0].ImageOrientationPatient])
    positions = np.array([[float(v) for v in s.ImagePositionPatient] for s in slices])
    steps = np.diff(positions, axis=0)
    assert np.allclose(steps, normal * 3.0, atol=1e-3)
    assert [float(v) for v in slices[0].PixelSpacing] == [0.5, 0.5]
    assert [s.InstanceNumber for s in slices] == [1, 2, 3, 4, 5]
    assert len({s.FrameOfReferenceUID for s in slices}) == 1


def test_ct_phantom_has_air_soft_tissue_lungs_and_bone_in_hounsfield_units():
    spec = SeriesSpec(slices=9, rows=128, columns=128, pixel_spacing=2.8)
    slices = [read_back(ds) for ds in make_series(spec, patient=PATIENT, study_uid="1.2.3")]
    middle = hounsfield(slices[4])
    assert middle[0, 0] == -1000  # air in the corner
    assert 0 <= middle[64, 64] <= 60  # soft tissue at the centre
    assert (middle < -500).sum() > 0.05 * middle.size  # lungs in the middle slice
    assert middle.max() > 300  # bone
    first = hounsfield(slices[0])
    assert ((first > -900) & (first < -700)).sum() == 0  # no lung at the ends of the slab


def test_mr_series_has_mr_attributes_and_unsigned_intensities():
    ds = read_back(
        next(make_series(SeriesSpec("MR", slices=3, rows=64, columns=64), patient=PATIENT, study_uid="1.2.3"))
    )
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.4" and ds.Modality == "MR"
    assert float(ds.MagneticFieldStrength) == 1.5 and float(ds.RepetitionTime) > 0
    assert "RescaleIntercept" not in ds
    assert ds.pixel_array.max() > 500


def test_the_same_seed_gives_the_same_study_and_another_seed_new_uids():
    spec = [SeriesSpec(slices=2, rows=16, columns=16)]
    first = list(make_study(spec, patient=PATIENT, seed=1))
    again = list(make_study(spec, patient=PATIENT, seed=1))
    other = list(make_study(spec, patient=PATIENT, seed=2))
    assert [encode_part10(a) for a in first] == [encode_part10(b) for b in again]
    assert {d.SOPInstanceUID for d in first}.isdisjoint({d.SOPInstanceUID for d in other})
    for ds in first:
        for uid in (ds.SOPInstanceUID, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID):
            assert len(uid) <= 64 and UID.match(uid)


def test_demo_set_has_several_patients_and_studies_with_non_ascii_names():
    datasets = list(demo_studies(slices=2, matrix=16))
    assert len({d.PatientID for d in datasets}) == 4
    assert len({d.StudyInstanceUID for d in datasets}) == 5
    assert {d.Modality for d in datasets} == {"CT", "MR"}
    names = {str(read_back(d).PatientName) for d in datasets}
    assert "Müller^Jürgen" in names and "Wang^Xiaoming=王^小明" in names


def test_write_datasets_writes_readable_files_named_by_numbers(tmp_path: Path):
    paths = write_datasets(
        make_series(SeriesSpec(slices=3, rows=16, columns=16), patient=PATIENT, study_uid="1.2.3"), tmp_path
    )
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        "series001/00001.dcm",
        "series001/00002.dcm",
        "series001/00003.dcm",
    ]
    assert dcmread(paths[2]).InstanceNumber == 3
