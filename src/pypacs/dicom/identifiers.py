"""Query identifiers from text: DCMTK-style `Keyword=Value` and `gggg,eeee=Value` keys, as typed by operators.

Pure: strings in, a pydicom Dataset out.
"""

from __future__ import annotations

import re

from pydicom.datadict import dictionary_VR, keyword_for_tag, tag_for_keyword
from pydicom.dataset import Dataset

_TAG = re.compile(r"^\(?([0-9a-fA-F]{4}),?([0-9a-fA-F]{4})\)?$")


class InvalidKeyText(ValueError):
    """A key as typed cannot be understood; the message quotes it."""


def identifier_from_keys(keys: list[str]) -> Dataset:
    """Build an identifier from `name=value` (or bare `name` for a return key) entries; later entries win."""
    identifier = Dataset()
    for text in keys:
        name, _, value = text.partition("=")
        tag = _tag_of(name.strip(), text)
        vr = dictionary_VR(tag)
        if vr == "SQ":
            raise InvalidKeyText(f"{text!r}: sequence keys are not supported here")
        identifier.add_new(tag, vr, value.strip() or None if vr in ("US", "UL", "SS", "SL") else value.strip())
    return identifier


def _tag_of(name: str, text: str) -> int:
    match = _TAG.match(name)
    if match:
        tag = int(match[1] + match[2], 16)
        if keyword_for_tag(tag) == "":
            raise InvalidKeyText(f"{text!r}: unknown tag {name}")
        return tag
    found = tag_for_keyword(name)
    if found is None:
        raise InvalidKeyText(f"{text!r}: {name!r} is not a DICOM keyword (e.g. PatientName) or tag (0010,0010)")
    return int(found)
