"""Re-encoding stored objects for peers that did not accept the stored transfer syntax."""

from __future__ import annotations

from io import BytesIO

import numpy as np
import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.encaps import encapsulate
from pydicom.filereader import read_dataset

from pypacs.imaging.pixels import PixelDataError, decode_frame, frame_count
from pypacs.imaging.transcode import data_set_as, to_explicit_little_endian

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


BIG_ENDIAN_AND_LITTLE = [
    ("MR_small_bigendian.dcm", "MR_small.dcm"),  # 16-bit OW
    ("rtdose_expb.dcm", "rtdose.dcm"),  # 32-bit, multi-frame, sequences
    ("SC_rgb_expb_16bit.dcm", "SC_rgb_16bit.dcm"),  # 16-bit colour in OB
    ("SC_rgb_expb_32bit_2frame.dcm", "SC_rgb_32bit_2frame.dcm"),
    ("OBXXXX1A_expb.dcm", "OBXXXX1A.dcm"),  # 8-bit in OW: swapped as 16-bit words
    ("SC_rgb_small_odd_big_endian.dcm", "SC_rgb_small_odd.dcm"),
    ("liver_expb.dcm", "liver.dcm"),  # 1-bit
]


@pytest.mark.parametrize(("big", "little"), BIG_ENDIAN_AND_LITTLE)
def test_explicit_big_endian_becomes_little_endian_with_the_pixels_of_the_little_endian_original(big: str, little: str):
    data = open(get_testdata_file(big), "rb").read()  # noqa: SIM115 - test data
    converted = dcmread(BytesIO(to_explicit_little_endian(data)))
    reference = dcmread(get_testdata_file(little))
    assert converted.file_meta.TransferSyntaxUID == EXPLICIT
    assert converted.SOPInstanceUID == dcmread(get_testdata_file(big)).SOPInstanceUID
    for index in range(frame_count(reference)):
        assert np.array_equal(decode_frame(converted, index), decode_frame(reference, index))


def test_big_endian_numbers_text_and_sequences_keep_their_values():
    data = open(get_testdata_file("rtdose_expb.dcm"), "rb").read()  # noqa: SIM115 - test data
    original = dcmread(BytesIO(data))
    converted = dcmread(BytesIO(to_explicit_little_endian(data)))
    assert converted.GridFrameOffsetVector == original.GridFrameOffsetVector
    assert converted.DoseGridScaling == original.DoseGridScaling
    assert converted.Rows == original.Rows and converted.PatientName == original.PatientName
    item, converted_item = original.ReferencedRTPlanSequence[0], converted.ReferencedRTPlanSequence[0]
    assert converted_item.ReferencedSOPInstanceUID == item.ReferencedSOPInstanceUID


@pytest.mark.parametrize("syntax", [IMPLICIT, EXPLICIT])
def test_a_big_endian_object_becomes_a_little_endian_data_set_for_a_peer(syntax: str):
    data = open(get_testdata_file("MR_small_bigendian.dcm"), "rb").read()  # noqa: SIM115 - test data
    converted = read_dataset(BytesIO(data_set_as(data, syntax)), syntax == IMPLICIT, True)
    expected = dcmread(get_testdata_file("MR_small.dcm")).pixel_array
    assert np.array_equal(np.frombuffer(converted.PixelData, dtype="<i2").reshape(expected.shape), expected)


def test_an_object_that_cannot_be_decoded_is_a_pixel_data_error():
    ds = dcmread(get_testdata_file("JPEG2000.dcm"))
    ds.PixelData = encapsulate([b"not a JPEG 2000 codestream"])
    out = BytesIO()
    ds.save_as(out)
    with pytest.raises(PixelDataError, match="cannot convert JPEG 2000"):
        to_explicit_little_endian(out.getvalue())
