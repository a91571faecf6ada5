"""A fast encoder for the small flat datasets DIMSE exchanges most: command sets and C-FIND identifiers.

pydicom's general writer costs ~100 µs per identifier, half of a C-FIND response's time. Flat datasets of plain
values in little endian are encoded here directly (the same bytes, checked by tests); anything else (sequences,
unusual character sets, bulk values, big endian) goes to pynetdicom's encoder as before.
"""

from __future__ import annotations

import struct
from typing import Any

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.tag import Tag
from pynetdicom import _config, dimse_messages, dsutils, service_class

from pypacs.dicom.vrs import CHARSET_VRS, LONG_LENGTH_VRS, NUMBER_FORMATS, STRING_VRS

_ENCODINGS = {"": "ascii", "ISO_IR 6": "ascii", "ISO_IR 192": "utf-8", "ISO_IR 100": "latin-1"}

_installed = False


def encode_flat(ds: Dataset, implicit_vr: bool) -> bytes | None:
    """Little endian bytes of a dataset without sequences, or None when it needs pydicom's general writer."""
    charset = ds._dict.get(Tag(0x00080005))
    charset_text = _charset(charset.value if isinstance(charset, DataElement) else None)
    encoding = _ENCODINGS.get(charset_text) if charset_text is not None else None
    if encoding is None:
        return None
    out = bytearray()
    for tag in sorted(ds._dict):
        element = ds._dict[tag]
        if not isinstance(element, DataElement):
            return None  # still raw (read from a file): pydicom writes it as it came
        value = _value_bytes(element, encoding)
        if value is None:
            return None
        vr = element.VR
        if implicit_vr:
            out += struct.pack("<HHL", tag >> 16, tag & 0xFFFF, len(value))
        elif vr in LONG_LENGTH_VRS:
            out += struct.pack("<HH2s2xL", tag >> 16, tag & 0xFFFF, vr.encode(), len(value))
        else:
            if len(value) > 0xFFFF:
                return None
            out += struct.pack("<HH2sH", tag >> 16, tag & 0xFFFF, vr.encode(), len(value))
        out += value
    return bytes(out)


def _charset(value: Any) -> str | None:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    values = list(value)
    return str(values[0]).strip() if len(values) == 1 else None


def _value_bytes(element: DataElement, encoding: str) -> bytes | None:
    vr, value = element.VR, element.value
    if value is None or value == "" or (isinstance(value, (list, tuple)) and len(value) == 0):
        return b""
    if vr in STRING_VRS:
        items = list(value) if _is_multi(value) else [value]
        text = "\\".join(_text(item) for item in items)
        try:
            data = text.encode(encoding if vr in CHARSET_VRS else "ascii")
        except UnicodeEncodeError:
            return None
        if len(data) % 2:
            data += b"\x00" if vr == "UI" else b" "
        return data
    code = NUMBER_FORMATS.get(vr)
    if code is not None:
        items = list(value) if _is_multi(value) else [value]
        try:
            return struct.pack(f"<{len(items)}{code}", *items)
        except (struct.error, TypeError):
            return None
    return None  # OB, OW, AT, SQ, UN, ambiguous VRs...: pydicom knows them


def _is_multi(value: Any) -> bool:
    return isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue"


def _text(item: Any) -> str:
    original = getattr(item, "original_string", None)  # IS/DS as written; PersonName keeps bytes here: not used
    return original if isinstance(original, str) else str(item)


def encode(ds: Dataset, is_implicit_vr: bool, is_little_endian: bool, deflated: bool = False) -> bytes | None:
    """pynetdicom's dsutils.encode, with the flat little endian case done here."""
    if is_little_endian and not deflated:
        fast = encode_flat(ds, is_implicit_vr)
        if fast is not None:
            return fast
    return _original_encode(ds, is_implicit_vr, is_little_endian, deflated)


_original_encode = dsutils.encode


def install() -> None:
    """Use the fast encoder in pynetdicom's service classes and DIMSE messages (process-wide, idempotent), and
    stop pynetdicom from formatting every identifier for a debug log line (patient data, and slow)."""
    global _installed
    if _installed:
        return
    service_class.encode = encode  # type: ignore[attr-defined]
    dimse_messages.encode = encode  # type: ignore[attr-defined]
    _config.LOG_RESPONSE_IDENTIFIERS = False
    _config.LOG_REQUEST_IDENTIFIERS = False
    _installed = True
