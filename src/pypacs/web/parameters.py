"""Numbers in query parameters, checked where a route reads them: whole numbers within a range and finite decimals.

Anything else is an InvalidQuery (a 400 problem naming the parameter); nothing here knows routes or defaults.
"""

from __future__ import annotations

import math
import re

from pypacs.archive.errors import InvalidQuery

# An optional sign and ASCII digits (int() would also take '١٢', '1_000' and surrounding whitespace of any kind).
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,30}")


def whole_number(name: str, text: str, low: int, high: int | None = None) -> int:
    """`text` as an integer from `low` to `high` (inclusive; None: no upper bound); spaces around are allowed."""
    value = text.strip(" ")
    if not _WHOLE_NUMBER.fullmatch(value):
        raise InvalidQuery(f"{name}={text!r} is not a whole number")
    number = int(value)
    if number < low:
        raise InvalidQuery(f"{name} must not be negative" if low == 0 else f"{name}={text!r} must be {low} or more")
    if high is not None and number > high:
        raise InvalidQuery(f"{name}={text!r} must be between {low} and {high}")
    return number


def finite_number(name: str, text: str) -> float:
    """`text` as a finite decimal number (`inf`, `nan` and values beyond a double, like 1e400, are refused)."""
    try:
        number = float(text)
    except ValueError as error:
        raise InvalidQuery(f"{name}={text!r} is not a number") from error
    if not math.isfinite(number):
        raise InvalidQuery(f"{name}={text!r} is not a finite number")
    return number
