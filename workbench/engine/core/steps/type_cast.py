"""type_cast: turn RAW text into typed columns (codes, exact amounts, dates, flags), strictly.

Every value that is present but cannot be read is either an error naming its RAW row and column, or (with
``on_error: null``) a counted, warned missing value: a bad number never silently becomes NaN.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workbench.engine.core.steps._numbers import MAX_PRECISION, parse_numbers
from workbench.engine.core.parallel import map_columns
from workbench.engine.core.steps.base import Step, StepContext, require_columns
from workbench.engine.core.table import RAW_COL, RAW_ROW, Table

CastType = Literal["text", "int", "float", "decimal", "date", "bool"]
NOUN = {"int": "integers", "float": "numbers", "decimal": "decimal numbers", "date": "dates", "bool": "booleans"}
NOUN_ES = {"int": "enteros válidos", "float": "números válidos", "decimal": "números decimales válidos",
           "date": "fechas válidas", "bool": "valores lógicos válidos"}  # fmt: skip
NUMERIC = {"int", "float", "decimal"}
OPTION_TYPES = {"pad": {"text"}, "decimal": NUMERIC, "thousands": NUMERIC, "scale": {"decimal"},
                "format": {"date"}, "true_values": {"bool"}, "false_values": {"bool"}}  # fmt: skip
DEFAULT_SCALE = 6
SAMPLE = 4096  # values looked at to decide whether a column repeats enough to convert distinct values only
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
TRUE_VALUES = ("true", "t", "yes", "y", "1", "si", "sí", "s", "verdadero", "v")
FALSE_VALUES = ("false", "f", "no", "n", "0", "falso")


def _check_separators(decimal: str | None, thousands: str | None) -> None:
    for name, sep in (("decimal", decimal), ("thousands", thousands)):
        if sep and (len(sep) != 1 or sep.isalnum() or sep in "+-"):
            raise ValueError(f"{name} separator must be one character that is not a digit, letter or sign, got {sep!r}")
    if decimal is not None and decimal == thousands:
        raise ValueError(f"decimal and thousands separators are both {decimal!r}")


class ColumnCast(BaseModel):
    """How to read one column. In a spec, ``column: decimal`` is short for ``column: {type: decimal}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: CastType = Field(description="Target type: text, int, float, decimal (exact), date or bool.")
    null_values: list[str] = Field(default_factory=list, description="Extra texts meaning missing in this column.")
    pad: int | None = Field(None, ge=1, le=64, description="text: left-pad digit-only codes with zeros to this width.")
    decimal: str | None = Field(None, description="Numbers: decimal separator for this column (overrides the step's).")
    thousands: str | None = Field(None, description="Numbers: thousands separator for this column; '' for none.")
    scale: int | None = Field(None, ge=0, le=MAX_PRECISION, description="decimal: digits after the point (default 6).")
    format: str | list[str] | None = Field(None, description="date: strptime format(s), tried in order (default ISO).")
    true_values: list[str] | None = Field(None, description="bool: texts meaning true (case-insensitive).")
    false_values: list[str] | None = Field(None, description="bool: texts meaning false (case-insensitive).")

    @model_validator(mode="after")
    def _options_fit_type(self) -> "ColumnCast":
        for option, types in OPTION_TYPES.items():
            if getattr(self, option) is not None and self.type not in types:
                only = "/".join(sorted(types))
                raise ValueError(f"option '{option}' does not apply to type '{self.type}' (only to {only})")
        _check_separators(self.decimal, self.thousands)
        if any("%" not in f for f in self.formats) or self.format == []:
            raise ValueError(f"date format must be strptime directives such as '%d/%m/%Y', got {self.format!r}")
        both = {v.lower() for v in self.truths[0]} & {v.lower() for v in self.truths[1]}
        if self.type == "bool" and both:
            raise ValueError(f"values listed as both true and false: {sorted(both)}")
        return self

    @property
    def formats(self) -> list[str]:
        return [self.format] if isinstance(self.format, str) else list(self.format or [DEFAULT_DATE_FORMAT])

    @property
    def truths(self) -> tuple[list[str], list[str]]:
        return list(self.true_values or TRUE_VALUES), list(self.false_values or FALSE_VALUES)


