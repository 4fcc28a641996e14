"""Turn table rows into JSON-ready values (previews, timelines, API responses). Exact numbers stay exact."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import pandas as pd


def json_value(value: Any) -> Any:
    """A JSON-safe form of one cell: NA -> None, exact decimals -> int or str, dates -> ISO text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, Decimal):
        if value.is_nan():
            return None
        return int(value) if value == value.to_integral_value() else str(value.normalize())
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date().isoformat() if value == value.replace(hour=0, minute=0, second=0, microsecond=0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return json_value(value.item())
    return value


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a (small) frame as dicts of JSON-safe values, columns in order. Column-wise ``tolist``:
    element access on Arrow-backed columns is slow, a column's list conversion is one call."""
    columns = [str(c) for c in df.columns]
    values = [[json_value(v) for v in series.tolist()] for _, series in df.items()]
    return [dict(zip(columns, row)) for row in zip(*values)] if values else [{} for _ in range(len(df))]


def jsonable(value: Any) -> Any:
    """``value`` with every nested cell made JSON-safe (Decimals, dates, numpy scalars, NA)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return json_value(value)
