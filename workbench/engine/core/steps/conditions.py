"""Row conditions shared by ``drop_rows`` and ``filter``: a small, declarative test language over cells.

A condition is data (one YAML mapping with exactly one test) and evaluates to one boolean per row,
vectorised over Arrow text. Text tests see the cell with surrounding whitespace stripped, because DIPRES
pads its labels; missing values never equal or match anything. Provenance columns are never data.
The text helpers (``arrow_text``, ``trim``, ``blank_mask``) are shared with ``strip`` and ``fill_down`` so
that "empty" and "stripped" mean the same thing in every step.
"""

from __future__ import annotations

import operator
import re
from functools import reduce
from typing import Annotated, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workbench.engine.core.steps.base import StepContext, require_columns
from workbench.engine.core.table import Table

Value = Annotated[str | int | float, Field(description="A text (quote codes: '05') or a number.")]
_COMPARE = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}
_SYMBOL = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_COLUMN_TESTS = ("equals", "in", "matches", "empty", *_COMPARE)
_TESTS = (*_COLUMN_TESTS, "all_empty", "any", "all", "not")
_NUMBER = r"^[+-]?[0-9]+$"  # on text, only whole numbers are unambiguous
_LOCALE_NUMBER = r"^[+-]?[0-9][0-9.,]*[.,][0-9]+([eE][+-]?[0-9]+)?$"  # 1.500 / 1,5 / 2.000.000: locale-dependent


class _AmbiguousText(ValueError):
    """A text column holds numbers whose value depends on the locale (``1.500``): compare after type_cast."""


#: Kept rows in at most this many contiguous runs are sliced (zero-copy) rather than gathered.
MAX_SLICED_RUNS = 64

