"""The matching kinds of PS3.4 C.2.2.2: a query key's value parsed into what it asks for.

Pure: turns identifier elements into Match objects and normalises DA/TM/DT values; SQL lives in archive.query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.valuerep import PersonName

from pypacs.dicom.levels import ValueKind, value_kind


class InvalidKey(ValueError):
    """A query key's value cannot be understood; the message names the key and the value."""


@dataclass(frozen=True)
class Universal:
    """Empty value (or a lone '*'): every entity matches, the attribute is returned."""


@dataclass(frozen=True)
class SingleValue:
    value: str


@dataclass(frozen=True)
class Wildcard:
    """A value with '*' (any run of characters) and/or '?' (exactly one character)."""

    pattern: str


@dataclass(frozen=True)
class Range:
    """Inclusive range of normalised DA/TM/DT values; None is an open end."""

    low: str | None
    high: str | None


@dataclass(frozen=True)
class UidList:
    uids: tuple[str, ...]


@dataclass(frozen=True)
class AnyOf:
    """Multiple value matching: the entity matches if any of the alternatives does."""

    alternatives: tuple[Match, ...]


@dataclass(frozen=True)
class SequenceMatch:
    """Sequence matching: some item of the entity's sequence matches every key of the query item."""

    keys: tuple[tuple[str, Match], ...]

    @property
    def is_universal(self) -> bool:
        return all(isinstance(match, Universal) for _, match in self.keys)


Match = Universal | SingleValue | Wildcard | Range | UidList | AnyOf | SequenceMatch

# PS3.5 Table 6.2-1: the values an attribute of each integer VR can hold.
INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "IS": (-(2**31), 2**31 - 1),
    "SL": (-(2**31), 2**31 - 1),
    "SS": (-(2**15), 2**15 - 1),
    "UL": (0, 2**32 - 1),
    "US": (0, 2**16 - 1),
}
_INTEGER_RE = re.compile(r"[+-]?[0-9]{1,30}")
_DATE_RE = re.compile(r"^\d{8}$")
_TIME_RE = re.compile(r"^(\d{2})(\d{2})?(\d{2})?(\.\d{1,6})?$")
_DATETIME_RE = re.compile(r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d{1,6})?([+-]\d{4})?$")


def element_strings(element: DataElement) -> list[str]:
    """The element's values as strings, as they would be encoded (empty list when it has no value)."""
    value: Any = element.value
    if value is None or value == "" or (isinstance(value, (list, MultiValue)) and len(value) == 0):
        return []
    values = list(value) if isinstance(value, (list, MultiValue)) else [value]
    strings = []
    for item in values:
        if isinstance(item, PersonName):
            strings.append(str(item))
        elif isinstance(item, bytes):
            strings.append(item.decode("ascii", errors="replace"))
        else:
            strings.append(str(item))
    return strings


def parse_element(element: DataElement, keyword: str | None = None) -> Match:
    """Parse one identifier element into the matching it requests."""
    name = keyword or element.keyword or f"({element.tag.group:04X},{element.tag.element:04X})"
    if element.VR == "SQ":
        return _parse_sequence(element, name)
    kind = value_kind(element.VR)
    values = element_strings(element)
    try:
        return parse_values(values, kind, element.VR)
    except InvalidKey as exc:
        raise InvalidKey(f"{name}: {exc}") from exc


def parse_values(values: list[str], kind: ValueKind, vr: str = "") -> Match:
    values = [value.strip(" ") if kind is not ValueKind.TEXT else value.rstrip(" ") for value in values]
    if any("\x00" in value for value in values):  # in no character repertoire; PostgreSQL text cannot hold one
        raise InvalidKey("NUL characters are not allowed in values")
    values = [value for value in values if value != ""] if len(values) > 1 else values
    if not values or values == [""]:
        return Universal()
    if kind is ValueKind.UID:
        if any("*" in uid or "?" in uid for uid in values):
            raise InvalidKey("wildcards are not allowed in UIDs")
        return SingleValue(values[0]) if len(values) == 1 else UidList(tuple(values))
    alternatives = tuple(_parse_one(value, kind, vr) for value in values)
    if any(isinstance(alt, Universal) for alt in alternatives):
        return Universal()
    return alternatives[0] if len(alternatives) == 1 else AnyOf(alternatives)


