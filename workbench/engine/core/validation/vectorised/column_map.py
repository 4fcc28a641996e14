"""Column map checks (one yes/no per row of one column), vectorised as GX's pandas engine computes them.

Each condition below is GX 1.24's pandas metric for the type, applied to the same domain (the column without
its missing values, except for the null checks); the verdict and the result are GX's ``ColumnMapExpectation``
(``mostly`` over the non-missing rows) or, for the null checks, their own rule (``mostly`` over all rows).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd
import pyarrow as pa

from workbench.engine.core.validation.vectorised.batch import Batch, Unsupported
from workbench.engine.core.validation.vectorised.gxdoc import (MAX_RESULT_RECORDS, Outcome, failed, map_result,
                                                               mostly_success)
from workbench.engine.core.validation.vectorised.kwargs import GxKwargs

Condition = Callable[[pd.Series, GxKwargs], Any]


def column_map(batch: Batch, kw: GxKwargs, condition: Condition, *, nulls_count: bool = False) -> Outcome:
    """Evaluate ``condition`` (True = the row meets the expectation) over the column's domain.
    ``nulls_count``: the null checks, whose domain keeps the missing values."""
    name = kw["column"]
    try:
        domain = batch.column(name) if nulls_count else batch.domain(name)
        count, values, index = unexpected_rows(domain, ~condition(domain, kw))
    except Unsupported:
        raise
    except Exception as exc:  # GX reports a metric that raises as the check's error, never a crash
        return failed(str(exc))
    total = batch.rows
    if nulls_count:
        success = True if total == 0 else (total - count) / total >= kw["mostly"]
        return Outcome(success, map_result(success, element_count=total, unexpected_count=count,
                                           unexpected_list=values, unexpected_index_list=index, nonnull_count=None))
    nonnull = total - batch.null_count(name)
    success = True if total == 0 or nonnull == 0 else mostly_success(nonnull, count, kw["mostly"])
    return Outcome(success, map_result(success, element_count=total, unexpected_count=count, unexpected_list=values,
                                       unexpected_index_list=index, nonnull_count=nonnull))


def unexpected_rows(domain: pd.Series | pd.DataFrame, unexpected: Any,
                    listed: Callable[[Any], list[Any]] | None = None) -> tuple[int, list[Any], list[int]]:
    """(count, first 200 unexpected values, every unexpected row's index) as GX's metrics give them. A plain
    boolean mask takes numpy's way; anything else (a mask with missing values) GX's own pandas selections, so
    that they fail where GX's fail."""
    listed = listed or (lambda rows: list(rows))
    mask = plain_mask(unexpected)
    if mask is None:
        count = int(np.count_nonzero(unexpected))
        values = listed(domain[unexpected == True][:MAX_RESULT_RECORDS])  # noqa: E712  (GX's selection)
        frame = domain.to_frame() if isinstance(domain, pd.Series) else domain
        return count, values, frame[unexpected].index.tolist()
    positions = np.flatnonzero(mask)
    if not len(positions):
        return 0, [], []
    return len(positions), listed(domain.iloc[positions[:MAX_RESULT_RECORDS]]), domain.index[positions].tolist()


def plain_mask(values: Any) -> np.ndarray | None:
    """A boolean mask as a numpy bool array; None when it holds missing values (or is not boolean)."""
    if isinstance(values, np.ndarray):
        return values if values.dtype == np.bool_ else None
    if isinstance(values, pd.Series) and pd.api.types.is_bool_dtype(values.dtype):
        if values.dtype == np.bool_:
            return values.to_numpy()
        if not values.hasnans:
            return values.to_numpy(dtype=np.bool_)
    return None


def _in_set(column: pd.Series, kw: GxKwargs, distinct: tuple[np.ndarray, pd.Series] | None = None) -> Any:
    value_set = kw.get("value_set")
    if value_set is None:
        return np.ones(len(column), dtype=np.bool_)
    shared = _by_value(column, distinct, lambda values: values.isin(value_set))
    return column.isin(value_set) if shared is None else shared


def _not_in_set(column: pd.Series, kw: GxKwargs) -> Any:
    if pd.api.types.is_datetime64_any_dtype(column):
        raise Unsupported("GX parses the value set of a datetime column")
    value_set = kw.get("value_set")
    return np.ones(len(column), dtype=np.bool_) if value_set is None else ~column.isin(value_set)


#: Below this many rows a regex runs on the rows themselves (encoding them first would cost more).
DISTINCT_MIN_ROWS = 2_000


def _by_value(domain: pd.Series, distinct: tuple[np.ndarray, pd.Series] | None,
              answer: Callable[[pd.Series], Any]) -> pd.Series | None:
    """``answer`` (a test that depends only on each value) computed once per distinct value of a long text
    column, each row taking its value's answer; None when that would not be cheaper or not plainly boolean."""
    if distinct is None or len(domain) < DISTINCT_MIN_ROWS:
        return None
    codes, values = distinct
    if len(values) * 4 >= len(domain) or len(codes) != len(domain):
        return None
    answers = plain_mask(answer(values))
    if answers is None:
        return None
    return pd.Series(answers[codes], index=domain.index, name=domain.name)


def _shared(check: Callable[[pd.Series, GxKwargs, Any], Any]) -> Callable[[Batch, GxKwargs], Outcome]:
    """A column map check given the batch's distinct values of its column (Batch.distinct)."""
    def run(batch: Batch, kw: GxKwargs) -> Outcome:
        name = kw["column"]
        return column_map(batch, kw, lambda domain, k: check(
            domain, k, batch.distinct(name) if len(domain) >= DISTINCT_MIN_ROWS else None))  # short: not worth it
    return run


def _contains(column: pd.Series, regex: str, distinct: tuple[np.ndarray, pd.Series] | None = None) -> Any:
    """GX's ``column.astype(str).str.contains(regex)``. On a long Arrow text column without missing values the
    regex runs once per distinct value (DIPRES codes, periods and currencies repeat thousands of times), with
    the same pandas method on a column of the same type, and each row takes its value's answer. ``distinct``:
    the batch's encoding of the column (the same values, encoded once for every check of the layer)."""
    shared = _by_value(column, distinct, lambda values: values.str.contains(regex))
    if shared is not None:
        return shared
    text = column.astype(str)
    storage = getattr(text.array, "_pa_array", None)
    if len(text) >= DISTINCT_MIN_ROWS and isinstance(storage, (pa.Array, pa.ChunkedArray)) \
            and (pa.types.is_string(storage.type) or pa.types.is_large_string(storage.type)) \
            and storage.null_count == 0:
        encoded = storage.dictionary_encode()
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        if len(encoded.dictionary) * 4 < len(text):
            distinct = pd.Series(pd.array(encoded.dictionary, dtype=text.dtype)).str.contains(regex)
            answers = plain_mask(distinct)
            if answers is not None:
                indices = encoded.indices.to_numpy(zero_copy_only=False)
                return pd.Series(answers[indices], index=text.index, name=text.name)
    return text.str.contains(regex)


def _regex_list(column: pd.Series, kw: GxKwargs) -> pd.DataFrame:
    return pd.concat([_contains(column, regex) for regex in kw["regex_list"]], axis=1, ignore_index=True)


def _match_regex_list(column: pd.Series, kw: GxKwargs) -> Any:
    matches = _regex_list(column, kw)
    if kw.get("match_on") == "any":
        return matches.any(axis="columns")
    if kw.get("match_on") == "all":
        return matches.all(axis="columns")
    raise ValueError("match_on must be either 'any' or 'all'")


def _lengths_between(column: pd.Series, kw: GxKwargs) -> Any:
    lengths = column.astype(str).str.len()
    low, high, strict_min, strict_max = kw.get("min_value"), kw.get("max_value"), kw.get("strict_min"), \
        kw.get("strict_max")
    if low is not None and high is not None:
        inclusive = {(True, True): "neither", (True, False): "right", (False, True): "left",
                     (False, False): "both"}[(bool(strict_min), bool(strict_max))]
        return lengths.between(low, high, inclusive=inclusive)
    if high is not None:
        return lengths < high if strict_max else lengths <= high
    if low is not None:
        return lengths > low if strict_min else lengths >= low
    raise ValueError("Invalid configuration")


def _between(column: pd.Series, kw: GxKwargs) -> Any:
    low, high, strict_min, strict_max = kw.get("min_value"), kw.get("max_value"), kw.get("strict_min"), \
        kw.get("strict_max")
    if low is None and high is None:
        raise ValueError("min_value and max_value cannot both be None")
    if low is not None and high is not None and low > high:
        raise ValueError("min_value cannot be greater than max_value")
    if column.dtype in [int, float]:
        if low is None:
            return column < high if strict_max else column <= high
        if high is None:
            return low < column if strict_min else low <= column
        above = (low < column) if strict_min else (low <= column)
        return above & ((column < high) if strict_max else (column <= high))
    if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_ns_dtype(column.dtype):
        raise Unsupported("GX parses date bounds for datetime columns")
    return column.map(lambda value: _is_between(value, low, high, strict_min, strict_max))


def _is_between(value: Any, low: Any, high: Any, strict_min: Any, strict_max: Any) -> bool:
    """GX's per-value test for columns that are not numpy numbers (Arrow decimals, text, dates)."""
    for bound in (low, high):
        if bound is not None and isinstance(value, str) != isinstance(bound, str):
            raise TypeError("Column values, min_value, and max_value must either be None or of the same type.")
    if low is not None and high is not None:
        return ((value > low) if strict_min else (value >= low)) and ((value < high) if strict_max else (value <= high))
    if high is not None:
        return value < high if strict_max else value <= high
    return value > low if strict_min else value >= low


def _monotonic(increasing: bool) -> Condition:
    def condition(column: pd.Series, kw: GxKwargs) -> Any:
        diff = column.diff()
        zero = pd.Timedelta(0) if pd.api.types.is_timedelta64_dtype(diff.dtype) else 0
        strictly = kw.get("strictly") or False
        if increasing:
            in_order = diff > zero if strictly else diff >= zero
        else:
            in_order = diff < zero if strictly else diff <= zero
        return in_order | diff.isnull()
    return condition


def _not_null(batch: Batch, kw: GxKwargs) -> Outcome:
    """A column whose Arrow storage has no missing value passes without building its GX column (a decimal
    column's float64 round trip costs more than the check)."""
    if batch.surely_complete(kw["column"]):
        total = batch.rows
        return Outcome(True, map_result(True, element_count=total, unexpected_count=0, unexpected_list=[],
                                        unexpected_index_list=[], nonnull_count=None))
    return column_map(batch, kw, lambda c, k: ~c.isnull(), nulls_count=True)


def _check(condition: Condition, **options: Any) -> Callable[[Batch, GxKwargs], Outcome]:
    return lambda batch, kw: column_map(batch, kw, condition, **options)


#: type -> its vectorised check
COLUMN_MAP: dict[str, Callable[[Batch, GxKwargs], Outcome]] = {
    "expect_column_values_to_not_be_null": _not_null,
    "expect_column_values_to_be_null": _check(lambda c, kw: c.isnull(), nulls_count=True),
    "expect_column_values_to_be_in_set": _shared(_in_set),
    "expect_column_values_to_not_be_in_set": _check(_not_in_set),
    "expect_column_values_to_match_regex": _shared(lambda c, kw, d: _contains(c, kw["regex"], d)),
    "expect_column_values_to_not_match_regex": _shared(lambda c, kw, d: ~_contains(c, kw["regex"], d)),
    "expect_column_values_to_match_regex_list": _check(_match_regex_list),
    "expect_column_values_to_not_match_regex_list": _check(lambda c, kw: ~_regex_list(c, kw).any(axis="columns")),
    "expect_column_value_lengths_to_equal": _check(lambda c, kw: c.astype(str).str.len() == kw["value"]),
    "expect_column_value_lengths_to_be_between": _check(_lengths_between),
    "expect_column_values_to_be_between": _check(_between),
    "expect_column_values_to_be_unique": _check(lambda c, kw: ~c.duplicated(keep=False)),
    "expect_column_values_to_be_increasing": _check(_monotonic(increasing=True)),
    "expect_column_values_to_be_decreasing": _check(_monotonic(increasing=False)),
}

__all__ = ["COLUMN_MAP", "column_map"]
