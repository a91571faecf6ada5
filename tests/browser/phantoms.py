"""Synthetic images whose measurements are known, for the viewer's measurement tests: a CT phantom (Pixel Spacing
0.5 mm, HU after Rescale Intercept -1024) with a uniform square and a noisy disc, and two images calibrated less
well (no spacing at all; Imager Pixel Spacing only). Each object is a complete Part 10 dataset."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    CTImageStorage,
    DigitalXRayImageStorageForPresentation,
    ExplicitVRLittleEndian,
    SecondaryCaptureImageStorage,
    generate_uid,
)

CT_SIZE = 512
CT_SPACING = 0.5  # mm
BACKGROUND_HU = -1000
INTERCEPT = -1024
# The square: columns and rows [SQUARE_START, SQUARE_END) in pixel indices, so its edges are at these image
# coordinates ([0, 0] the top left corner of the top left pixel).
SQUARE_START, SQUARE_END = 156, 256
SQUARE_HU = 60
# The disc: centre and radius in image coordinates, values drawn from a normal distribution.
DISC_CENTRE, DISC_RADIUS = (360.0, 360.0), 50.0
DISC_MEAN, DISC_SD = 40.0, 10.0
CT_SLICES = 3
SMALL_SIZE = 256
SMALL_SQUARE = (78, 178)  # pixel indices [start, end) of the square in the small images
IMAGER_SPACING = 0.2  # mm


@dataclass
class Phantom:
    study: str
    ct_series: str
    ct_sops: list[str]
    ct_pixels: np.ndarray  # HU, rows x columns
    plain_series: str  # no pixel spacing
    imager_series: str  # Imager Pixel Spacing only
    datasets: list[Dataset]

    def disc_mean(self) -> float:
        return float(self.ct_pixels[disc_mask()].mean())

    def disc_sd(self) -> float:
        return float(self.ct_pixels[disc_mask()].std())


def disc_mask(size: int = CT_SIZE) -> np.ndarray:
    rows, columns = np.mgrid[0:size, 0:size] + 0.5  # pixel centres
    return np.hypot(columns - DISC_CENTRE[0], rows - DISC_CENTRE[1]) <= DISC_RADIUS


def ct_hu(seed: int = 7) -> np.ndarray:
    hu = np.full((CT_SIZE, CT_SIZE), BACKGROUND_HU, dtype=np.int32)
    hu[SQUARE_START:SQUARE_END, SQUARE_START:SQUARE_END] = SQUARE_HU
    mask = disc_mask()
    noise = np.random.default_rng(seed).normal(DISC_MEAN, DISC_SD, size=int(mask.sum()))
    hu[mask] = np.round(noise).astype(np.int32)
    return hu


def _dataset(sop_class: str, modality: str, study: str, series: str, number: int, patient: dict[str, str]) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = sop_class
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.Modality = modality
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.StudyDate, ds.StudyTime, ds.StudyID, ds.AccessionNumber = "20250301", "101500", "1", "MEASURE1"
    ds.StudyDescription = "MEASUREMENT PHANTOM"
    ds.ReferringPhysicianName = ""
    ds.PatientName, ds.PatientID = patient["name"], patient["id"]
    ds.PatientBirthDate, ds.PatientSex = "19700101", "O"
    ds.SeriesNumber = number
    ds.Manufacturer = "pypacs tests"
    return ds


def _pixels(ds: Dataset, stored: np.ndarray) -> None:
    ds.Rows, ds.Columns = stored.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = stored.astype(np.uint16).tobytes()


def ct_series(study: str, patient: dict[str, str], hu: np.ndarray) -> list[Dataset]:
    series, frame = generate_uid(), generate_uid()
    datasets = []
    for index in range(CT_SLICES):
        ds = _dataset(CTImageStorage, "CT", study, series, 1, patient)
        ds.SeriesDescription = "PHANTOM CT"
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.InstanceNumber = index + 1
        ds.FrameOfReferenceUID, ds.PositionReferenceIndicator = frame, ""
        ds.ImagePositionPatient = [-127.75, -127.75, 5.0 * index]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = [CT_SPACING, CT_SPACING]
        ds.SliceThickness, ds.SliceLocation = 5.0, 5.0 * index
        ds.KVP = 120
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = INTERCEPT, 1, "HU"
        ds.WindowCenter, ds.WindowWidth = 40, 400
        region = Dataset()
        region.CodeValue, region.CodingSchemeDesignator, region.CodeMeaning = "818981001", "SCT", "Abdomen"
        ds.AnatomicRegionSequence = Sequence([region])
        _pixels(ds, hu - INTERCEPT)
        datasets.append(ds)
    return datasets


def small_square() -> np.ndarray:
    stored = np.full((SMALL_SIZE, SMALL_SIZE), 100, dtype=np.int32)
    start, end = SMALL_SQUARE
    stored[start:end, start:end] = 900
    return stored


def plain_image(study: str, patient: dict[str, str]) -> Dataset:
    """A secondary capture without any pixel spacing: sizes in pixels."""
    ds = _dataset(SecondaryCaptureImageStorage, "OT", study, generate_uid(), 2, patient)
    ds.SeriesDescription = "NO SPACING"
    ds.ConversionType = "WSD"
    ds.InstanceNumber = 1
    _pixels(ds, small_square())
    return ds


def imager_image(study: str, patient: dict[str, str]) -> Dataset:
    """A projection radiograph with Imager Pixel Spacing only: sizes at the detector."""
    ds = _dataset(DigitalXRayImageStorageForPresentation, "DX", study, generate_uid(), 3, patient)
    ds.SeriesDescription = "DX IMAGER SPACING"
    ds.PresentationIntentType = "FOR PRESENTATION"
    ds.InstanceNumber = 1
    ds.ImagerPixelSpacing = [IMAGER_SPACING, IMAGER_SPACING]
    ds.WindowCenter, ds.WindowWidth = 500, 1000
    _pixels(ds, small_square())
    return ds


def measurement_phantom() -> Phantom:
    study = generate_uid()
    patient = {"name": "Phantom^Measure", "id": "PHANTOM1"}
    hu = ct_hu()
    ct = ct_series(study, patient, hu)
    plain, imager = plain_image(study, patient), imager_image(study, patient)
    return Phantom(
        study=study, ct_series=str(ct[0].SeriesInstanceUID), ct_sops=[str(ds.SOPInstanceUID) for ds in ct],
        ct_pixels=hu, plain_series=str(plain.SeriesInstanceUID), imager_series=str(imager.SeriesInstanceUID),
        datasets=[*ct, plain, imager],
    )  # fmt: skip
