"""Re-encoding stored objects for peers that did not accept the stored transfer syntax."""

from __future__ import annotations

from io import BytesIO

import numpy as np
import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.filereader import read_dataset

from pypacs.imaging.transcode import data_set_as

IMPLICIT, EXPLICIT = "1.2.840.10008.1.2", "1.2.840.10008.1.2.1"


@pytest.mark.parametrize("syntax", [IMPLICIT, EXPLICIT])
@pytest.mark.parametrize(("compressed", "reference"), [("JPEG2000.dcm", None), ("MR_small_RLE.dcm", "MR_small.dcm")])
def test_a_compressed_object_becomes_a_native_data_set_with_the_same_pixels(
    syntax: str, compressed: str, reference: str | None
):
    stored = dcmread(get_testdata_file(compressed))
    data = open(get_testdata_file(compressed), "rb").read()  # noqa: SIM115 - test data
    converted = read_dataset(BytesIO(data_set_as(data, syntax)), syntax == IMPLICIT, True)
    assert "file_meta" not in converted.__dict__ or not converted.file_meta
    assert converted.SOPInstanceUID == stored.SOPInstanceUID and converted.PatientName == stored.PatientName
    expected = stored.pixel_array if reference is None else dcmread(get_testdata_file(reference)).pixel_array
    rows, columns = int(converted.Rows), int(converted.Columns)
    frames = int(getattr(converted, "NumberOfFrames", 1) or 1)
    dtype = np.uint16 if converted.BitsAllocated == 16 and converted.PixelRepresentation == 0 else (
        np.int16 if converted.BitsAllocated == 16 else np.uint8)  # fmt: skip
    pixels = np.frombuffer(converted.PixelData, dtype=dtype)[: rows * columns * frames]
    assert np.array_equal(pixels.reshape(expected.shape), expected)


def test_a_compressed_syntax_is_not_a_target():
    data = open(get_testdata_file("MR_small.dcm"), "rb").read()  # noqa: SIM115 - test data
    with pytest.raises(ValueError, match="not an uncompressed"):
        data_set_as(data, "1.2.840.10008.1.2.4.50")
