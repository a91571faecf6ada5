"""How deep sequences nest in a dataset, checked against the limit an archive accepts (64 levels).

Pure: walks only sequence elements (raw elements of other VRs, pixel data included, are never decoded).
"""

from __future__ import annotations

from pydicom.datadict import dictionary_VR
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

MAX_SEQUENCE_DEPTH = 64


class TooDeeplyNested(ValueError):
    """Sequences nest deeper than the limit."""


def check_sequence_depth(dataset: Dataset, limit: int = MAX_SEQUENCE_DEPTH) -> None:
    """Raise TooDeeplyNested when a sequence item lies more than `limit` sequences deep."""
    pending: list[tuple[Dataset, int]] = [(dataset, 0)]
    while pending:  # iterative, so a hostile depth cannot exhaust the interpreter stack here
        current, depth = pending.pop()
        for tag in _sequence_tags(current):
            if depth + 1 > limit:
                raise TooDeeplyNested(f"sequences nest more than {limit} levels deep (at {_tag_text(tag)})")
            for item in current[tag].value or ():
                if isinstance(item, Dataset):
                    pending.append((item, depth + 1))


def _sequence_tags(dataset: Dataset) -> list[int]:
    tags: list[int] = []
    for tag, element in dataset._dict.items():
        if isinstance(element, RawDataElement):
            vr = element.VR
            if vr is None:
                try:
                    vr = dictionary_VR(tag)
                except KeyError:
                    continue  # private or unknown: pydicom keeps it as bytes, nothing nests inside
            if vr == "SQ":
                tags.append(tag)
        elif element.VR == "SQ":
            tags.append(tag)
    return tags


def _tag_text(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"
