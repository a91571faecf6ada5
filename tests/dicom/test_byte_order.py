"""Byte swapping of binary values when a big endian data set is written little endian."""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from pypacs.dicom.byte_order import swap_binary_values, swapped


def test_each_word_is_reversed_by_its_unit_and_a_partial_word_kept():
    assert swapped(bytes([1, 2, 3, 4, 5]), 2) == bytes([2, 1, 4, 3, 5])
    assert swapped(bytes(range(8)), 4) == bytes([3, 2, 1, 0, 7, 6, 5, 4])
    assert swapped(np.array([1.5], dtype=">f8").tobytes(), 8) == np.array([1.5], dtype="<f8").tobytes()


def test_pixel_data_is_swapped_by_bits_allocated_and_other_values_by_their_vr():
    ds = Dataset()
    ds.BitsAllocated = 32
    ds.add_new(0x7FE00010, "OW", np.array([1, 2], dtype=">u4").tobytes())
    ds.add_new(0x00283006, "OW", np.array([7, 8], dtype=">u2").tobytes())  # LUT Data
    ds.add_new(0x00091010, "OB", b"\x01\x02")  # bytes: kept
    item = Dataset()
    item.add_new(0x00660016, "OF", np.array([2.5], dtype=">f4").tobytes())
    ds.add_new(0x00660002, "SQ", Sequence([item]))
    swap_binary_values(ds)
    assert np.frombuffer(ds.PixelData, dtype="<u4").tolist() == [1, 2]
    assert np.frombuffer(ds[0x00283006].value, dtype="<u2").tolist() == [7, 8]
    assert ds[0x00091010].value == b"\x01\x02"
    assert np.frombuffer(ds[0x00660002].value[0][0x00660016].value, dtype="<f4").tolist() == [2.5]


def test_eight_bit_pixels_are_swapped_only_when_in_ow():
    for vr, expected in (("OW", b"\x02\x01\x04\x03"), ("OB", b"\x01\x02\x03\x04")):
        ds = Dataset()
        ds.BitsAllocated = 8
        ds.add_new(0x7FE00010, vr, b"\x01\x02\x03\x04")
        swap_binary_values(ds)
        assert ds.PixelData == expected