class TypeCastStep(Step):
    type: Literal["type_cast"] = "type_cast"
    summary: ClassVar[str] = "Convert text columns to text codes, int, float, exact decimal, date or bool; strict."

    columns: dict[str, ColumnCast | CastType] = Field(min_length=1, description="Column name -> type or options.")
    decimal: str = Field(",", description="Decimal separator for number columns (es-CL: ',').")
    thousands: str = Field(".", description="Thousands separator for number columns (es-CL: '.'); '' for none.")
    on_error: Literal["error", "null"] = Field("error", description="Unreadable value: fail, or make it missing.")
    null_values: list[str] = Field(default_factory=list, description="Texts meaning missing in every column.")

    @field_validator("columns", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {k: {"type": v} if isinstance(v, str) else v for k, v in value.items()}

    @model_validator(mode="after")
    def _separators_differ(self) -> "TypeCastStep":
        _check_separators(self.decimal, self.thousands)
        for name, cast in self.casts.items():
            if cast.type in NUMERIC and self._seps(cast)[0] == self._seps(cast)[1]:
                raise ValueError(f"column '{name}': decimal and thousands separators are both {self._seps(cast)[0]!r}")
        return self

    @property
    def casts(self) -> dict[str, ColumnCast]:
        return {k: v if isinstance(v, ColumnCast) else ColumnCast(type=v) for k, v in self.columns.items()}

    def _seps(self, cast: ColumnCast) -> tuple[str, str]:
        return cast.decimal or self.decimal, self.thousands if cast.thousands is None else cast.thousands

    def touched_columns(self, table: Table) -> list[str]:
        return list(self.columns)

    def describe(self) -> str:
        parts = [f"{k}:{c.type}" for k, c in self.casts.items()]
        return f"type_cast({', '.join(parts[:4])}{', …' if len(parts) > 4 else ''})"

    def apply(self, table: Table, ctx: StepContext) -> Table:
        require_columns(table, list(self.columns), ctx)
        df = table.df.copy(deep=False)
        counts: dict[str, dict[str, int]] = {"nulls_from_empty": {}, "invalid": {}, "rounded": {}}

        def convert(name: str) -> tuple[pa.Array, tuple[str, str], tuple[Any, ...]]:
            cast = self.casts[name]
            raw = pa.array(df[name].astype("str"))
            raw = raw.combine_chunks() if isinstance(raw, pa.ChunkedArray) else raw
            # an already typed column (e.g. Int64) prints as "1234.5": read it with "." and no thousands
            seps = self._seps(cast) if pd.api.types.is_string_dtype(df[name].dtype) else (".", "")
            return raw, seps, _per_distinct(raw, lambda text: self._convert(cast, text, seps))

        converted = map_columns(convert, list(self.casts), rows=len(df))
        for (name, cast), (raw, seps, result) in zip(self.casts.items(), converted):
            values, bad, empty, rounded = result
            counts["nulls_from_empty"][name], counts["rounded"][name] = int(empty.sum()), int(rounded.sum())
            if bad.any():
                counts["invalid"][name] = self._report(table, name, cast, bad, seps, ctx)
            df[name] = pd.Series(_to_pandas(values, cast.type), index=df.index, name=name)
        ctx.details.update({key: {k: n for k, n in c.items() if n} for key, c in counts.items() if any(c.values())})
        return table.with_df(df)

    def _convert(self, cast: ColumnCast, raw: pa.Array, seps: tuple[str, str]) -> tuple[pa.Array, ...]:
        """(values, invalid, became-missing, rounded) for each element of ``raw``."""
        text = stripped = pc.utf8_trim_whitespace(raw)
        if cast.pad:  # codes: `7` -> `07`; only digit-only values are padded
            text = pc.if_else(pc.ascii_is_decimal(text), pc.utf8_lpad(text, width=cast.pad, padding="0"), text)
        nulls = pa.array([*self.null_values, *cast.null_values], text.type)
        is_null = pc.equal(text, "")
        if len(nulls):
            is_null = pc.or_(is_null, pc.or_(pc.is_in(text, nulls), pc.is_in(stripped, nulls)))
        empty = _np(is_null)
        text = pc.if_else(is_null, pa.scalar(None, text.type), text) if empty.any() else text
        none = np.zeros(len(text), dtype=bool)
        if cast.type == "text":  # kept as read (unstripped), except digit-only codes when padding
            kept = raw if cast.pad is None else pc.if_else(pc.ascii_is_decimal(text), text, raw)
            return pc.if_else(pc.is_valid(text), kept, text), none, empty, none
        if cast.type in NUMERIC:
            scale = DEFAULT_SCALE if cast.scale is None else cast.scale
            parsed = parse_numbers(text, cast.type, decimal=seps[0], thousands=seps[1], scale=scale)
            return parsed.values, parsed.invalid, empty, none if parsed.rounded is None else parsed.rounded
        if cast.type == "bool":
            lower = pc.utf8_lower(text)
            yes, no = (pc.is_in(lower, pa.array([v.lower() for v in vals], lower.type)) for vals in cast.truths)
            values = pc.if_else(yes, True, pc.if_else(no, False, pa.scalar(None, pa.bool_())))
        else:
            uniq = pd.Series(text.to_pylist(), dtype=object)
            parsed = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[s]")
            for fmt in cast.formats:  # strict (2024-02-30 is invalid), first matching format wins
                parsed = parsed.fillna(pd.to_datetime(uniq, format=fmt, errors="coerce").astype("datetime64[s]"))
            values = pc.cast(pa.array(parsed), pa.date32())
        return values, _np(pc.is_valid(text)) & _np(pc.is_null(values)), empty, none

    def _report(
        self, table: Table, name: str, cast: ColumnCast, bad: np.ndarray, seps: tuple[str, str], ctx: StepContext
    ) -> int:
        count, examples = int(bad.sum()), _locate(table, bad, name)
        how = how_es = ""
        if cast.type in NUMERIC:
            how, how_es = (f" (decimal {seps[0]!r}, {w} {seps[1]!r})" for w in ("thousands", "miles"))
        if cast.type == "date":
            how, how_es = (f" ({w} {' | '.join(cast.formats)})" for w in ("format", "formato"))
        listed = "; ".join(f"{e['value']!r} at row {e['row']} column {e['column']}" for e in examples)
        listed_es = "; ".join(f"{e['value']!r} en fila {e['row']} columna {e['column']}" for e in examples)
        message = f"column '{name}': {count} value(s) are not valid {NOUN[cast.type]}{how}: {listed}"
        message_es = f"columna '{name}': {count} valor(es) no son {NOUN_ES[cast.type]}{how_es}: {listed_es}"
        if self.on_error == "null":
            ctx.warn(f"{message} (set to missing)", f"{message_es} (quedaron vacíos)")
            return count
        first = examples[0]
        raise ctx.error(
            message,
            message_es=message_es,
            row=first["row"], column=first["column"], value=first["value"], column_name=name, count=count,
            examples=examples,
        )  # fmt: skip


def _np(mask: pa.Array) -> np.ndarray:
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def _per_distinct(raw: pa.Array, convert: Callable[[pa.Array], tuple[pa.Array, ...]]) -> tuple[Any, ...]:
    """Run an element-wise ``convert`` once per distinct text when values repeat (codes, flags, dates)."""
    sample = raw.slice(0, SAMPLE)
    if len(raw) <= SAMPLE or len(pc.unique(sample)) > len(sample) // 4:
        return convert(raw)
    encoded = pc.dictionary_encode(raw)
    values, *masks = convert(encoded.dictionary)
    codes = pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    spread = [np.append(mask, False)[codes] if mask.any() else np.zeros(len(codes), bool) for mask in masks]
    return (pc.take(values, encoded.indices), *spread)  # a missing row points at the appended False


def _to_pandas(values: pa.Array, kind: str) -> Any:
    if kind == "text":
        return pd.array(values, dtype="str")
    masked = {"int": pd.Int64Dtype(), "float": pd.Float64Dtype(), "bool": pd.BooleanDtype()}
    return masked[kind].__from_arrow__(values) if kind in masked else pd.arrays.ArrowExtensionArray(values)


def _locate(table: Table, mask: np.ndarray, column: str, limit: int = 5) -> list[dict[str, Any]]:
    """RAW row, RAW column letter and raw text of the first ``limit`` flagged rows."""
    pos = np.flatnonzero(mask)[:limit]
    df = table.df
    rows = [int(r) for r in df[RAW_ROW].iloc[pos]] if RAW_ROW in df else [None] * len(pos)
    letter = table.origins.get(column)
    cols = df[RAW_COL].iloc[pos].tolist() if letter is None and RAW_COL in df else [letter] * len(pos)
    values = [None if pd.isna(v) else str(v) for v in df[column].iloc[pos]]
    return [{"row": r, "column": c, "value": v} for r, c, v in zip(rows, cols, values)]


__all__ = ["ColumnCast", "TypeCastStep"]
