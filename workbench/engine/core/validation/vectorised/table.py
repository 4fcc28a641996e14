"""Table checks (row count, columns), as GX's pandas engine computes them: the table's row count and its
data columns (the GX frame's: provenance columns are not data)."""

from __future__ import annotations

from itertools import zip_longest
from typing import Any, Callable

import pandas as pd

from workbench.engine.core.validation.vectorised.batch import Batch, Unsupported
from workbench.engine.core.validation.vectorised.gxdoc import Outcome
from workbench.engine.core.validation.vectorised.kwargs import GxKwargs


def metric_between(value: Any, kw: GxKwargs) -> Outcome:
    """GX's ``_validate_metric_value_between`` for numbers (date bounds go to GX: it parses them)."""
    if value is None or pd.isnull(value):
        return Outcome(False, {"observed_value": None})
    low, high = kw.get("min_value"), kw.get("max_value")
    if any(hasattr(v, "year") for v in (value, low, high)):
        raise Unsupported("GX parses dates for a between check")
    above = True if low is None else (value > low if kw.get("strict_min") else value >= low)
    below = True if high is None else (value < high if kw.get("strict_max") else value <= high)
    return Outcome(bool(above and below), {"observed_value": value})


def _columns(batch: Batch) -> list[str]:
    return list(batch.names)


def _ordered(batch: Batch, kw: GxKwargs) -> Outcome:
    expected, actual = kw.get("column_list"), _columns(batch)
    if expected is None or actual == list(expected):
        return Outcome(True, {"observed_value": actual})
    mismatched = [{"Expected Column Position": i, "Expected": k, "Found": v}
                  for i, k, v in zip_longest(range(max(len(expected), len(actual))), list(expected), actual) if k != v]
    return Outcome(False, {"observed_value": actual, "details": {"mismatched": mismatched}})


def _set(batch: Batch, kw: GxKwargs) -> Outcome:
    listed = kw.get("column_set")
    expected = set(listed) if listed is not None else set()
    actual = set(_columns(batch))
    extra, missing = actual - expected, expected - actual
    observed = sorted(str(c) for c in actual)
    if not extra and not missing:
        return Outcome(True, {"observed_value": observed})
    mismatched: dict[str, list[str]] = {}
    if extra:
        mismatched["unexpected"] = sorted(str(c) for c in extra)
    if missing:
        mismatched["missing"] = sorted(str(c) for c in missing)
    result = {"observed_value": observed, "details": {"mismatched": mismatched}}
    return Outcome(False if kw["exact_match"] or missing else True, result)


def _exists(batch: Batch, kw: GxKwargs) -> Outcome:
    columns, index = _columns(batch), kw.get("column_index")
    if index:
        try:
            return Outcome(columns[index] == kw["column"])
        except IndexError:
            return Outcome(False)
    return Outcome(kw["column"] in columns)


#: type -> its vectorised check
TABLE: dict[str, Callable[[Batch, GxKwargs], Outcome]] = {
    "expect_table_row_count_to_be_between": lambda batch, kw: metric_between(batch.rows, kw),
    "expect_table_row_count_to_equal":
        lambda batch, kw: Outcome(batch.rows == kw.get("value"), {"observed_value": batch.rows}),
    "expect_table_column_count_to_be_between": lambda batch, kw: metric_between(len(_columns(batch)), kw),
    "expect_table_column_count_to_equal":
        lambda batch, kw: Outcome(len(_columns(batch)) == kw.get("value"), {"observed_value": len(_columns(batch))}),
    "expect_table_columns_to_match_ordered_list": _ordered,
    "expect_table_columns_to_match_set": _set,
    "expect_column_to_exist": _exists,
}

__all__ = ["TABLE", "metric_between"]
