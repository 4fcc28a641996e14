"""``expect_control_total``: a signed sum over the table equals a total captured from the RAW file.

DIPRES execution files end with a ``RESULTADO`` footer (ingresos − gastos). ``drop_rows`` keeps its RAW text
as a control total (``{"value": "-10253120970", "row": 193, "column": "K"}``); this check recomputes it from
the rows: Σ ejecucion_acumulada over subtítulos < 20 minus Σ over subtítulos >= 20. Terms reuse the steps'
row conditions; the RAW text is parsed with the engine's number parser (locale given by ``decimal`` and
``thousands``); sums are exact decimals. The control total is a runtime value: the runner passes it in.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, ClassVar, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field

from workbench.engine.core.serialize import jsonable
from workbench.engine.core.steps._numbers import parse_numbers
from workbench.engine.core.steps.base import StepContext
from workbench.engine.core.steps.conditions import Condition
from workbench.engine.core.table import Table
from workbench.engine.core.validation.frames import EXACT, arrow_column, exact, require

WIDE = pa.decimal256(70, 18)
#: From this many rows on, a term's later tests gather only their own columns (selecting columns costs more than
#: it saves on a short table).
NARROW_MIN_ROWS = 2_000


class Term(BaseModel):
    """One signed sum: ``sign`` × Σ ``column`` over the rows where ``where`` holds (all rows without it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = Field(min_length=1, description="The amount column summed.")
    where: Condition | None = Field(default=None, description="Row condition (same language as drop_rows/filter).")
    sign: Literal[1, -1] = Field(default=1, description="1 adds the sum, -1 subtracts it.")


class ControlTotalKwargs(BaseModel):
    """Arguments of expect_control_total."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    supports_mostly: ClassVar[bool] = False

    control: str = Field(min_length=1, description="Name of the control total captured by a drop_rows `capture`.")
    terms: list[Term] = Field(min_length=1, description="Signed sums whose total must equal the control total.")
    tolerance: Decimal = Field(default=Decimal(0), ge=0, description="Allowed absolute difference.")
    decimal: str = Field(default=",", max_length=1, description="Decimal separator of the RAW text.")
    thousands: str = Field(default=".", max_length=1, description="Thousands separator of the RAW text ('' for none).")

    def columns(self) -> list[str]:
        return [c for t in self.terms for c in (t.column, *(t.where.columns() if t.where else []))]


@dataclass
class ControlOutcome:
    computed: Decimal
    expected: Decimal
    difference: Decimal
    rows_summed: int
    success: bool


def plain(number: Decimal) -> str:
    """Exact decimal text without exponent or trailing zeros (``-10253120970``, ``1234.5``)."""
    text = format(number, "f")  # never rounds (normalize() would, past 28 digits)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def parse_control(value: Any, *, decimal: str, thousands: str) -> Decimal:
    """The control total's RAW text (or a list of them, summed) as an exact number."""
    texts = value if isinstance(value, list) else [value]
    total = Decimal(0)
    for text in texts:
        if text is None:
            continue
        if not isinstance(text, str):  # already typed by a step
            total = EXACT.add(total, Decimal(str(text)))
            continue
        parsed = parse_numbers(pa.array([text.strip()]), "decimal", decimal=decimal, thousands=thousands, scale=18)
        number = parsed.values[0].as_py()
        if parsed.invalid[0] or number is None:
            raise ValueError(f"el total de control {text!r} no es un número")
        total = EXACT.add(total, number)
    return total


def check_control_total(df: pd.DataFrame, kw: ControlTotalKwargs, expected: Decimal,
                        scales: dict[str, int] | None = None) -> ControlOutcome:
    """Σ sign × Σ column over each term's rows, compared with ``expected`` (exact). ``df`` and ``scales`` as
    for check_hierarchy."""
    require(df, kw.columns(), "expect_control_total")
    scales = scales or {}
    ctx = StepContext(layer="qa", step_label="expect_control_total")
    computed, rows = Decimal(0), 0
    memo: dict[tuple[str, ...], np.ndarray] = {}  # terms often share their first tests (nivel = subtitulo)
    for term in kw.terms:
        values = arrow_column(df[term.column], scales.get(term.column))
        if term.where is not None:
            values = values.take(pa.array(_rows(term.where, df, ctx, memo)))
        values = exact(values, WIDE)  # after the filter: only the summed rows are widened
        rows += len(values)
        total = pc.sum(values).as_py() or Decimal(0)
        computed = EXACT.add(computed, total) if term.sign > 0 else EXACT.subtract(computed, total)
    difference = EXACT.subtract(computed, expected)
    return ControlOutcome(computed, expected, difference, rows, abs(difference) <= kw.tolerance)


def captured_value(kw: ControlTotalKwargs, control_totals: dict[str, Any], table: Table,
                   raw_text: Callable[[int, str], str | None] | None) -> tuple[str | None, dict[str, Any] | None]:
    """(the control total parsed from its RAW text, its RAW cell) or (None, None) when the run did not capture
    it. A RAW text that is not a number raises ValueError."""
    captured = control_totals.get(kw.control)
    if not captured:
        return None, None
    value = parse_control(captured.get("value"), decimal=kw.decimal, thousands=kw.thousands)
    row, column = captured.get("row"), captured.get("column")
    text = raw_text(row, column) if raw_text and isinstance(row, int) and column else None
    cell = {"sheet": table.sheet, "row": row, "column": column, "text": text, "value": captured.get("value")}
    return plain(value), jsonable(cell)


def _rows(condition: Condition, df: pd.DataFrame, ctx: StepContext,
          memo: dict[tuple[str, ...], np.ndarray] | None = None) -> np.ndarray:
    """Positions where ``condition`` holds. An ``all`` is evaluated test by test on the rows still in play:
    the first test (e.g. ``nivel = subtitulo``) usually leaves few rows for the costlier ones (``subtitulo < 20``
    parses numbers). ``memo`` keeps the rows each leading run of tests leaves (by the tests' text), so terms
    that start with the same tests evaluate them once."""
    memo = {} if memo is None else memo
    parts = condition.all_ or [condition]
    rows: np.ndarray = np.arange(len(df))
    prefix: tuple[str, ...] = ()
    for part in parts:
        prefix = (*prefix, part.model_dump_json(by_alias=True, exclude_none=True))
        if prefix in memo:
            rows = memo[prefix]
            continue
        if len(rows):
            subset = df
            if len(rows) != len(df):  # on a long table, only the columns the test reads are gathered
                if len(df) >= NARROW_MIN_ROWS and "all_empty" not in prefix[-1]:
                    subset = df[list(dict.fromkeys(part.columns()))]
                subset = subset.iloc[rows]
            hits = (_rows(part, subset, ctx) if part.all_
                    else np.flatnonzero(part.evaluate(Table(subset), ctx).to_numpy()))
            rows = rows[hits]
        memo[prefix] = rows
    return rows


__all__ = ["plain", "ControlOutcome", "ControlTotalKwargs", "Term", "captured_value", "check_control_total",
           "parse_control"]
