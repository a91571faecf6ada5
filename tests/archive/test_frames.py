"""Frames cut from stored files without reading the whole object: native and encapsulated, and the fallbacks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.encaps import generate_frames
from pydicom.uid import ExplicitVRBigEndian, ImplicitVRLittleEndian

from pypacs.archive import frames as frames_module
from pypacs.archive.frames import FrameNotFound, FrameReader
from pypacs.archive.service import Archive
from pypacs.config import Settings
from tests.conftest import encode, make_dataset


@pytest.fixture
def archive(sqlite_settings: Settings) -> Iterator[Archive]:
    with Archive.open(sqlite_settings) as opened:
        yield opened


def stored_key(archive: Archive, data: bytes) -> str:
    outcome = archive.store(data)
    return archive.instance_blob_key(outcome.sop_instance_uid)


def test_native_frames_of_a_multi_frame_object_are_cut_exactly(archive: Archive):
    pixels = np.arange(3 * 4 * 4, dtype=np.uint16).reshape(3, 4, 4) * 100
    ds = make_dataset(NumberOfFrames=3, PixelData=pixels.tobytes())
    key = stored_key(archive, encode(ds, ImplicitVRLittleEndian))
    for index in range(3):
        assert archive.frames.stored_frame(key, index) == pixels[index].tobytes()
    with pytest.raises(FrameNotFound, match="frame 4 does not exist: the object has 3"):
        archive.frames.stored_frame(key, 3)


@pytest.mark.parametrize(
    "name", ["SC_rgb_rle_2frame.dcm", "MR_small_jp2klossless.dcm", "emri_small_jpeg_2k_lossless.dcm"]
)
def test_encapsulated_frames_are_the_stored_bitstreams(archive: Archive, name: str):
    path = Path(get_testdata_file(name))
    ds = dcmread(path)
    count = int(ds.get("NumberOfFrames", 1) or 1)
    key = stored_key(archive, path.read_bytes())
    expected = list(generate_frames(ds.PixelData, number_of_frames=count))
    assert [archive.frames.stored_frame(key, index) for index in range(count)] == expected


def test_big_endian_is_left_to_the_decoder(archive: Archive):
    ds = make_dataset()
    key = stored_key(archive, encode(ds, ExplicitVRBigEndian))
    assert archive.frames.stored_frame(key, 0) is None


def test_a_layout_is_read_once_per_blob(archive: Archive, monkeypatch: pytest.MonkeyPatch):
    key = stored_key(archive, encode(make_dataset(NumberOfFrames=2, PixelData=bytes(64))))
    reads: list[str] = []
    original = frames_module.read_layout
    monkeypatch.setattr(
        frames_module, "read_layout", lambda blobs, blob_key: reads.append(blob_key) or original(blobs, blob_key)
    )
    reader = FrameReader(archive.blobs, capacity=1)
    reader.stored_frame(key, 0)
    reader.stored_frame(key, 1)
    assert reads == [key]
    other = stored_key(archive, encode(make_dataset()))
    reader.stored_frame(other, 0)
    reader.stored_frame(key, 0)  # pushed out by the other (capacity 1): read again
    assert reads == [key, other, key]


@pytest.mark.parametrize("syntax", [ImplicitVRLittleEndian, "1.2.840.10008.1.2.1"])
def test_a_native_layout_found_from_the_file_end_equals_the_parsed_one(sqlite_settings: Settings, syntax: str):
    pixels = np.arange(3 * 4 * 4, dtype=np.uint16).reshape(3, 4, 4)
    with Archive.open(sqlite_settings) as archive:
        key = stored_key(archive, encode(make_dataset(NumberOfFrames=3, PixelData=pixels.tobytes()), syntax))
        from_end = archive.frames.native_layout(key, syntax, 32, 3)
    assert from_end == frames_module.read_layout(archive.blobs, key)
    assert from_end is not None and from_end.frames == 3


def test_a_native_layout_with_elements_after_the_pixel_data_falls_back_to_parsing(sqlite_settings: Settings):
    pixels = np.arange(2 * 4 * 4, dtype=np.uint16).reshape(2, 4, 4)
    ds = make_dataset(NumberOfFrames=2, PixelData=pixels.tobytes())
    ds.add_new(0xFFFCFFFC, "OB", b"\0" * 8)  # Data Set Trailing Padding after the Pixel Data
    with Archive.open(sqlite_settings) as archive:
        key = stored_key(archive, encode(ds, "1.2.840.10008.1.2.1"))
        layout = archive.frames.native_layout(key, "1.2.840.10008.1.2.1", 32, 2)
        assert layout == frames_module.read_layout(archive.blobs, key)
        assert archive.frames.stored_frame(key, 1) == pixels[1].tobytes()
    # a wrong frame size from the header is not believed either
    with Archive.open(sqlite_settings) as archive:
        wrong = archive.frames.native_layout(key, "1.2.840.10008.1.2.1", 30, 2)
        assert wrong == frames_module.read_layout(archive.blobs, key)
