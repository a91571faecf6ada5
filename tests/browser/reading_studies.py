"""The studies the reading-page browser tests open, stored in one archive: the real GE head CT (a synthetic CT
without it), three series sharing a Frame of Reference (sync and reference lines), colour, palette, multi-frame
and MONOCHROME1 images, odd objects (no pixels, no spacing, another size, a frame no one can decode) and objects
in transfer syntaxes the browser may or may not decode."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydicom import Dataset, dcmread
from pydicom.data import get_testdata_file
from pydicom.encaps import encapsulate, generate_fragments
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from pypacs.archive.service import Archive
from pypacs.synthetic import PatientInfo, SeriesSpec, encode_part10, make_study
from tests.conftest import SHARED_CT, encode, make_dataset

CT_SLICES = 28  # as many as the GE head CT has
# pydicom's test files a reader may meet, one study each: the loader decodes some, the server the others.
SYNTAX_FILES = ["JPEG-lossy.dcm", "image_dfl.dcm", "ExplVR_BigEnd.dcm", "MR_small_RLE.dcm", "SC_rgb_jpeg_gdcm.dcm",
                "JPEG2000.dcm", "JPEGLSNearLossless_16.dcm", "SC_rgb_dcmtk_+eb+cy+s2.dcm",
                "SC_rgb_rle_32bit.dcm"]  # fmt: skip
SERVER_DECODED = {"SC_rgb_rle_32bit.dcm"}  # the image loader's RLE decoder has no 32-bit samples


@dataclass
class ReadingStudies:
    ct: str  # the study UID of the head CT
    ct_files: list[Path | Dataset]  # in instance number order
    sync: str  # two axial series and a sagittal one, one Frame of Reference
    sync_series: list[str]
    pictures: str  # colour, palette, multi-frame, MONOCHROME1: one series each
    pictures_series: dict[str, str] = field(default_factory=dict)  # name -> series UID
    odd: str = ""
    syntaxes: dict[str, str] = field(default_factory=dict)  # file name -> study UID


def _encoded(dataset: Dataset) -> bytes:
    buffer = io.BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _renamed(dataset: Dataset, study: str, patient: str, series: str | None = None, number: int = 1) -> Dataset:
    dataset.StudyInstanceUID = study
    dataset.SeriesInstanceUID = series or generate_uid()
    dataset.SOPInstanceUID = dataset.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    dataset.PatientID, dataset.PatientName = patient, f"Reading^{patient}"
    dataset.SeriesNumber = number
    return dataset


def _head_ct(archive: Archive) -> tuple[str, list[Path | Dataset]]:
    if SHARED_CT.exists():
        paths = sorted(SHARED_CT.glob("*.dcm"),
                       key=lambda path: int(dcmread(path, stop_before_pixels=True).InstanceNumber))  # fmt: skip
        for path in paths:
            archive.store(path.read_bytes())
        return str(dcmread(paths[0], stop_before_pixels=True).StudyInstanceUID), list(paths)
    spec = SeriesSpec("CT", CT_SLICES, 256, 256, 0.9, 5.0, "HEAD", body_part="HEAD")
    slices = list(make_study([spec], seed=5, patient=PatientInfo("HEADCT", "Head^Synthetic")))
    for dataset in slices:
        archive.store(encode_part10(dataset))
    return str(slices[0].StudyInstanceUID), list(slices)


def _sync_study(archive: Archive) -> tuple[str, list[str]]:
    specs = [SeriesSpec("CT", 20, 128, 128, 2.0, 5.0, "AXIAL 5MM"),
             SeriesSpec("CT", 40, 128, 128, 2.0, 2.5, "AXIAL 2.5MM"),
             SeriesSpec("CT", 32, 128, 128, 2.0, 3.0, "SAGITTAL", orientation="sagittal")]  # fmt: skip
    frame = generate_uid()
    series: list[str] = []
    for dataset in make_study(specs, seed=11, patient=PatientInfo("SYNC01", "Sync^Sam")):
        dataset.FrameOfReferenceUID = frame
        archive.store(encode_part10(dataset))
        if str(dataset.SeriesInstanceUID) not in series:
            series.append(str(dataset.SeriesInstanceUID))
    return str(dataset.StudyInstanceUID), series


def monochrome1(study: str) -> Dataset:
    """A CR whose stored values are low in the middle: MONOCHROME1 shows the middle bright."""
    values = np.full((256, 256), 3000, dtype=np.uint16)
    values[64:192, 64:192] = 200
    dataset = make_dataset(Modality="CR", SOPClassUID="1.2.840.10008.5.1.4.1.1.1", Rows=256, Columns=256,
                           PhotometricInterpretation="MONOCHROME1", BitsStored=12, HighBit=11,
                           PixelData=values.tobytes(), ImagerPixelSpacing=[0.2, 0.2], WindowCenter=1600,
                           WindowWidth=3200, StudyInstanceUID=study, PatientID="PICT01",
                           PatientName="Reading^PICT01", SeriesNumber=4, SeriesDescription="MONOCHROME1")  # fmt: skip
    return dataset


def _pictures_study(archive: Archive) -> tuple[str, dict[str, str]]:
    study = generate_uid()
    series: dict[str, str] = {}
    for number, (name, file) in enumerate([("ybr cine", "examples_ybr_color.dcm"), ("palette", "examples_palette.dcm"),
                                           ("rgb", "examples_rgb_color.dcm")], start=1):  # fmt: skip
        dataset = _renamed(dcmread(get_testdata_file(file)), study, "PICT01", number=number)
        archive.store(_encoded(dataset))
        series[name] = str(dataset.SeriesInstanceUID)
    cr = monochrome1(study)
    archive.store(encode(cr))
    series["monochrome1"] = str(cr.SeriesInstanceUID)
    return study, series


def undecodable() -> Dataset:
    """A JPEG-LS MR slice whose frame is garbage behind a valid encapsulation: no decoder can read it."""
    dataset = dcmread(get_testdata_file("MR_small_jpeg_ls_lossless.dcm"))
    fragment = next(generate_fragments(dataset.PixelData))
    dataset.PixelData = encapsulate([fragment[:4] + bytes(range(256)) * 4])
    return dataset


def odd_series(study: str) -> Iterator[Dataset]:
    """One series of five objects: a CT image, an object without pixels, an image without pixel spacing, one of
    another size, one whose frame cannot be decoded; instance numbers 1 to 5 in that order."""
    common = {"StudyInstanceUID": study, "SeriesInstanceUID": generate_uid(), "PatientID": "ODD01",
              "PatientName": "Odd^Olga", "SeriesDescription": "ODD", "FrameOfReferenceUID": generate_uid()}  # fmt: skip
    square = np.zeros((64, 64), dtype=np.uint16)
    square[16:48, 16:48] = 1000
    image = {"Rows": 64, "Columns": 64, "PixelData": square.tobytes(), "RescaleIntercept": -1024, "RescaleSlope": 1,
             "ImageOrientationPatient": [1, 0, 0, 0, 1, 0], "WindowCenter": 0, "WindowWidth": 2000}  # fmt: skip
    yield make_dataset(**common, **image, InstanceNumber=1, PixelSpacing=[0.5, 0.5], ImagePositionPatient=[0, 0, 0])
    no_pixels = dict.fromkeys(("Rows", "Columns", "PixelData", "SamplesPerPixel", "BitsAllocated", "BitsStored",
                               "HighBit", "PixelRepresentation", "PhotometricInterpretation"))  # fmt: skip
    yield make_dataset(**common, **no_pixels, InstanceNumber=2, SOPClassUID="1.2.840.10008.5.1.4.1.1.88.11")
    yield make_dataset(**common, **image, InstanceNumber=3, ImagePositionPatient=[0, 0, 1])
    bigger = {**image, "Rows": 128, "Columns": 96, "PixelData": np.full((128, 96), 1100, np.uint16).tobytes()}
    yield make_dataset(**common, **bigger, InstanceNumber=4, PixelSpacing=[0.5, 0.5], ImagePositionPatient=[0, 0, 2])
    broken = undecodable()
    broken.update({k: v for k, v in make_dataset(**common).items() if k.group > 0x0008 and k.group < 0x0028})
    broken.StudyInstanceUID, broken.SeriesInstanceUID = study, common["SeriesInstanceUID"]
    broken.SOPInstanceUID = broken.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    broken.InstanceNumber = 5
    yield broken


def fill(archive: Archive) -> ReadingStudies:
    ct, files = _head_ct(archive)
    sync, sync_series = _sync_study(archive)
    pictures, pictures_series = _pictures_study(archive)
    odd = generate_uid()
    for dataset in odd_series(odd):
        archive.store(_encoded(dataset) if dataset.file_meta.TransferSyntaxUID != ExplicitVRLittleEndian
                      else encode(dataset))  # fmt: skip
    syntaxes = {}
    for name in SYNTAX_FILES:
        dataset = _renamed(dcmread(get_testdata_file(name)), generate_uid(), "SYNTAX")
        archive.store(_encoded(dataset))
        syntaxes[name] = str(dataset.StudyInstanceUID)
    return ReadingStudies(ct, files, sync, sync_series, pictures, pictures_series, odd, syntaxes)
