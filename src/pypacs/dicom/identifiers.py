"""Query identifiers from text: DCMTK-style `Keyword=Value` and `gggg,eeee=Value` keys, as typed by operators.

Pure: strings in, a pydicom Dataset out.
"""

from __future__ import annotations

import re

from pydicom.datadict import dictionary_VR, keyword_for_tag, tag_for_keyword
from pydicom.dataset import Dataset

from pypacs.dicom.matching import INTEGER_RANGES, InvalidKey, integer_key

BINARY_INTEGER_VRS = ("US", "UL", "SS", "SL")
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
        identifier.add_new(tag, vr, _element_value(value.strip(), vr, text))
    return identifier


def _element_value(value: str, vr: str, text: str) -> str | int | list[int] | None:
    """The typed text as the element's value: integers checked first (pydicom would turn '1e400' into an error
    of its own and '99999999999999999999' into a float), binary ones as numbers."""
    if vr not in INTEGER_RANGES or not value:
        return None if vr in BINARY_INTEGER_VRS else value
    try:
        numbers = [integer_key(part, vr) for part in value.split("\\")]
    except InvalidKey as error:
        raise InvalidKeyText(f"{text!r}: {error}") from error
    if vr not in BINARY_INTEGER_VRS:
        return value
    return numbers[0] if len(numbers) == 1 else numbers


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
