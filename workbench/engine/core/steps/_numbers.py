"""Strict, locale-aware, vectorised parsing of number text (shared by ``type_cast``).

DIPRES writes numbers as ``-800000``, ``0,001`` (a decimal comma), ``1.234.567,89`` (``.`` thousands) and
``1,36187E+11``. Parsing must be exact for decimals, must never take a thousands separator for a decimal point
(``1.5`` is *not* a valid es-CL number, ``1.500`` is 1500) and must reject ``12abc`` or ``1,2,3`` instead of
turning them into NaN. The happy path is pure pyarrow; only values that fail it are looked at one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MAX_PRECISION = 38  # decimal128
INT64_MAX = 2**63 - 1
WIDE = pa.decimal256(76, MAX_PRECISION)  # room to round any decimal128 value exactly
_EXACT = Context(prec=2 * MAX_PRECISION + 2)  # wide enough that quantize never fails before our range check


@dataclass(frozen=True)
class Parsed:
    values: pa.Array  # int64 / float64 / decimal128(38, scale); null where missing or invalid
    invalid: np.ndarray  # bool per row: present text that is not a number of the wanted kind
    rounded: np.ndarray | None = None  # bool per row: more fraction digits than ``scale``, rounded half up


def _lit(char: str) -> str:
    return "\\x{%X}" % ord(char)  # RE2 hex escape: safe for any separator (".", ",", " ", "'", NBSP)


def number_pattern(decimal: str, thousands: str) -> str:
    """RE2 pattern of a valid number: sign, digits (optionally grouped by 3), decimal part, exponent."""
    d = _lit(decimal)
    integer = r"\d+"
    if thousands:
        integer = rf"(?:\d+|[1-9]\d{{0,2}}(?:{_lit(thousands)}\d{{3}})+)"
    return rf"^[+-]?(?:{integer}(?:{d}\d*)?|{d}\d+)(?:[eE][+-]?\d+)?$"


def _mask(arr: pa.Array) -> np.ndarray:
    return pc.fill_null(arr, False).to_numpy(zero_copy_only=False)


def parse_numbers(text: pa.Array, kind: str, *, decimal: str = ",", thousands: str = ".", scale: int = 6) -> Parsed:
    """Parse stripped ``text`` (missing values already null) as ``int``, ``float`` or ``decimal``."""
    pattern = number_pattern(decimal, thousands)
    seen = {c: _found(text, c) for c in {thousands, decimal, "."} - {"", "." if decimal == "." else ""}}
    # Pre-check only values where a separator could be misread (`1.5` in es-CL); the arrow cast checks the rest.
    risky = [seen[c] for c in {thousands, "."} - {"", decimal} if seen.get(c) is not None]
    invalid = np.zeros(len(text), dtype=bool)
    if kind == "float" or risky:
        check = pc.is_valid(text) if kind == "float" else risky[0] if len(risky) == 1 else pc.or_(*risky)
        invalid = _mask(check) & ~_mask(pc.match_substring_regex(text, pattern))
    norm = text
    if seen.get(thousands) is not None:
        norm = pc.replace_substring(norm, thousands, "")
    if decimal != "." and seen.get(decimal) is not None:
        norm = pc.replace_substring(norm, decimal, ".")
    norm = pc.if_else(pa.array(invalid), pa.scalar(None, norm.type), norm) if invalid.any() else norm
    if kind == "float":
        return Parsed(pc.cast(norm, pa.float64()), invalid)
    target = pa.decimal128(MAX_PRECISION, scale if kind == "decimal" else 0)
    try:
        values = pc.cast(norm, target)
        return Parsed(pc.cast(values, pa.int64()) if kind == "int" else values, invalid)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass  # some value is malformed, too precise or too large: find which, below
    present = _mask(pc.is_valid(text))
    invalid |= present & ~_mask(pc.match_substring_regex(text, pattern))
    norm = pc.if_else(pa.array(invalid), pa.nulls(len(norm), norm.type), norm)
    if kind == "decimal":  # usually just more fraction digits than `scale`: round with room to spare
        try:
            wide = pc.cast(norm, WIDE)
            exact = pc.round(wide, ndigits=scale, round_mode="half_towards_infinity")
            return Parsed(pc.cast(exact, target), invalid, _mask(pc.not_equal(wide, exact)))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass  # out of even that range: decide value by value
    return _per_unique(norm, kind, scale, invalid)


def _found(text: pa.Array, char: str) -> pa.Array | None:
    """Which values contain ``char``, or None when none does (the common case: no work to do)."""
    hit = pc.match_substring(text, char)
    return hit if pc.any(hit).as_py() else None


def _per_unique(norm: pa.Array, kind: str, scale: int, invalid: np.ndarray) -> Parsed:
    """The exact slow path, over distinct values only: rounding, overflow, non-integral ints."""
    encoded = pc.dictionary_encode(norm)
    quantum = Decimal(1).scaleb(-scale if kind == "decimal" else 0)
    out: list[Decimal | int | None] = []
    bad = np.zeros(len(encoded.dictionary), dtype=bool)
    changed = np.zeros(len(encoded.dictionary), dtype=bool)
    for i, raw in enumerate(encoded.dictionary.to_pylist()):
        try:
            number = Decimal(raw)
            value = number.quantize(quantum, rounding=ROUND_HALF_UP, context=_EXACT)
        except InvalidOperation:
            number = value = None
        ok = value is not None and len(value.as_tuple().digits) <= MAX_PRECISION
        if kind == "int":
            ok = ok and value == number and abs(value) <= INT64_MAX
            value = int(value) if ok else None
        bad[i], changed[i] = not ok, ok and value != number
        out.append(value if ok else None)
    typ = pa.int64() if kind == "int" else pa.decimal128(MAX_PRECISION, scale)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    hit = codes >= 0
    invalid = invalid.copy()
    invalid[hit] |= bad[codes[hit]]
    rounded = np.zeros(len(codes), dtype=bool)
    rounded[hit] = changed[codes[hit]]
    return Parsed(pc.take(pa.array(out, type=typ), encoded.indices), invalid, rounded)


__all__ = ["MAX_PRECISION", "Parsed", "number_pattern", "parse_numbers"]
