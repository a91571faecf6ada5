"""Big endian data sets made ready to be written little endian: what pydicom leaves to its caller (PS3.5 7.3).

pydicom re-encodes numbers, text and tags itself when the byte order changes, but not the bytes of OW, OF, OL,
OD and OV values. This swaps them, each by the size of its unit (pixel data by Bits Allocated). Pure: datasets only.
"""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset

PIXEL_DATA = 0x7FE00010
UNIT_SIZES = {"OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}


def swap_binary_values(ds: Dataset, bits_allocated: int | None = None) -> None:
    """Byte-swap, in place, every OW/OF/OL/OD/OV value of a data set read big endian (sequence items too).

    Bits Allocated decides the unit of native pixel data: pixels of 16, 32 or 64 bits are swapped whole, 1- and
    8-bit pixels only when in OW, as 16-bit words (PS3.5 8.1.1 and 8.2). Other OB and UN values keep their bytes."""
    bits = int(ds.BitsAllocated) if ds.get("BitsAllocated") is not None else bits_allocated
    for tag in list(ds.keys()):
        element = ds[tag]
        if element.VR == "SQ":
            for item in element.value or []:
                swap_binary_values(item, bits)
            continue
        unit = UNIT_SIZES.get(element.VR)
        if tag == PIXEL_DATA and bits and bits > 8:
            unit = bits // 8  # pixels wider than a byte are big endian words, even in OB (as pydicom reads them)
        if unit is None or not isinstance(element.value, (bytes, bytearray)) or not element.value:
            continue
        element.value = swapped(bytes(element.value), unit)


def swapped(value: bytes, unit: int) -> bytes:
    """`value` with the bytes of each `unit`-byte word reversed (a trailing partial word is kept as it is)."""
    whole = len(value) - len(value) % unit
    words = np.frombuffer(value, dtype=f">u{unit}", count=whole // unit)
    return words.astype(f"<u{unit}").tobytes() + value[whole:]
