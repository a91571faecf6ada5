"""Attribute values kept as their DICOM text, and whole columns of such texts encoded as little endian elements.

What lets a large C-FIND answer be written at a few µs per result: the index keeps each level's attributes as
{tag: text} (text VRs only, None for anything else), and a query encodes one attribute of a whole batch of
results at a time, in UTF-8 (ISO_IR 192). The bytes are those of json_binary.encode_flat_json (tests check).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

import orjson
from pydicom.datadict import dictionary_VR

from pypacs.dicom.json_binary import element_prefix, person_name_text
from pypacs.dicom.vrs import CHARSET_VRS, STRING_VRS

# VRs whose value is its text in the character set (DS is left out: its text from a JSON number is pydicom's)
TEXT_VRS = STRING_VRS - {"DS"}
_SHORT = struct.Struct("<H").pack
_LONG = struct.Struct("<L").pack


def dictionary_vr(tag_text: str) -> str | None:
    """The one VR the data dictionary gives a tag, or None (unknown, private, or 'US or SS' and the like)."""
    try:
        vr = dictionary_VR(int(tag_text, 16))
    except (KeyError, ValueError):
        return None
    return vr if len(vr) == 2 else None


def attribute_text(tag_text: str, attribute: dict[str, Any]) -> str | None:
    """A DICOM JSON attribute's value as DICOM text (values joined by backslashes, PN groups by '='), or None
    when it is not plain text or its VR is not the dictionary's (such values are encoded the long way)."""
    vr = attribute.get("vr")
    if vr not in TEXT_VRS or vr != dictionary_vr(tag_text) or "InlineBinary" in attribute:
        return None
    values = attribute.get("Value")
    if not values:
        return ""
    if vr == "PN":
        return "\\".join(person_name_text(value) for value in values)
    if vr == "IS":
        if any(not isinstance(value, int) or isinstance(value, bool) for value in values if value is not None):
            return None
        return "\\".join("" if value is None else str(value) for value in values)
    if any(not isinstance(value, str) for value in values if value is not None):
        return None
    text = "\\".join(value or "" for value in values)
    return text if vr in CHARSET_VRS or text.isascii() else None  # the others are ASCII


def attribute_texts_json(document: dict[str, Any]) -> str:
    """What the index keeps beside a level's DICOM JSON: {tag: text or null}, as JSON."""
    return orjson.dumps({tag: attribute_text(tag, attribute) for tag, attribute in document.items()}).decode()


def element_column(tag_text: str, vr: str, texts: Sequence[str], implicit_vr: bool) -> list[bytes]:
    """One element per text, UTF-8, padded to even length (struct.error: a value too long for its VR)."""
    prefix, long_length = element_prefix(tag_text, vr, implicit_vr)
    length = _LONG if long_length else _SHORT
    pad = b"\x00" if vr == "UI" else b" "
    heads: dict[int, bytes] = {}  # prefix and length, by length: values of one attribute have few lengths
    column = []
    for text in texts:
        value = text.encode()
        size = len(value)
        if size & 1:
            value += pad
            size += 1
        head = heads.get(size)
        if head is None:
            head = heads[size] = prefix + length(size)
        column.append(head + value)
    return column


def element_bytes(tag_text: str, vr: str, text: str, implicit_vr: bool) -> bytes:
    return element_column(tag_text, vr, [text], implicit_vr)[0]
