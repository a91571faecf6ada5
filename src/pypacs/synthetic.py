"""Synthetic studies for demos, tests and benchmarks: CT and MR series of analytic phantoms with correct geometry.

Pure except write_datasets(): returns pydicom FileDatasets; the same seed always gives the same UIDs and pixels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import numpy as np
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    UID,
    CTImageStorage,
    ExplicitVRLittleEndian,
    MRImageStorage,
    generate_uid,
)

ORIENTATIONS = {
    "axial": (1.0, 0.0, 0.0, 0.0, 1.0, 0.0),
    "coronal": (1.0, 0.0, 0.0, 0.0, 0.0, -1.0),
    "sagittal": (0.0, 1.0, 0.0, 0.0, 0.0, -1.0),
}
HU_INTERCEPT = -1024.0


@dataclass(frozen=True)
class PatientInfo:
    patient_id: str
    patient_name: str
    birth_date: str = ""
    sex: str = ""


@dataclass(frozen=True)
class SeriesSpec:
    modality: str = "CT"
    slices: int = 40
    rows: int = 512
    columns: int = 512
    pixel_spacing: float = 0.7
    slice_thickness: float = 2.5
    description: str = ""
    orientation: str = "axial"  # or "sagittal" / "coronal"
    body_part: str = ""


def uid_for(seed: int, *parts: object) -> str:
    """A UID made only from the seed and the parts: reproducible, different for different inputs."""
    return str(generate_uid(entropy_srcs=["pypacs-synthetic", str(seed), *map(str, parts)]))


def slice_normal(orientation: Sequence[float]) -> np.ndarray:
    row, column = np.array(orientation[:3]), np.array(orientation[3:])
    return np.cross(row, column)


# -- phantoms -------------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _grid(rows: int, columns: int, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Patient-plane coordinates in mm of each pixel centre, origin at the image centre."""
    y = (np.arange(rows, dtype=np.float32) - (rows - 1) / 2) * spacing
    x = (np.arange(columns, dtype=np.float32) - (columns - 1) / 2) * spacing
    return np.meshgrid(x, y)


