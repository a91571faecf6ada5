"""Parsing query values into PS3.4 matching kinds, and normalising DA/TM/DT for ordered comparison."""

from __future__ import annotations

import pytest

from pypacs.dicom.levels import ValueKind
from pypacs.dicom.matching import (
    AnyOf,
    InvalidKey,
    Range,
    SingleValue,
    UidList,
    Universal,
    Wildcard,
    fuzzy_person_name,
    normalise_datetime,
    normalise_time,
    parse_values,
    person_name_search_text,
)


@pytest.mark.parametrize(
    ("values", "kind", "expected"),
    [
        ([], ValueKind.TEXT, Universal()),
        ([""], ValueKind.TEXT, Universal()),
        (["*"], ValueKind.PERSON_NAME, Universal()),
        (["CT"], ValueKind.TEXT, SingleValue("CT")),
        (["CT*"], ValueKind.TEXT, Wildcard("CT*")),
        (["?T"], ValueKind.TEXT, Wildcard("?T")),
        (["CT", "MR"], ValueKind.TEXT, AnyOf((SingleValue("CT"), SingleValue("MR")))),
        (["1.2.3"], ValueKind.UID, SingleValue("1.2.3")),
        (["1.2", "1.3"], ValueKind.UID, UidList(("1.2", "1.3"))),
        (["20240101"], ValueKind.DATE, Range("20240101", "20240101")),
        (["20240101-20240131"], ValueKind.DATE, Range("20240101", "20240131")),
        (["20240101-"], ValueKind.DATE, Range("20240101", None)),
        (["-20240101"], ValueKind.DATE, Range(None, "20240101")),
        (["12"], ValueKind.TIME, Range("120000.000000", "125959.999999")),
        (["0800-1030"], ValueKind.TIME, Range("080000.000000", "103059.999999")),
        (["7"], ValueKind.NUMBER, SingleValue("7")),
    ],
)
def test_values_parse_into_the_matching_kind_they_request(values, kind, expected):
    assert parse_values(values, kind) == expected


@pytest.mark.parametrize(
    ("values", "kind", "problem"),
    [
        (["2024*"], ValueKind.DATE, "wildcards are not allowed"),
        (["20241301"], ValueKind.DATE, "not a valid date"),
        (["2024-01-01"], ValueKind.DATE, "not a valid range"),
        (["-"], ValueKind.DATE, "not a valid range"),
        (["2561"], ValueKind.TIME, "not a valid time"),
        (["1.2.*"], ValueKind.UID, "wildcards are not allowed in UIDs"),
        (["seven"], ValueKind.NUMBER, "not a whole number"),
    ],
)
def test_malformed_values_raise_invalid_key(values, kind, problem):
    with pytest.raises(InvalidKey, match=problem):
        parse_values(values, kind)


@pytest.mark.parametrize(
    ("value", "vr", "expected"),
    [("7", "IS", 7), (" +7 ", "IS", 7), ("-2147483648", "IS", -(2**31)), ("65535", "US", 65535),
     ("4294967295", "UL", 2**32 - 1), ("-32768", "SS", -32768)],
)  # fmt: skip
def test_integer_keys_take_any_value_of_their_vr(value: str, vr: str, expected: int):
    assert parse_values([value], ValueKind.NUMBER, vr) == SingleValue(str(expected))


@pytest.mark.parametrize(
    ("value", "vr"),
    [("65536", "US"), ("-1", "US"), ("4294967296", "UL"), ("32768", "SS"), ("2147483648", "IS"),
     ("2147483648", "SL"), ("99999999999999999999", "IS"), ("1e3", "IS"), ("4.0", "IS"), ("inf", "IS"),
     ("nan", "US"), ("*", "IS"), ("1-5", "IS"), ("٣", "IS")],
)  # fmt: skip
def test_integer_keys_that_are_not_values_of_their_vr_are_invalid(value: str, vr: str):
    with pytest.raises(InvalidKey):
        parse_values([value], ValueKind.NUMBER, vr)


def test_times_normalise_to_comparable_text():
    assert normalise_time("10:15:30") == "101530.000000"
    assert normalise_time("101530.5") == "101530.500000"
    assert normalise_time("1015", upper=True) == "101559.999999"
    assert normalise_time("080000") < normalise_time("101500") < normalise_time("235959.9")


def test_datetimes_complete_partial_values_to_the_period_they_name():
    assert normalise_datetime("2024") == "20240101000000.000000"
    assert normalise_datetime("2024", upper=True) == "20241231235959.999999"
    assert parse_values(["20240101-20240201"], ValueKind.DATETIME) == Range(
        "20240101000000.000000", "20240201235959.999999"
    )


def test_person_name_search_text_frames_each_group_in_upper_case():
    assert person_name_search_text("Doe^John^^") == "=DOE^JOHN="
    assert person_name_search_text("Yamada^Tarou=山田^太郎=やまだ^たろう") == "=YAMADA^TAROU=山田^太郎=やまだ^たろう="


@pytest.mark.parametrize(
    ("key", "fuzzy"),
    [
        ("smi", "smi*"),
        ("smi^jo", "smi*^jo*"),
        ("sm*th^", "sm*th^"),
        ("", ""),
        ("*", "*"),
        ("wang^x=王", "wang*^x*=王*"),
    ],
)
def test_fuzzy_person_name_keys_match_each_component_as_a_prefix(key: str, fuzzy: str):
    assert fuzzy_person_name(key) == fuzzy
