"""The one way a number is shown to a person: es-CL (``1.234.567,89``), exact, without spurious decimals.

The web app, the CLI, QA messages and Data Docs all call these, so a value reads the same everywhere: the
amount ``976368290.000`` (a ``decimal(3)`` cell) is ``976.368.290`` in the preview, on the run page and in
Data Docs, and ``-10253120970`` (a RAW control total) is ``-10.253.120.970``.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, InvalidOperation
from typing import Any

DASH = "—"
#: Rounding never loses integer digits (amounts can be decimal256: up to 70 digits).
_WIDE = Context(prec=200)


def as_decimal(value: Any) -> Decimal | None:
    """A number (int, float, Decimal or its plain text, e.g. ``"976368290.000"``) as an exact Decimal;
    None when it is not a finite number (booleans are not numbers)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(value) if isinstance(value, (int, Decimal)) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _group(digits: str) -> str:
    out = []
    while len(digits) > 3:
        digits, out = digits[:-3], [digits[-3:], *out]
    return ".".join([digits, *out])


def fmt_number(value: Any, decimals: int | None = None) -> str:
    """es-CL text of a number: ``1234567.891`` -> ``1.234.567,891``; ``976368290.000`` -> ``976.368.290``.

    ``decimals=None`` (the default) shows the value exactly, without trailing zeros; an int rounds (half
    even) to that many places and keeps them (``fmt_number(12.5, 1)`` -> ``12,5``). None or a value that is
    not a number -> an em dash (text that is not a number -> the text itself)."""
    number = as_decimal(value)
    if number is None:
        return DASH if value is None else str(value)
    if decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-max(decimals, 0)), context=_WIDE)
    text = format(number, "f")
    if decimals is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    sign = "-" if text.startswith("-") else ""
    whole, _, frac = text.lstrip("-").partition(".")
    if sign and set(whole + frac) <= {"0"}:
        sign = ""  # no "-0"
    return f"{sign}{_group(whole)}" + (f",{frac}" if frac else "")


#: How a stored row keeps an exact non-integral amount (``serialize.json_value``: ``Decimal('-0.50')`` -> ``"-0.5"``);
#: codes never look like this (their zeros lead, or their dots group: ``35.12.605``).
_EXACT_DECIMAL = re.compile(r"-?(?:0|[1-9]\d*)\.\d*[1-9]")


def fmt_value(value: Any) -> str:
    """A cell of a stored row as shown to the analyst: numbers (and exact decimals kept as text) in es-CL,
    other text as it is (codes keep their zeros), missing as an em dash."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Decimal)) or (isinstance(value, str) and _EXACT_DECIMAL.fullmatch(value)):
        return fmt_number(value)
    return str(value).strip()


def fmt_int(value: Any) -> str:
    return fmt_number(value, 0)


def fmt_percent(share: Any) -> str:
    """A fraction 0..1 as a percentage: ``0.95`` -> ``95 %``, ``0.995`` -> ``99,5 %``, ``1`` -> ``100 %``."""
    number = as_decimal(share)
    if number is None:
        return DASH
    return f"{fmt_number((number * 100).quantize(Decimal('0.01'), context=_WIDE))} %"


__all__ = ["DASH", "as_decimal", "fmt_int", "fmt_number", "fmt_percent", "fmt_value"]