def _parse_one(value: str, kind: ValueKind, vr: str) -> Match:
    if kind in (ValueKind.DATE, ValueKind.TIME, ValueKind.DATETIME):
        return _parse_temporal(value, kind)
    if kind is ValueKind.NUMBER:
        return SingleValue(str(integer_key(value, vr)))
    if value == "*":
        return Universal()
    if "*" in value or "?" in value:
        return Wildcard(value)
    return SingleValue(value)


def integer_key(value: str, vr: str) -> int:
    """The value of a key of an integer VR (IS, US, UL, SS, SL; IS when `vr` is not one of them) as a number.

    These VRs have single value matching only (PS3.4 C.2.2.2.1: no wildcards, no ranges), and a key's value is a
    value of its VR (PS3.5 6.2): an optional sign and decimal digits, within the VR's range (IS and SL: 32-bit
    signed, US: 0-65535...). Anything else (a fraction, an exponent, inf or nan, a number no such attribute can
    hold) cannot be encoded as the key's VR, so the identifier is invalid: InvalidKey, answered by C-FIND as an
    invalid identifier and by QIDO-RS as 400, rather than a key that matches nothing or is truncated to match
    something else (4.5 used to match 4)."""
    low, high = INTEGER_RANGES.get(vr, INTEGER_RANGES["IS"])
    text = value.strip(" ")
    if not _INTEGER_RE.fullmatch(text):
        raise InvalidKey(f"{value!r} is not a whole number")
    number = int(text)
    if not low <= number <= high:
        raise InvalidKey(f"{value!r} is out of the range of {vr or 'IS'} values ({low} to {high})")
    return number


def _parse_temporal(value: str, kind: ValueKind) -> Match:
    if "*" in value or "?" in value:
        raise InvalidKey(f"wildcards are not allowed in {kind.value} values ({value!r})")
    if "-" in value and not (kind is ValueKind.DATETIME and _is_single_datetime(value)):
        low, _, high = _split_range(value, kind)
        if not low and not high:
            raise InvalidKey(f"{value!r} is not a valid range")
        return Range(
            normalise_temporal(low, kind, upper=False) if low else None,
            normalise_temporal(high, kind, upper=True) if high else None,
        )
    return Range(normalise_temporal(value, kind, upper=False), normalise_temporal(value, kind, upper=True))


def _is_single_datetime(value: str) -> bool:
    return bool(_DATETIME_RE.match(value.replace(" ", "")))


def _split_range(value: str, kind: ValueKind) -> tuple[str, str, str]:
    if kind is not ValueKind.DATETIME:
        if value.count("-") != 1:
            raise InvalidKey(f"{value!r} is not a valid range")
        return value.partition("-")
    # DT values may carry a '-hhmm' UTC offset: split at the range dash, which follows a digit group
    # that is not itself an offset of four digits at the end of a value.
    for index, char in enumerate(value):
        if char == "-":
            low, high = value[:index], value[index + 1 :]
            if (not low or _is_single_datetime(low)) and (not high or _is_single_datetime(high)):
                return low, "-", high
    raise InvalidKey(f"{value!r} is not a valid range")


def normalise_temporal(value: str, kind: ValueKind, *, upper: bool) -> str:
    """Normalise DA/TM/DT text so that string comparison orders values in time.

    Partial times and datetimes are completed to the start (upper=False) or end (upper=True) of the period
    they name, so that '12' as a range bound covers 12:00:00.000000 to 12:59:59.999999.
    """
    if kind is ValueKind.DATE:
        return normalise_date(value)
    if kind is ValueKind.TIME:
        return normalise_time(value, upper=upper)
    return normalise_datetime(value, upper=upper)


