"""Decoders: every compressed syntax of the public test files decodes with permissively licensed code only,
12-bit JPEG Extended included (GDCM, which is lenient where libjpeg refuses)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import data_store
import gdcm
import numpy as np
import pydicom
import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file

from pypacs.imaging.pixels import decode_frame
from pypacs.imaging.render import render_frame

TEST_FILES = [Path(data_store.__file__).parent / "data", Path(pydicom.__file__).parent / "data" / "test_files"]
UNDECODABLE = {"JPEG2000-embedded-sequence-delimiter.dcm"}  # a deliberately corrupt codestream


def gdcm_decoded(path: str) -> np.ndarray:
    reader = gdcm.ImageReader()
    reader.SetFileName(path)
    assert reader.Read()
    image = reader.GetImage()
    buffer = image.GetBuffer().encode("utf-8", "surrogateescape")
    rows, columns = image.GetDimension(1), image.GetDimension(0)
    return np.frombuffer(buffer, dtype="<u2").reshape(rows, columns)


def test_a_12_bit_jpeg_extended_object_that_libjpeg_refuses_decodes_as_gdcm_decodes_it():
    path = get_testdata_file("JPEG-lossy.dcm")  # SOS with a spectral selection libjpeg calls a misplaced marker
    ds = dcmread(path)
    assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.51" and ds.BitsStored == 12
    pixels = decode_frame(ds, 0)
    assert pixels.shape == (ds.Rows, ds.Columns) and pixels.dtype == np.uint16
    assert np.array_equal(pixels, gdcm_decoded(path))
    assert 0 < pixels.max() < 4096
    assert render_frame(ds).max() > 0


def test_the_same_image_with_a_correct_sos_decodes_to_the_same_pixels():
    lenient = decode_frame(dcmread(get_testdata_file("JPEG-lossy.dcm")), 0)
    strict = decode_frame(dcmread(get_testdata_file("JPGExtended.dcm")), 0)
    assert np.array_equal(lenient, strict)


def compressed_test_files() -> list[str]:
    found = []
    for path in sorted(str(path) for folder in TEST_FILES for path in folder.glob("*.dcm")):
        try:
            ds = dcmread(path, stop_before_pixels=True)
        except Exception:
            continue
        syntax = ds.file_meta.get("TransferSyntaxUID")
        has_pixels = "PixelData" in dcmread(path, specific_tags=["PixelData"])
        if syntax is not None and syntax.is_compressed and has_pixels and path.rsplit("/", 1)[-1] not in UNDECODABLE:
            found.append(path)
    return found


def test_every_compressed_syntax_of_the_public_test_files_decodes():
    files = compressed_test_files()
    syntaxes = {str(dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID) for path in files}
    assert {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80",
            "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.5",
            } <= syntaxes  # fmt: skip
    failed = []
    for path in files:
        ds = dcmread(path)
        try:
            frame = decode_frame(ds, 0)
        except Exception as error:
            failed.append(f"{path}: {error}")
            continue
        assert frame.shape[:2] == (ds.Rows, ds.Columns), path
    assert not failed


def test_the_gpl_libjpeg_plugin_is_not_installed():
    with pytest.raises(PackageNotFoundError):
        distribution("pylibjpeg-libjpeg")
