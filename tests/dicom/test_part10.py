"""Reading objects from bytes: Part 10 files, bare datasets, and the truncation pydicom itself ignores."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.uid import ImplicitVRLittleEndian, JPEGBaseline8Bit

from pypacs.dicom.part10 import InvalidPart10, data_set_offset, encode_part10, read_object, read_object_file
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


def replace_element(data: bytes, header: bytes, new_element: bytes, old_length: int) -> bytes:
    index = data.index(header)
    return data[:index] + new_element + data[index + len(header) + old_length :]


def test_a_value_of_an_impossible_length_for_its_vr_is_named():
    data = encode(make_dataset())
    bad = replace_element(data, b"\x28\x00\x10\x00US\x02\x00", b"\x28\x00\x10\x00US\x03\x00\x04\x00\x00", 2)
    with pytest.raises(InvalidPart10, match=r"element \(0028,0010\) US has 3 bytes, not a multiple of the 2"):
        read_object(bad)


def encapsulated(**attributes: object) -> bytes:
    ds = make_dataset(**attributes)
    ds.PixelData = encapsulate([b"\xff\xd8" + bytes(1000) + b"\xff\xd9"])
    ds["PixelData"].VR = "OB"
    return encode(ds, JPEGBaseline8Bit)


@pytest.mark.parametrize("cut", [4, 8, 100, 1003, 1020])
def test_truncated_encapsulated_pixel_data_is_called_truncated(cut: int):
    data = encapsulated()
    read_object(data)  # whole: fine
    with pytest.raises(InvalidPart10, match="truncated file: .*\\(7FE0,0010\\)"):
        read_object(data[:-cut])


def test_a_truncated_sequence_of_undefined_length_is_detected_inside_its_items():
    reference = {"ReferencedSOPClassUID": "1.2.3", "ReferencedSOPInstanceUID": "1.2.3.4"}
    ds = make_dataset(ReferencedImageSequence=[reference])
    ds.ReferencedImageSequence.is_undefined_length = True
    ds.ReferencedImageSequence[0].is_undefined_length_sequence_item = True
    del ds.PixelData
    data = encode(ds)
    read_object(data)
    with pytest.raises(InvalidPart10, match="truncated file"):
        read_object(data[:-12])


@pytest.mark.parametrize("name", ["SC_rgb_jpeg.dcm", "JPEG2000.dcm", "rtdose.dcm", "nested_priv_SQ.dcm"])
def test_real_files_with_odd_encodings_pass_the_structure_check(name: str):
    # SC_rgb_jpeg: Implicit VR under an explicit syntax and a fragment length 4 bytes too long (pydicom reads it)
    data = open(get_testdata_file(name), "rb").read()  # noqa: SIM115 - test data
    ds = dcmread(BytesIO(data))
    if "SOPInstanceUID" in ds:
        read_object(data)
    else:
        with pytest.raises(InvalidPart10, match="missing required"):
            read_object(data)


@pytest.mark.parametrize(
    ("uid", "reason"),
    [
        ("../../../../tmp/pwn", "is not a UID"),
        ("/tmp/pwn", "is not a UID"),
        ("1.2/../../x", "is not a UID"),
        ("1.2.3\x004", "is not a UID"),
        ("1.2..3", "is not a UID"),
        ("1.2.3.", "is not a UID"),
        ("1." + "2" * 63, "longer than 64 bytes"),
        ("1.2.840.ABC", "is not a UID"),
    ],
)
def test_uids_that_are_not_digits_and_dots_or_too_long_are_refused(uid: str, reason: str):
    for keyword in ("SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID", "SOPClassUID"):
        with pytest.raises(InvalidPart10, match=f"{keyword} .*{reason}"):
            read_object(encode(make_dataset(**{keyword: uid})))


def test_a_multi_valued_uid_is_refused():
    with pytest.raises(InvalidPart10, match="StudyInstanceUID has 2 values"):
        read_object(encode(make_dataset(StudyInstanceUID=["1.2.3", "4.5"])))


def test_lenient_uids_accept_legacy_letters_but_never_separators():
    legacy = "1.2.840.113619.ABC-01_x"
    ds, _ = read_object(encode(make_dataset(SOPInstanceUID=legacy)), lenient_uids=True)
    assert ds.SOPInstanceUID == legacy
    for uid in ("/tmp/pwn", "1.2/../../x", "..", "1.2.3\x004", "a b", "1." + "2" * 63):
        with pytest.raises(InvalidPart10):
            read_object(encode(make_dataset(SOPInstanceUID=uid)), lenient_uids=True)


def test_the_preamble_is_zeroed_and_the_rest_kept():
    data = encode(make_dataset())
    polyglot = b"MZ\x90\x00" + bytes(range(124)) + data[128:]  # an executable header in the preamble
    _ds, stored = read_object(polyglot)
    assert stored == bytes(128) + data[128:]
    assert read_object(data)[1] is data  # already zero: the same bytes, not copied


def test_a_bare_data_set_keeps_its_bytes_group_lengths_included():
    ds = make_dataset()
    data = encode(ds, ImplicitVRLittleEndian)
    bare = data[data_set_offset(data) :]
    group_length = b"\x08\x00\x00\x00\x04\x00\x00\x00" + (1234).to_bytes(4, "little")  # (0008,0000), retired
    bare = group_length + bare
    parsed, stored = read_object(bare)
    assert stored.endswith(bare) and stored[:128] == bytes(128) and stored[128:132] == b"DICM"
    meta = dcmread(BytesIO(stored)).file_meta
    assert meta.TransferSyntaxUID == ImplicitVRLittleEndian and meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert data_set_offset(stored) == len(stored) - len(bare)


def test_a_large_object_in_a_file_is_read_without_loading_its_pixel_data(tmp_path: Path):
    pixels = bytes(range(256)) * (4 * 1024 * 1024 // 256)  # 4 MiB, over DEFER_SIZE
    data = encode(make_dataset(Rows=1024, Columns=2048, PixelData=pixels))
    path = tmp_path / "big.dcm"
    path.write_bytes(b"II*\x00" + data[4:])  # with a TIFF header in the preamble
    ds = read_object_file(path)
    assert ds.get_item("PixelData", keep_deferred=True).value is None  # left in the file
    assert path.read_bytes() == bytes(128) + data[128:]
    path.write_bytes(data[:-10])
    with pytest.raises(InvalidPart10, match=r"truncated file: element \(7FE0,0010\) has"):
        read_object_file(path)
