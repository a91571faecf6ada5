"""Sequence nesting limit: objects and identifiers nesting more than 64 sequences deep are refused clearly."""

from __future__ import annotations

import struct

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.sequence import Sequence

from pypacs.archive.errors import InvalidQuery
from pypacs.archive.query import QueryRequest, plan_query
from pypacs.dicom.levels import Level, Root
from pypacs.dicom.nesting import TooDeeplyNested, check_sequence_depth
from pypacs.dicom.part10 import InvalidPart10, read_object
from tests.conftest import encode, make_dataset

_UNDEFINED = 0xFFFFFFFF


def nested_content_sequences(depth: int) -> bytes:
    """Explicit VR little endian bytes of ContentSequence items nested `depth` deep (written without pydicom,
    whose writer recurses)."""
    inner = struct.pack("<HH", 0x0008, 0x0100) + b"SH" + struct.pack("<H", 2) + b"1 "
    for _ in range(depth):
        inner = (
            struct.pack("<HH", 0x0040, 0xA730) + b"SQ\0\0" + struct.pack("<I", _UNDEFINED)
            + struct.pack("<HHI", 0xFFFE, 0xE000, _UNDEFINED) + inner + struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
            + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
        )  # fmt: skip
    return inner


def object_with_depth(depth: int) -> bytes:
    ds = make_dataset()
    del ds.PixelData  # ContentSequence (0040,A730) is appended as the last element
    return encode(ds) + nested_content_sequences(depth)


def test_sixty_four_levels_are_accepted():
    ds, _ = read_object(object_with_depth(64))
    depth, item = 0, ds
    while "ContentSequence" in item:
        item, depth = item.ContentSequence[0], depth + 1
    assert depth == 64 and item.CodeValue == "1"


@pytest.mark.parametrize("depth", [65, 300, 20000])
def test_deeper_objects_are_refused_with_a_reason(depth: int):
    with pytest.raises(InvalidPart10, match="sequences nest more than 64 levels deep"):
        read_object(object_with_depth(depth))


def test_the_check_walks_datasets_built_in_memory():
    top = item = Dataset()
    for _ in range(3):
        child = Dataset()
        item.ContentSequence = Sequence([child])
        item = child
    check_sequence_depth(top, limit=3)
    with pytest.raises(TooDeeplyNested, match=r"\(0040,A730\)"):
        check_sequence_depth(top, limit=2)


def test_a_query_identifier_nesting_too_deep_is_an_invalid_query():
    raw = DicomBytesIO(struct.pack("<HH", 0x0008, 0x0052) + b"CS" + struct.pack("<H", 6) + b"STUDY "
                       + nested_content_sequences(70))  # fmt: skip
    raw.is_little_endian, raw.is_implicit_VR = True, False
    identifier = dcmread(raw, force=True)
    request = QueryRequest(level=Level.STUDY, identifier=identifier, root=Root.STUDY)
    with pytest.raises(InvalidQuery, match="more than 64 levels"):
        plan_query(request)