def arrow_text(series: pd.Series) -> pa.ChunkedArray:
    """The column as Arrow text (zero-copy for pandas' ``str`` dtype; other dtypes are converted)."""
    if not (isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow"):
        series = series.astype("str")
    return pa.chunked_array(series)


def trim(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """Strip leading/trailing whitespace, Unicode included (NBSP). The ASCII pass is several times faster on
    DIPRES padding; the Unicode pass only runs when it can change something: when a cell still begins or ends
    with a non-ASCII byte (the lead byte of NBSP and the other Unicode spaces), or with a control byte in a
    column that is not pure ASCII. Accented letters inside labels (``Subsecretaría``) do not call for it."""
    text = pc.ascii_trim_whitespace(text)
    edges = np.concatenate([edge_bytes(chunk) for chunk in text.chunks] or [np.zeros(0, np.uint8)])
    if (edges >= 0x80).any():
        return pc.utf8_trim_whitespace(text)
    if (edges < 0x20).any() and pc.all(pc.string_is_ascii(text)).as_py() is not True:
        return pc.utf8_trim_whitespace(text)
    return text


def text_buffers(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A text array's offsets (one more than its length) and the bytes they index, as numpy views (no copy)."""
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    _, offsets, data = array.buffers()
    offsets = np.frombuffer(offsets, width)[array.offset : array.offset + len(array) + 1] if len(array) else \
        np.zeros(1, width)
    return offsets, (np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8))


def edge_bytes(array: pa.Array) -> np.ndarray:
    """The first and the last byte of every non-empty cell (a null's slot counts too: harmless here)."""
    offsets, data = text_buffers(array)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    return np.concatenate([data[starts[filled]], data[ends[filled] - 1]])


def blank_mask(series: pd.Series) -> np.ndarray:
    """True where the cell is missing, empty or whitespace-only (NBSP included)."""
    if not _is_text(series):
        return series.isna().to_numpy()
    text = arrow_text(series)
    blank = pc.or_(pc.equal(pc.utf8_length(text), 0), pc.utf8_is_space(text))
    return pc.fill_null(blank, True).to_numpy(zero_copy_only=False)


def take_rows(df: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """``df`` restricted to the ``keep`` rows. The index labels are kept: the pipeline uses them to show the
    removed rows. Kept rows in a few contiguous runs (a dropped header, footer or section rows) are zero-copy
    slices, joined as Arrow chunks, instead of a gather over every column (on a 620k-row workbook: 180 ms and
    120 MB less)."""
    kept = np.flatnonzero(keep)
    if len(kept) and kept[-1] - kept[0] + 1 == len(kept):
        return df.iloc[kept[0] : kept[-1] + 1]
    breaks = np.flatnonzero(np.diff(kept) != 1)
    if not len(kept) or len(breaks) >= MAX_SLICED_RUNS:
        return df.iloc[kept]
    starts = np.concatenate([kept[:1], kept[breaks + 1]])
    stops = np.concatenate([kept[breaks] + 1, kept[-1:] + 1])
    return pd.concat([df.iloc[a:b] for a, b in zip(starts.tolist(), stops.tolist())])


def _all_blank(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Rows where every column is blank. Each column is only checked on the rows still blank so far: the
    first filled column usually rules out almost every row."""
    rows = np.arange(len(df))
    for column in columns:
        if not len(rows):
            break
        series = df[column] if len(rows) == len(df) else df[column].iloc[rows]
        rows = rows[blank_mask(series)]
    every = np.zeros(len(df), dtype=bool)
    every[rows] = True
    return every


def _is_text(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.StringDtype) or series.dtype == object


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)


def _numbers(series: pd.Series) -> np.ndarray:
    """Numeric cells as floats; on text, whole numbers like ``-800000`` parsed and words NaN. Text holding
    numbers with separators (``1.500`` is 1500 in es-CL, 1.5 elsewhere) raises: type_cast decides, not us."""
    if _is_number(series):
        return series.to_numpy(dtype=float, na_value=np.nan)
    text = arrow_text(series)
    if len(text) >= DISTINCT_MIN_ROWS:  # codes and labels repeat: parse each distinct text once
        encoded = text.combine_chunks().dictionary_encode()
        if len(encoded.dictionary) * 4 < len(text):
            numbers = np.append(_parse_whole(trim(pa.chunked_array([encoded.dictionary]))), np.nan)
            indices = encoded.indices.fill_null(len(encoded.dictionary))  # a missing cell is NaN
            return numbers[indices.to_numpy(zero_copy_only=False)]
    return _parse_whole(trim(text))


#: From this many cells on, a column's distinct texts are parsed once each (Arrow dictionary encoding).
DISTINCT_MIN_ROWS = 2_000


def _parse_whole(text: pa.ChunkedArray) -> np.ndarray:
    """Whole numbers parsed, other words NaN; locale-dependent numbers raise (first in order)."""
    ambiguous = pc.fill_null(pc.match_substring_regex(text, _LOCALE_NUMBER), False)
    if pc.any(ambiguous).as_py():
        raise _AmbiguousText(pc.filter(text, ambiguous)[0].as_py())
    parsed = pc.cast(pc.if_else(pc.match_substring_regex(text, _NUMBER), text, None), pa.float64())
    return parsed.to_numpy(zero_copy_only=False).astype(float, copy=False)


class Condition(BaseModel):
    """One test per mapping: a column test (``column`` + one of equals, in, matches, empty, gt, ge, lt, le),
    ``all_empty``, or a combinator (``any``, ``all``, ``not``) over nested conditions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str | None = Field(default=None, description="The column a column test reads.")
    equals: Value | None = Field(default=None, description="Cell text (stripped) equals this value.")
    in_: list[Value] | None = Field(
        default=None, alias="in", min_length=1, description="Cell text (stripped) is one of these."
    )
    matches: str | None = Field(default=None, description="Python regex found in the stripped cell text (re.search).")
    empty: bool | None = Field(default=None, description="true: cell missing or whitespace-only; false: it has text.")
    gt: float | None = Field(default=None, description="Cell number > this (on text: whole numbers only; "
                             "`1.500`-style text is an error, type_cast it first).")
    ge: float | None = Field(default=None, description="Cell number >= this.")
    lt: float | None = Field(default=None, description="Cell number < this.")
    le: float | None = Field(default=None, description="Cell number <= this.")
    all_empty: bool | Annotated[list[str], Field(min_length=1)] | None = Field(
        default=None, description="true: every data column is empty; or a list: every listed column is empty."
    )
    any_: list[Condition] | None = Field(default=None, alias="any", min_length=1, description="At least one holds.")
    all_: list[Condition] | None = Field(default=None, alias="all", min_length=1, description="Every one holds.")
    not_: Condition | None = Field(default=None, alias="not", description="The nested condition does not hold.")
    case_insensitive: bool = Field(default=False, description="equals/in/matches ignore letter case.")

    @field_validator("equals", "in_", mode="before")
    @classmethod
    def _no_booleans(cls, value: Any) -> Any:
        if isinstance(value, bool) or (isinstance(value, list) and any(isinstance(v, bool) for v in value)):
            raise ValueError("true/false is not a cell value; quote it ('true') or use `empty`")
        return value

    @property
    def test(self) -> str:
        """The YAML key of this condition's test."""
        return next(t for t in _TESTS if self._arg(t) is not None)

    def _arg(self, test: str) -> Any:
        return getattr(self, test + "_" if test in ("in", "any", "all", "not") else test)

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        given = [t for t in _TESTS if self._arg(t) is not None]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise ValueError(f"a condition takes exactly one of {', '.join(_TESTS)} (found: {found})")
        test = given[0]
        if test in _COLUMN_TESTS and self.column is None:
            raise ValueError(f"`{test}` needs a `column`")
        if test not in _COLUMN_TESTS and self.column is not None:
            raise ValueError(f"`{test}` does not take a `column`")
        if self.case_insensitive and test not in ("equals", "in", "matches"):
            raise ValueError("`case_insensitive` applies only to equals, in and matches")
        if test == "matches":
            try:
                re.compile(self.matches or "")
            except re.error as exc:
                raise ValueError(f"invalid regular expression {self.matches!r}: {exc}") from None
        return self

    def columns(self) -> list[str]:
        """Every column this condition names, nested ones included (``all_empty: true`` names none)."""
        if self.column is not None:
            return [self.column]
        if isinstance(self.all_empty, list):
            return list(self.all_empty)
        nested = self.any_ or self.all_ or ([self.not_] if self.not_ else [])
        return [c for cond in nested for c in cond.columns()]

    def evaluate(self, table: Table, ctx: StepContext) -> pd.Series:
        """One boolean per row of ``table`` (same index)."""
        require_columns(table, list(dict.fromkeys(self.columns())), ctx)
        try:
            mask = self._mask(table)
        except _AmbiguousText as exc:
            raise ctx.error(
                f"a number comparison on a text column meets {exc.args[0]!r}, whose value depends on the locale "
                "(1.500 is 1500 in es-CL); convert the column with type_cast first",
                message_es=f"una comparación numérica sobre una columna de texto encuentra {exc.args[0]!r}, cuyo valor "
                "depende del formato regional; conviértala antes con type_cast",
            ) from None
        return pd.Series(mask, index=table.df.index, dtype=bool)

    def _mask(self, table: Table) -> np.ndarray:
        test, arg = self.test, self._arg(self.test)
        if test in ("any", "all"):
            combine = np.logical_or if test == "any" else np.logical_and
            return reduce(combine, (cond._mask(table) for cond in arg))
        if test == "not":
            return ~arg._mask(table)
        if test == "all_empty":
            every = _all_blank(table.df, table.data_columns if isinstance(arg, bool) else arg)
            return ~every if arg is False else every
        series = table.df[self.column]
        if test == "empty":
            blank = blank_mask(series)
            return blank if arg else ~blank
        if test in _COMPARE:
            with np.errstate(invalid="ignore"):
                return _COMPARE[test](_numbers(series), arg)
        if test in ("equals", "in") and _is_number(series):
            wanted = pd.to_numeric(pd.Series([arg] if test == "equals" else arg, dtype=object), errors="coerce")
            return np.isin(_numbers(series), wanted.dropna().to_numpy(dtype=float))
        return self._text_mask(series, test, arg)

    def _text_mask(self, series: pd.Series, test: str, arg: Any) -> np.ndarray:
        text = trim(arrow_text(series))
        if test == "matches":  # once per distinct value: labels repeat, and some regexes run in Python
            stripped = pd.arrays.ArrowStringArray(text, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
            codes, uniques = pd.factorize(stripped)
            hits = pd.Series(uniques).str.contains(arg, regex=True, case=not self.case_insensitive, na=False)
            return np.append(hits.to_numpy(bool), False)[codes]
        values = [str(v) for v in ([arg] if test == "equals" else arg)]
        if self.case_insensitive:
            text, values = pc.utf8_lower(text), [v.lower() for v in values]
        hit = pc.is_in(text, value_set=pa.array(values, type=text.type))
        return pc.fill_null(hit, False).to_numpy(zero_copy_only=False)

    def describe(self, nested: bool = False) -> str:
        """A short label, e.g. ``denominacion = 'RESULTADO'`` or ``no (a = 'X' o b > 0)`` (Spanish: the timeline shows it)."""
        test, arg = self.test, self._arg(self.test)
        if test in ("any", "all"):
            joined = f" {'o' if test == 'any' else 'y'} ".join(c.describe(nested=True) for c in arg)
            return f"({joined})" if nested else joined
        if test == "not":
            inner = arg.describe(nested=True)
            return f"no {inner}" if inner.startswith("(") else f"no ({inner})"
        if test == "all_empty":
            if isinstance(arg, bool):
                return "fila vacía" if arg else "fila no vacía"
            return f"vacías({', '.join(arg)})"
        if test in _COMPARE:
            return f"{self.column} {_SYMBOL[test]} {int(arg) if arg.is_integer() else arg}"
        if test == "empty":
            return f"{self.column} {'' if arg else 'no '}vacía"
        label = {"equals": f"= {arg!r}", "in": f"en {arg!r}", "matches": f"~ /{arg}/"}[test]
        return f"{self.column} {label}"


__all__ = ["Condition", "arrow_text", "blank_mask", "edge_bytes", "take_rows", "text_buffers", "trim"]
