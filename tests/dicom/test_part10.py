"""Reading objects from bytes: Part 10 files, bare datasets, and the truncation pydicom itself ignores."""

from __future__ import annotations

from io import BytesIO

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import ImplicitVRLittleEndian

from pypacs.dicom.part10 import InvalidPart10, data_set_offset, encode_part10, read_object
from tests.conftest import encode, make_dataset


def test_a_complete_part10_file_is_read_unchanged():
    data = encode(make_dataset(PatientName="Ok^Fine"))
    ds, same = read_object(data)
    assert same == data and str(ds.PatientName) == "Ok^Fine"


def test_a_bare_dataset_is_accepted_and_given_a_file_meta_header():
    ds = make_dataset()
    data = encode(ds, ImplicitVRLittleEndian)
    bare = data[data.index(b"DICM") + 4 :]  # strip preamble and meta: an old style file
    bare = bare[bare.index(b"\x08\x00") :]
    parsed, part10 = read_object(bare)
    assert part10[128:132] == b"DICM"
    assert parsed.SOPInstanceUID == ds.SOPInstanceUID


@pytest.mark.parametrize("cut", [1, 10, 31])
def test_truncated_pixel_data_is_detected(cut: int):
    data = encode(make_dataset())
    with pytest.raises(InvalidPart10, match="truncated"):
        read_object(data[:-cut])


def test_pixel_data_shorter_than_the_image_size_is_detected():
    with pytest.raises(InvalidPart10, match="pixel data has 8 bytes"):
        read_object(encode(make_dataset(PixelData=bytes(8))))


def test_garbage_and_empty_input_are_not_dicom():
    with pytest.raises(InvalidPart10, match="not a DICOM file"):
        read_object(bytes(range(256)) * 4)
    with pytest.raises(InvalidPart10, match="empty"):
        read_object(b"")


def test_encode_part10_adds_meta_to_a_dataset_without_one():
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = "1.2.3.4"
    ds.StudyInstanceUID = "1.2.3"
    ds.SeriesInstanceUID = "1.2.3.1"
    data = encode_part10(ds)
    parsed, _ = read_object(data)
    assert parsed.file_meta.MediaStorageSOPInstanceUID == "1.2.3.4"


def test_the_data_set_offset_is_found_without_trusting_the_group_length():
    data = encode(make_dataset(PatientName="Off^Set"))
    offset = data_set_offset(data)
    assert data[offset : offset + 2] == b"\x08\x00"  # the first element of the data set, group 0008
    assert dcmread(BytesIO(data)).file_meta.FileMetaInformationGroupLength == offset - 144
    wrong_length = data[:140] + (1).to_bytes(4, "little") + data[144:]  # a lying group length changes nothing
    assert data_set_offset(wrong_length) == offset


def test_bytes_without_dicm_have_no_data_set_offset():
    with pytest.raises(InvalidPart10, match="DICM"):
        data_set_offset(b"\x00" * 200)
