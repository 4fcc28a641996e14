"""Column aggregate checks (one statistic of a column against a range or a set), as GX's pandas engine
computes them: the statistic over the whole column (pandas skips missing values), then GX's verdict.

The numeric statistics are evaluated here only on numeric pandas columns (numpy or masked): on other columns
GX converts values in place (Arrow decimals to floats) or parses dates, and those checks go to GX.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import numpy as np
import pandas as pd

from workbench.engine.core.validation.vectorised.batch import Batch, Unsupported
from workbench.engine.core.validation.vectorised.gxdoc import Outcome, failed
from workbench.engine.core.validation.vectorised.kwargs import GxKwargs
from workbench.engine.core.validation.vectorised.table import metric_between

#: GX's MAX_DISTINCT_VALUES: values listed by the distinct-value checks.
MAX_DISTINCT_VALUES = 20


def _numeric(column: pd.Series) -> pd.Series:
    dtype = column.dtype
    if isinstance(dtype, pd.ArrowDtype) or not pd.api.types.is_numeric_dtype(dtype):
        raise Unsupported("GX converts or parses this column's values for a statistic")
    return column


def _statistic(compute: Callable[[pd.Series], Any]) -> Callable[[Batch, GxKwargs], Outcome]:
    def check(batch: Batch, kw: GxKwargs) -> Outcome:
        try:
            column = batch.column(kw["column"])
            value = compute(_numeric(column))
        except Unsupported:
            raise
        except Exception as exc:
            return failed(str(exc))
        return metric_between(value, kw)
    return check


def _distinct(column: pd.Series, value_set: list[Any]) -> tuple[set[Any], set[Any]]:
    """(the column's distinct values, the value set as GX compares it with them)."""
    column_set = set(column.dropna().unique())
    if not column_set or not value_set:
        return column_set, set(value_set) if value_set else set()
    if isinstance(next(iter(column_set)), (np.datetime64, dt.date)):
        raise Unsupported("GX coerces the value set to the column's dates")
    return column_set, set(value_set)


def _sorted(values: list[Any]) -> list[Any]:
    try:
        return sorted(values)
    except TypeError:
        return values


def _distinct_check(kind: str) -> Callable[[Batch, GxKwargs], Outcome]:
    def check(batch: Batch, kw: GxKwargs) -> Outcome:
        try:
            column_set, expected = _distinct(batch.column(kw["column"]), kw["value_set"])
            unexpected = _sorted(list(column_set - expected))[:MAX_DISTINCT_VALUES]
            missing = list(expected - column_set)[:MAX_DISTINCT_VALUES]
            unexpected_count, missing_count = len(column_set - expected), len(expected - column_set)
        except Unsupported:
            raise
        except Exception as exc:
            return failed(str(exc))
        result: dict[str, Any] = {"observed_value": None}
        if kind == "in":
            result.update(unexpected_count=unexpected_count, partial_unexpected_list=unexpected)
            return Outcome(unexpected_count == 0, result)
        if kind == "contain":
            result.update(missing_count=missing_count, partial_missing_list=missing)
            return Outcome(missing_count == 0, result)
        result.update(unexpected_count=unexpected_count, missing_count=missing_count,
                      partial_unexpected_list=unexpected, partial_missing_list=missing)
        return Outcome(unexpected_count == 0 and missing_count == 0, result)
    return check


def _counted(compute: Callable[[Batch, pd.Series], Any]) -> Callable[[Batch, GxKwargs], Outcome]:
    def check(batch: Batch, kw: GxKwargs) -> Outcome:
        try:
            value = compute(batch, batch.column(kw["column"]))
        except Exception as exc:
            return failed(str(exc))
        return metric_between(value, kw)
    return check


def _unique_share(batch: Batch, column: pd.Series) -> Any:
    total, nulls = batch.rows, batch.null_count(str(column.name))
    return column.nunique() / (total - nulls) if total > 0 and total != nulls else 0


def _nonnull_share(batch: Batch, column: pd.Series) -> Any:
    return column.notnull().sum() / batch.rows if batch.rows > 0 else 0


def _most_common(batch: Batch, kw: GxKwargs) -> Outcome:
    try:
        modes = list(batch.column(kw["column"]).mode().values)
        expected = set(kw.get("value_set") or [])
        shared = len(expected.intersection(modes))
    except Exception as exc:
        return failed(str(exc))
    success = shared > 0 if kw.get("ties_okay") else len(modes) == 1 and shared == 1
    return Outcome(success, {"observed_value": modes})


#: type -> its vectorised check
AGGREGATE: dict[str, Callable[[Batch, GxKwargs], Outcome]] = {
    "expect_column_min_to_be_between": _statistic(lambda c: c.min()),
    "expect_column_max_to_be_between": _statistic(lambda c: c.max()),
    "expect_column_mean_to_be_between": _statistic(lambda c: c.mean()),
    "expect_column_median_to_be_between": _statistic(lambda c: c[~c.isnull()].median()),
    "expect_column_sum_to_be_between": _statistic(lambda c: c.sum()),
    "expect_column_stdev_to_be_between": _statistic(lambda c: c.std()),
    "expect_column_unique_value_count_to_be_between": _counted(lambda batch, c: c.nunique()),
    "expect_column_proportion_of_unique_values_to_be_between": _counted(_unique_share),
    "expect_column_proportion_of_non_null_values_to_be_between": _counted(_nonnull_share),
    "expect_column_distinct_values_to_be_in_set": _distinct_check("in"),
    "expect_column_distinct_values_to_contain_set": _distinct_check("contain"),
    "expect_column_distinct_values_to_equal_set": _distinct_check("equal"),
    "expect_column_most_common_value_to_be_in_set": _most_common,
}

__all__ = ["AGGREGATE"]
