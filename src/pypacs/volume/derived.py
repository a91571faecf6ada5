"""Reconstructions as new DICOM objects, so any PACS or viewer shows them later: planes and slabs as derived
CT/MR images with their geometry (position, orientation, spacing), renderings as secondary captures.

Pure: a source image's header, pictures and geometry in, pydicom data sets out (the caller stores them through the
archive's one ingest path).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    UID,
    CTImageStorage,
    ExplicitVRLittleEndian,
    MRImageStorage,
    SecondaryCaptureImageStorage,
    generate_uid,
)

from pypacs import __version__
from pypacs.volume.reslice import Plane

MPR_SERIES_NUMBER = 9910  # the series numbers of what pypacs reconstructs: planes and slabs
RENDERING_SERIES_NUMBER = 9911  # renderings (VR, SSD, MIP along rays, CPR, endoscopy)
PATIENT_AND_STUDY = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyInstanceUID", "StudyDate",
                     "StudyTime", "AccessionNumber", "ReferringPhysicianName", "StudyID", "StudyDescription",
                     "SpecificCharacterSet")  # fmt: skip
MR_TYPE_1 = {"ScanningSequence": "RM", "SequenceVariant": "NONE"}  # what an MR image must have when the source lacks it
MR_TYPE_2 = ("ScanOptions", "MRAcquisitionType", "RepetitionTime", "EchoTime", "EchoTrainLength")


def _base(source: Dataset, sop_class: str, series_uid: str, series_number: int, number: int, description: str,
          modality: str) -> Dataset:  # fmt: skip
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = UID(sop_class)
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    for keyword in PATIENT_AND_STUDY:
        setattr(ds, keyword, source.get(keyword, ""))
    if not ds.SpecificCharacterSet:
        ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.Modality = modality
    ds.SeriesInstanceUID = series_uid
    ds.SeriesNumber = series_number
    ds.SeriesDescription = description[:64]
    ds.InstanceNumber = number
    now = datetime.now()
    ds.SeriesDate = ds.ContentDate = now.strftime("%Y%m%d")
    ds.SeriesTime = ds.ContentTime = now.strftime("%H%M%S")
    ds.Manufacturer = "pypacs"
    ds.ManufacturerModelName = "pypacs 3D"
    ds.SoftwareVersions = __version__
    ds.DerivationDescription = description[:1024]
    ds.BurnedInAnnotation = "NO"
    return ds


def plane_images(source: Dataset, planes: Sequence[tuple[Plane, np.ndarray]], thickness: float, description: str,
                 window: tuple[float, float] | None, kind: str = "MPR") -> list[Dataset]:  # fmt: skip
    """One derived image per plane (modality values in float32), in the source's modality (CT and MR as CT or MR
    Image Storage, anything else as a secondary capture), each placed by its plane (Image Position and Orientation
    (Patient), Pixel Spacing, Slice Thickness) in the source's Frame of Reference; one new series."""
    modality = str(source.get("Modality", "OT"))
    sop_class = {"CT": CTImageStorage, "MR": MRImageStorage}.get(modality, SecondaryCaptureImageStorage)
    series_uid = generate_uid()
    images = []
    for number, (plane, values) in enumerate(planes, start=1):
        ds = _base(source, sop_class, series_uid, MPR_SERIES_NUMBER, number, description, modality)
        ds.ImageType = ["DERIVED", "SECONDARY", kind]
        ds.FrameOfReferenceUID = source.get("FrameOfReferenceUID", "") or generate_uid()
        ds.PositionReferenceIndicator = ""
        ds.ImagePositionPatient = [round(float(v), 5) for v in plane.origin]
        ds.ImageOrientationPatient = [round(float(v), 6) for v in (*plane.right, *plane.down)]
        ds.PixelSpacing = [round(plane.row_spacing, 6), round(plane.column_spacing, 6)]
        ds.SliceThickness = round(float(thickness), 4)
        if modality == "CT":
            ds.KVP = source.get("KVP", "")
            ds.AcquisitionNumber = source.get("AcquisitionNumber", "")
        if modality == "MR":
            for keyword, value in MR_TYPE_1.items():
                setattr(ds, keyword, source.get(keyword, value))
            for keyword in MR_TYPE_2:
                setattr(ds, keyword, source.get(keyword, ""))
        if sop_class == SecondaryCaptureImageStorage:
            ds.ConversionType = "WSD"
        _put_values(ds, values)
        if window is not None:
            ds.WindowCenter, ds.WindowWidth = round(window[0], 3), round(max(window[1], 1.0), 3)
        images.append(ds)
    return images


def _put_values(ds: Dataset, values: np.ndarray) -> None:
    """Modality values as signed 16-bit stored values with a rescale that keeps them (slope 1 when they are whole
    numbers within range)."""
    finite = np.nan_to_num(values.astype(np.float64), nan=float(np.nanmin(values)) if np.isfinite(values).any() else 0)
    low, high = float(finite.min()), float(finite.max())
    whole = np.allclose(finite, np.round(finite), atol=1e-3)
    if whole and -32768 <= low and high <= 32767:
        slope, intercept = 1.0, 0.0
    else:
        intercept = (low + high) / 2
        slope = max((high - low) / 65000.0, 1e-6)
    stored = np.clip(np.round((finite - intercept) / slope), -32768, 32767).astype(np.int16)
    ds.Rows, ds.Columns = stored.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.RescaleIntercept, ds.RescaleSlope = round(intercept, 6), round(slope, 9)
    ds.RescaleType = "HU" if ds.Modality == "CT" else "US"
    ds.PixelData = stored.tobytes()


def captures(source: Dataset, pictures: Sequence[np.ndarray], description: str, kind: str) -> list[Dataset]:
    """One secondary capture per picture (8-bit RGB (rows, columns, 3) or greyscale (rows, columns)): what has no
    place in patient space (renderings, CPR); one new series."""
    series_uid = generate_uid()
    images = []
    for number, picture in enumerate(pictures, start=1):
        ds = _base(source, SecondaryCaptureImageStorage, series_uid, RENDERING_SERIES_NUMBER, number, description,
                   str(source.get("Modality", "OT")))  # fmt: skip
        ds.ImageType = ["DERIVED", "SECONDARY", kind]
        ds.ConversionType = "WSD"
        ds.Rows, ds.Columns = picture.shape[:2]
        ds.BitsAllocated = ds.BitsStored = 8
        ds.HighBit = 7
        ds.PixelRepresentation = 0
        if picture.ndim == 3:
            ds.SamplesPerPixel = 3
            ds.PhotometricInterpretation = "RGB"
            ds.PlanarConfiguration = 0
        else:
            ds.SamplesPerPixel = 1
            ds.PhotometricInterpretation = "MONOCHROME2"
        ds.PixelData = np.ascontiguousarray(picture, dtype=np.uint8).tobytes()
        images.append(ds)
    return images
