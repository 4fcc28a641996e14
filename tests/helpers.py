"""Tiny factories for tests: build a Table the way a reader would (text columns + provenance)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.engine.core.steps.base import StepContext
from workbench.engine.core.table import RAW_ROW, Table, column_letter


def make_table(columns: dict[str, list[Any]], *, first_row: int = 2, sheet: str | None = None) -> Table:
    """A Table with text columns (None -> missing), ``_raw_row`` = first_row.. and origins A, B, C..."""
    n = len(next(iter(columns.values()))) if columns else 0
    data = {name: pd.array(values, dtype="str") for name, values in columns.items()}
    df = pd.DataFrame(data)
    df[RAW_ROW] = pd.array(range(first_row, first_row + n), dtype="int64")
    origins = {name: column_letter(i) for i, name in enumerate(columns)}
    return Table(df=df, origins=origins, sheet=sheet)


def ctx(**params: Any) -> StepContext:
    return StepContext(params=params, layer="bronze", step_label="1")


def rows(table: Table) -> list[dict[str, Any]]:
    """Data rows as plain dicts (NA -> None), provenance columns left out."""
    out = table.df[table.data_columns].astype(object)
    out = out.where(out.notna(), None)
    return out.to_dict("records")


def real_redis_db() -> int:
    """The real Redis DB index of this test process: 13 alone, 13 + n for pytest-xdist worker ``gw<n>`` (so
    parallel workers never clean each other's RQ queues), kept within Redis's default 16 databases (10-15)."""
    import os

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    n = int(worker[2:]) if worker[2:].isdigit() else 0
    return 10 + (3 + n) % 6
