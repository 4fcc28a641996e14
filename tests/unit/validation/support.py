"""Tiny tables and one-call validation for the validation tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa

from workbench.engine.core.table import RAW_ROW, Table
from workbench.engine.core.validation import ExpectationSpec, QAReport, validate

DEC = pd.ArrowDtype(pa.decimal128(38, 3))


def dec(*values: str | int | None) -> pd.Series:
    return pd.Series([None if v is None else Decimal(str(v)) for v in values], dtype=DEC)


def text(*values: str | None) -> pd.Series:
    return pd.Series(list(values), dtype="str")


def table(columns: dict[str, Any], *, first_raw_row: int = 2, origins: dict[str, str] | None = None,
          sheet: str | None = None) -> Table:
    """A layer table whose rows came from RAW rows first_raw_row, first_raw_row+1, ..."""
    df = pd.DataFrame(columns)
    df[RAW_ROW] = range(first_raw_row, first_raw_row + len(df))
    letters = origins if origins is not None else {c: chr(65 + i) for i, c in enumerate(columns)}
    return Table(df, origins=letters, sheet=sheet)


def specs(*entries: dict[str, Any], layer: str = "bronze") -> list[ExpectationSpec]:
    return [ExpectationSpec.model_validate({"id": f"{layer}.{i}", **e}) for i, e in enumerate(entries, start=1)]


def run(t: Table, *entries: dict[str, Any], layer: str = "bronze", control_totals: dict | None = None,
        **kwargs: Any) -> QAReport:
    return validate({layer: t}, {layer: specs(*entries, layer=layer)}, control_totals=control_totals or {}, **kwargs)


def only(report: QAReport):
    [result] = report.results
    return result