def normalise_date(value: str) -> str:
    text = value.strip().replace(".", "") if len(value.strip()) == 10 else value.strip()
    if not _DATE_RE.match(text):
        raise InvalidKey(f"{value!r} is not a valid date (YYYYMMDD)")
    month, day = int(text[4:6]), int(text[6:8])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise InvalidKey(f"{value!r} is not a valid date (YYYYMMDD)")
    return text


def normalise_time(value: str, *, upper: bool = False) -> str:
    text = value.strip().replace(":", "")
    match = _TIME_RE.match(text)
    if not match:
        raise InvalidKey(f"{value!r} is not a valid time (HHMMSS.FFFFFF)")
    hours, minutes, seconds, fraction = match.groups()
    fill = "59" if upper else "00"
    if int(hours) > 24 or (minutes and int(minutes) > 59) or (seconds and int(seconds) > 60):
        raise InvalidKey(f"{value!r} is not a valid time (HHMMSS.FFFFFF)")
    digits = (fraction or ".")[1:]
    if fraction:
        digits = digits.ljust(6, "9" if upper else "0")
    else:
        digits = "999999" if upper else "000000"
    return f"{hours}{minutes or fill}{seconds or fill}.{digits}"


def normalise_datetime(value: str, *, upper: bool = False) -> str:
    text = value.strip()
    match = _DATETIME_RE.match(text)
    if not match:
        raise InvalidKey(f"{value!r} is not a valid datetime (YYYYMMDDHHMMSS.FFFFFF&ZZXX)")
    year, month, day, hour, minute, second, fraction, _offset = match.groups()
    if upper:
        month, day = month or "12", day or "31"
        hour, minute, second = hour or "23", minute or "59", second or "59"
        digits = ((fraction or ".")[1:]).ljust(6, "9") if fraction else "999999"
    else:
        month, day = month or "01", day or "01"
        hour, minute, second = hour or "00", minute or "00", second or "00"
        digits = ((fraction or ".")[1:]).ljust(6, "0") if fraction else "000000"
    return f"{year}{month}{day}{hour}{minute}{second}.{digits}"


def stored_temporal(value: str, kind: ValueKind) -> str:
    """Normalise a value found in a stored object for its index column ('' when absent or unreadable)."""
    if not value:
        return ""
    try:
        if kind is ValueKind.DATE:
            return normalise_date(value)
        if kind is ValueKind.TIME:
            return normalise_time(value)
        return normalise_datetime(value)
    except InvalidKey:
        return ""


def person_name_search_text(name: str) -> str:
    """The form of a PN value that PN keys are matched against: upper case, each component group framed by
    '=' so a key can match the alphabetic, ideographic or phonetic group alone."""
    groups = [group.rstrip("^ ").upper() for group in name.split("=")]
    return "=" + "=".join(groups) + "="


def fuzzy_person_name(value: str) -> str:
    """A PN key widened for fuzzy matching (QIDO-RS fuzzymatching=true): each given name component matches as a
    prefix, so `smi^jo` finds SMITH^JOHN and SMITHERS^JOANNA (matching is already case-insensitive). Components
    that hold wildcards are left as they are; empty ones stay universal."""
    if value in ("", "*"):
        return value
    groups = []
    for group in value.split("="):
        components = [c if not c or "*" in c or "?" in c else f"{c}*" for c in group.split("^")]
        groups.append("^".join(components))
    return "=".join(groups)


def _parse_sequence(element: DataElement, name: str) -> SequenceMatch:
    items: Iterable[Dataset] = element.value or []
    items = list(items)
    if len(items) > 1:
        raise InvalidKey(f"{name}: a sequence key must have at most one item, it has {len(items)}")
    if not items:
        return SequenceMatch(())
    keys = []
    for sub in items[0]:
        keyword = sub.keyword or f"({sub.tag.group:04X},{sub.tag.element:04X})"
        keys.append((keyword, parse_element(sub, f"{name}>{keyword}")))
    return SequenceMatch(tuple(keys))
