"""Column pair and multicolumn map checks, vectorised as GX's pandas engine computes them.

The domain is the table's rows minus those ``ignore_row_if`` drops (``dropna`` over the named columns, as
GX's ``get_domain_records``); ``mostly`` is over the rows kept. Unexpected values are (A, B) pairs for a pair
check and ``{column: value}`` records for a multicolumn one, as GX lists them.
"""

from __future__ import annotations

from functools import reduce
from typing import Any, Callable

import numpy as np
import pandas as pd

from workbench.engine.core.validation.vectorised.batch import Batch, Unsupported
from workbench.engine.core.validation.vectorised.column_map import unexpected_rows
from workbench.engine.core.validation.vectorised.gxdoc import Outcome, failed, map_result, mostly_success
from workbench.engine.core.validation.vectorised.kwargs import GxKwargs

PAIR_IGNORE = {"both_values_are_missing": "all", "either_value_is_missing": "any", "neither": None}
LIST_IGNORE = {"all_values_are_missing": "all", "any_value_is_missing": "any", "never": None}


def _domain(batch: Batch, columns: list[str], ignore: str, how_by: dict[str, str | None]) -> pd.DataFrame:
    """The named columns without the rows ``ignore_row_if`` drops (GX: ``dropna(how=..., subset=columns)``)."""
    if ignore not in how_by:
        raise ValueError(f'Unrecognized value of ignore_row_if ("{ignore}").')
    frame = batch.df[list(dict.fromkeys(columns))]  # a column named twice is still one column of the table
    how = how_by[ignore]
    if how is None or not any(batch.null_count(c) for c in columns):
        return frame
    missing = np.column_stack([~batch.notnull(c).to_numpy() for c in columns])
    drop = missing.all(axis=1) if how == "all" else missing.any(axis=1)
    return frame[~drop] if drop.any() else frame


def _map(batch: Batch, kw: GxKwargs, columns: list[str], how_by: dict[str, str | None],
         condition: Callable[[pd.DataFrame, GxKwargs], Any], listed: Callable[[pd.DataFrame], list[Any]]) -> Outcome:
    try:
        batch.require(columns)
        domain = _domain(batch, columns, kw["ignore_row_if"], how_by)
        count, values, index = unexpected_rows(domain, ~condition(domain, kw), listed)
    except Unsupported:
        raise
    except Exception as exc:
        return failed(str(exc))
    total, kept = batch.rows, len(domain)
    success = True if total == 0 or kept == 0 else mostly_success(kept, count, kw["mostly"])
    return Outcome(success, map_result(success, element_count=total, unexpected_count=count, unexpected_list=values,
                                       unexpected_index_list=index, nonnull_count=kept))


def _pair(condition: Callable[[pd.Series, pd.Series, GxKwargs], Any]) -> Callable[[Batch, GxKwargs], Outcome]:
    def check(batch: Batch, kw: GxKwargs) -> Outcome:
        a, b = kw["column_A"], kw["column_B"]
        return _map(batch, kw, [a, b], PAIR_IGNORE, lambda d, k: condition(d[a], d[b], k),
                    lambda rows: _pairs(rows[[a, b]], a, b))
    return check


def _pairs(rows: pd.DataFrame, a: str, b: str) -> list[Any]:
    """GX's unexpected (A, B) values (when A and B are one column, GX pairs that column's 2-wide rows)."""
    return list(zip(rows[a].values, rows[b].values))


def _multi(condition: Callable[[Batch, pd.DataFrame, GxKwargs], Any]) -> Callable[[Batch, GxKwargs], Outcome]:
    def check(batch: Batch, kw: GxKwargs) -> Outcome:
        columns = list(kw["column_list"])
        return _map(batch, kw, columns, LIST_IGNORE, lambda d, k: condition(batch, d[columns], k),
                    lambda rows: rows.to_dict("records"))
    return check


def _unique_rows(batch: Batch, frame: pd.DataFrame, kw: GxKwargs) -> np.ndarray:
    """``~frame.duplicated(keep=False)`` from each column's factorize codes (computed once per column and
    shared by the layer's checks), combined into one integer per row."""
    positions = frame.index.to_numpy()
    key: np.ndarray | None = None
    for column in frame.columns:
        codes = batch.codes(column)[positions] + 1  # missing values (-1) are one value, as for duplicated
        size = int(codes.max()) + 1 if len(codes) else 1
        if key is not None and len(key) and int(key.max()) >= 2**62 // size:
            key = np.unique(key, return_inverse=True)[1].astype(np.int64)  # re-number before it overflows
        key = codes if key is None else key * size + codes
    assert key is not None
    return ~pd.Series(key).duplicated(keep=False).to_numpy()


def _greater(a: pd.Series, b: pd.Series, kw: GxKwargs) -> Any:
    return a >= b if kw.get("or_equal") else a > b


def _pairs_in_set(a: pd.Series, b: pd.Series, kw: GxKwargs) -> Any:
    pairs = kw.get("value_pairs_set")
    if pairs is None:
        return np.ones(len(a), dtype=np.bool_)
    wanted = {(x, y) for x, y in pairs}
    firsts = [None if pd.isnull(v) else v for v in a.astype(object)]
    seconds = [None if pd.isnull(v) else v for v in b.astype(object)]
    return pd.Series([pair in wanted for pair in zip(firsts, seconds)], index=a.index)


def _all_equal(frame: pd.DataFrame) -> Any:
    reference = frame.iloc[:, 0]
    missing = reference.isna()
    return reduce(lambda left, right: left & right,
                  [(column == reference) | (column.isna() & missing) for _, column in frame.items()])


#: type -> its vectorised check
MULTICOLUMN: dict[str, Callable[[Batch, GxKwargs], Outcome]] = {
    "expect_column_pair_values_a_to_be_greater_than_b": _pair(_greater),
    "expect_column_pair_values_to_be_equal": _pair(lambda a, b, kw: a == b),
    "expect_column_pair_values_to_be_in_set": _pair(_pairs_in_set),
    "expect_compound_columns_to_be_unique": _multi(_unique_rows),
    "expect_select_column_values_to_be_unique_within_record":
        _multi(lambda batch, frame, kw: frame.nunique(dropna=False, axis=1) >= len(frame.columns)),
    "expect_multicolumn_sum_to_equal":
        _multi(lambda batch, frame, kw: frame.sum(axis=1, skipna=False) == kw["sum_total"]),
    "expect_multicolumn_values_to_be_equal": _multi(lambda batch, frame, kw: _all_equal(frame)),
}

__all__ = ["MULTICOLUMN"]