def _inside(x: np.ndarray, y: np.ndarray, cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
    return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0


def ct_phantom_hu(x: np.ndarray, y: np.ndarray, z: float, extent: float) -> np.ndarray:
    """HU values of a torso phantom at height z (mm) in a slab of the given extent: air, fat, soft tissue,
    lungs (mid-slab), spine and ribs, a contrast-filled aorta."""
    hu = np.full(x.shape, -1000.0, dtype=np.float32)
    body_rx, body_ry = 160.0, 110.0
    hu[_inside(x, y, 0, 0, body_rx, body_ry)] = -100.0  # subcutaneous fat
    hu[_inside(x, y, 0, 0, body_rx - 15, body_ry - 15)] = 40.0  # soft tissue / muscle
    relative = z / extent if extent else 0.0
    if -0.35 <= relative <= 0.35:  # lungs in the middle of the slab
        for side in (-1, 1):
            hu[_inside(x, y, side * 70, -5, 50, 70)] = -850.0
        ribs = _inside(x, y, 0, 0, body_rx - 20, body_ry - 20) & ~_inside(x, y, 0, 0, body_rx - 28, body_ry - 28)
        hu[ribs & (np.abs(np.sin(np.arctan2(y, x) * 6)) > 0.7)] = 700.0
    hu[_inside(x, y, 0, 70, 22, 20)] = 1000.0  # vertebral body
    hu[_inside(x, y, 0, 70, 12, 10)] = 250.0  # cancellous bone inside
    hu[_inside(x, y, 25, 40, 12, 12)] = 250.0  # contrast-filled aorta
    return hu


def mr_phantom(x: np.ndarray, y: np.ndarray, z: float, extent: float) -> np.ndarray:
    """T1-like intensities of a head phantom: scalp, skull (dark), grey and white matter, ventricles."""
    signal = np.zeros(x.shape, dtype=np.float32)
    shrink = max(0.2, float(np.sqrt(max(0.0, 1.0 - (2 * z / extent) ** 2)))) if extent else 1.0
    rx, ry = 75 * shrink, 95 * shrink
    signal[_inside(x, y, 0, 0, rx, ry)] = 900.0  # scalp
    signal[_inside(x, y, 0, 0, rx - 5, ry - 5)] = 80.0  # skull
    signal[_inside(x, y, 0, 0, rx - 10, ry - 10)] = 600.0  # grey matter
    signal[_inside(x, y, 0, 0, rx - 22, ry - 22)] = 800.0  # white matter
    for side in (-1, 1):
        signal[_inside(x, y, side * 8, -5, 5 * shrink, 20 * shrink)] = 200.0  # ventricles (CSF)
    return signal


# -- datasets -------------------------------------------------------------------------------------------------


def make_series(
    spec: SeriesSpec,
    *,
    patient: PatientInfo,
    study_uid: str,
    series_number: int = 1,
    study_date: str = "20240101",
    study_time: str = "120000",
    accession_number: str = "",
    study_description: str = "",
    seed: int = 0,
    **extra: object,
) -> Iterator[FileDataset]:
    """The slices of one series, in order, each a complete Part 10 dataset."""
    modality = spec.modality.upper()
    if modality not in ("CT", "MR"):
        raise ValueError(f"synthetic series are CT or MR, not {spec.modality!r}")
    if spec.orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be one of {', '.join(ORIENTATIONS)}")
    orientation = ORIENTATIONS[spec.orientation]
    normal = slice_normal(orientation)
    row_dir, column_dir = np.array(orientation[:3]), np.array(orientation[3:])
    x, y = _grid(spec.rows, spec.columns, spec.pixel_spacing)
    extent = spec.slices * spec.slice_thickness
    corner = -(
        row_dir * (spec.columns - 1) / 2 * spec.pixel_spacing + column_dir * (spec.rows - 1) / 2 * spec.pixel_spacing
    )
    series_uid = uid_for(seed, study_uid, "series", series_number)
    frame_uid = uid_for(seed, study_uid, "frame", series_number)
    for index in range(spec.slices):
        offset = (index - (spec.slices - 1) / 2) * spec.slice_thickness
        position = corner + normal * offset
        if modality == "CT":
            stored = np.clip(ct_phantom_hu(x, y, offset, extent) - HU_INTERCEPT, 0, 4095).astype(np.uint16)
        else:
            stored = mr_phantom(x, y, offset, extent).astype(np.uint16)
        ds = _base_dataset(modality, uid_for(seed, series_uid, index))
        _fill_patient_and_study(ds, patient, study_uid, study_date, study_time, accession_number, study_description)
        ds.SeriesInstanceUID = series_uid
        ds.SeriesNumber = series_number
        ds.SeriesDescription = spec.description or f"{modality} {spec.orientation.upper()}"
        ds.SeriesDate, ds.SeriesTime = study_date, study_time
        ds.ContentDate, ds.ContentTime = study_date, study_time
        ds.BodyPartExamined = spec.body_part or ("CHEST" if modality == "CT" else "HEAD")
        ds.FrameOfReferenceUID = frame_uid
        ds.PositionReferenceIndicator = ""
        ds.InstanceNumber = index + 1
        ds.ImagePositionPatient = [round(float(v), 4) for v in position]
        ds.ImageOrientationPatient = list(orientation)
        ds.PixelSpacing = [spec.pixel_spacing, spec.pixel_spacing]
        ds.SliceThickness = spec.slice_thickness
        ds.SpacingBetweenSlices = spec.slice_thickness
        ds.SliceLocation = round(float(np.dot(position, normal)), 4)
        _fill_pixels(ds, stored, modality)
        for keyword, value in extra.items():
            setattr(ds, keyword, value)
        yield ds


def _base_dataset(modality: str, sop_instance_uid: str) -> FileDataset:
    sop_class = CTImageStorage if modality == "CT" else MRImageStorage
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = UID(sop_instance_uid)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds = FileDataset("", {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_instance_uid
    ds.Modality = modality
    ds.Manufacturer = "pypacs"
    ds.ManufacturerModelName = "synthetic phantom"
    ds.InstitutionName = "pypacs demo"
    if modality == "CT":
        ds.KVP = 120
        ds.ConvolutionKernel = "STANDARD"
    else:
        ds.ScanningSequence = "SE"
        ds.SequenceVariant = "NONE"
        ds.ScanOptions = ""
        ds.MRAcquisitionType = "2D"
        ds.RepetitionTime = 500.0
        ds.EchoTime = 15.0
        ds.EchoTrainLength = 1
        ds.MagneticFieldStrength = 1.5
    return ds


def _fill_patient_and_study(ds, patient, study_uid, study_date, study_time, accession, description):  # type: ignore[no-untyped-def]
    ds.PatientName = patient.patient_name
    ds.PatientID = patient.patient_id
    ds.PatientBirthDate = patient.birth_date
    ds.PatientSex = patient.sex
    ds.StudyInstanceUID = study_uid
    ds.StudyDate, ds.StudyTime = study_date, study_time
    ds.AccessionNumber = accession
    ds.StudyID = accession[-16:] if accession else "1"
    ds.StudyDescription = description
    ds.ReferringPhysicianName = ""


def _fill_pixels(ds: FileDataset, stored: np.ndarray, modality: str) -> None:
    ds.Rows, ds.Columns = stored.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    if modality == "CT":
        ds.RescaleIntercept = HU_INTERCEPT
        ds.RescaleSlope = 1.0
        ds.RescaleType = "HU"
        ds.WindowCenter, ds.WindowWidth = 40, 400
    else:
        ds.WindowCenter, ds.WindowWidth = 500, 1000
    ds.PixelData = stored.tobytes()


def make_study(
    series: Sequence[SeriesSpec],
    *,
    patient: PatientInfo,
    seed: int = 0,
    study_date: str = "20240101",
    study_time: str = "120000",
    accession_number: str = "",
    study_description: str = "",
) -> Iterator[FileDataset]:
    """Every slice of a study of the given series, series numbered from 1."""
    study_uid = uid_for(seed, patient.patient_id, "study", study_date, accession_number)
    accession = accession_number or f"ACC{int(hashlib.sha256(study_uid.encode()).hexdigest(), 16) % 10**8:08d}"
    for number, spec in enumerate(series, start=1):
        yield from make_series(
            spec,
            patient=patient,
            study_uid=study_uid,
            series_number=number,
            study_date=study_date,
            study_time=study_time,
            accession_number=accession,
            study_description=study_description,
            seed=seed,
        )


def demo_studies(*, slices: int = 24, matrix: int = 256) -> Iterator[FileDataset]:
    """A small varied demo set: four patients, five studies, CT and MR, names in several scripts."""
    doe = PatientInfo("DEMO001", "Doe^John", "19580214", "M")
    muller = PatientInfo("DEMO002", "Müller^Jürgen", "19671103", "M")
    wang = PatientInfo("DEMO003", "Wang^Xiaoming=王^小明", "19900521", "M")
    smith = PatientInfo("DEMO004", "Smith^Jane", "19750830", "F")
    ct = SeriesSpec("CT", slices, matrix, matrix, 350 / matrix, 5.0, "CT CHEST", body_part="CHEST")
    mr_axial = SeriesSpec("MR", slices, matrix, matrix, 220 / matrix, 5.0, "T1 AXIAL", body_part="HEAD")
    mr_sagittal = SeriesSpec("MR", slices, matrix, matrix, 240 / matrix, 5.0, "T1 SAGITTAL", "sagittal", "HEAD")
    plans = [
        (doe, [ct], "20240115", "CT CHEST WITH CONTRAST", "DEMOACC01"),
        (doe, [ct], "20240612", "CT CHEST FOLLOW-UP", "DEMOACC02"),
        (muller, [mr_axial, mr_sagittal], "20240302", "MR BRAIN", "DEMOACC03"),
        (wang, [ct], "20240820", "CT THORAX", "DEMOACC04"),
        (smith, [mr_axial], "20241001", "MR HEAD", "DEMOACC05"),
    ]
    for seed, (patient, series, date, description, accession) in enumerate(plans, start=1):
        yield from make_study(
            series, patient=patient, seed=seed, study_date=date, accession_number=accession,
            study_description=description,
        )  # fmt: skip


def encode_part10(ds: FileDataset) -> bytes:
    buffer = BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


def write_datasets(datasets: Iterable[FileDataset], folder: Path) -> list[Path]:
    """Write each dataset to <folder>/<series number>/<instance number>.dcm; paths use numbers only."""
    written = []
    for ds in datasets:
        target = folder / f"series{int(ds.SeriesNumber):03d}" / f"{int(ds.InstanceNumber):05d}.dcm"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(encode_part10(ds))
        written.append(target)
    return written
