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
from workbench.engine.core.validation.vectorised.column_map import plain_mask
from workbench.engine.core.validation.vectorised.gxdoc import (MAX_RESULT_RECORDS, Outcome, failed, map_result,
                                                               mostly_success)
from workbench.engine.core.validation.vectorised.kwargs import GxKwargs

PAIR_IGNORE = {"both_values_are_missing": "all", "either_value_is_missing": "any", "neither": None}
LIST_IGNORE = {"all_values_are_missing": "all", "any_value_is_missing": "any", "never": None}


class Rows:
    """The rows a pair or multicolumn check looks at: the table's minus those ``ignore_row_if`` drops (GX:
    ``dropna(how=..., subset=columns)`` in ``get_domain_records``). ``keep`` is None when no row is dropped."""

    def __init__(self, batch: Batch, columns: list[str], ignore: str, how_by: dict[str, str | None]) -> None:
        if ignore not in how_by:
            raise ValueError(f'Unrecognized value of ignore_row_if ("{ignore}").')
        batch.require(columns)
        self.batch, self.columns = batch, columns
        self.keep: np.ndarray | None = None
        how = how_by[ignore]
        gaps = [c for c in dict.fromkeys(columns) if batch.null_count(c)]
        # "all": a row is dropped only when every column misses it, so one column without a gap keeps every row;
        # "any": only the columns with gaps can drop a row
        if how is not None and gaps and (how == "any" or len(gaps) == len(dict.fromkeys(columns))):
            missing = [~batch.notnull(c).to_numpy() for c in gaps]
            drop = np.logical_and.reduce(missing) if how == "all" else np.logical_or.reduce(missing)
            self.keep = ~drop if drop.any() else None

    def __len__(self) -> int:
        return self.batch.rows if self.keep is None else int(np.count_nonzero(self.keep))

    def positions(self) -> np.ndarray:
        return np.arange(self.batch.rows) if self.keep is None else np.flatnonzero(self.keep)

    def series(self, name: str) -> pd.Series:
        column = self.batch.column(name)
        return column if self.keep is None else column[self.keep]

    def frame(self, columns: list[str]) -> pd.DataFrame:
        """``df[columns]`` over these rows (a column named twice appears twice, as in GX's frame)."""
        frame = self.batch.assemble({c: self.batch.column(c) for c in dict.fromkeys(self.columns)})
        return (frame if self.keep is None else frame[self.keep])[columns]


def _map(batch: Batch, kw: GxKwargs, columns: list[str], how_by: dict[str, str | None],
         condition: Callable[[Rows, GxKwargs], Any], listed: Callable[[pd.DataFrame], list[Any]]) -> Outcome:
    try:
        rows = Rows(batch, columns, kw["ignore_row_if"], how_by)
        unexpected = ~condition(rows, kw)
        mask = plain_mask(unexpected)
        if mask is None:  # GX's own pandas selections (they fail where GX's fail)
            frame = rows.frame(columns)
            count = int(np.count_nonzero(unexpected))
            values = listed(frame[unexpected == True][:MAX_RESULT_RECORDS])  # noqa: E712
            index = frame[unexpected].index.tolist()
        else:
            hits = rows.positions()[np.flatnonzero(mask)]
            count, index = len(hits), hits.tolist()
            shown = hits[:MAX_RESULT_RECORDS]
            values = listed(batch.assemble({c: batch.column(c) for c in dict.fromkeys(columns)}).iloc[shown]) \
                if count else []
    except Unsupported:
        raise
    except Exception as exc:
        return failed(str(exc))
    total, kept = batch.rows, len(rows)
    success = True if total == 0 or kept == 0 else mostly_success(kept, count, kw["mostly"])
    return Outcome(success, map_result(success, element_count=total, unexpected_count=count, unexpected_list=values,
                                       unexpected_index_list=index, nonnull_count=kept))


def _pair(condition: Callable[[pd.Series, pd.Series, GxKwargs], Any]) -> Callable[[Batch, GxKwargs], Outcome]:
    def check(batch: Batch, kw: GxKwargs) -> Outcome:
        a, b = kw["column_A"], kw["column_B"]
        return _map(batch, kw, [a, b], PAIR_IGNORE, lambda rows, k: condition(rows.series(a), rows.series(b), k),
                    lambda shown: _pairs(shown[[a, b]], a, b))
    return check


def _pairs(rows: pd.DataFrame, a: str, b: str) -> list[Any]:
    """GX's unexpected (A, B) values (when A and B are one column, GX pairs that column's 2-wide rows)."""
    return list(zip(rows[a].values, rows[b].values))


def _multi(condition: Callable[[Rows, GxKwargs], Any]) -> Callable[[Batch, GxKwargs], Outcome]:
    def check(batch: Batch, kw: GxKwargs) -> Outcome:
        columns = list(kw["column_list"])
        return _map(batch, kw, columns, LIST_IGNORE, condition, lambda shown: shown[columns].to_dict("records"))
    return check


#: Combined keys below this bound (or below this many per row) are counted in an array indexed by key
#: instead of hashed: a linear pass, several times cheaper than pandas' ``duplicated``.
COUNT_MAX_KEYS = 1 << 22
COUNT_KEYS_PER_ROW = 8


def _unique_rows(rows: Rows, kw: GxKwargs) -> np.ndarray:
    """``~df[column_list].duplicated(keep=False)`` from each column's codes (computed once per column and
    shared by the layer's checks), combined into one integer per row."""
    positions = None if rows.keep is None else rows.positions()
    key: np.ndarray | None = None
    radix = 1
    for column in rows.columns:
        codes = rows.batch.codes(column) + 1  # pandas' factorize codes a missing value -1
        if positions is not None:
            codes = codes[positions]
        size = int(codes.max()) + 1 if len(codes) else 1
        if key is not None and radix >= 2**62 // size:
            key = np.unique(key, return_inverse=True)[1].astype(np.int64)  # re-number before it overflows
            radix = int(key.max()) + 1 if len(key) else 1
        key, radix = (codes, size) if key is None else (key * size + codes, radix * size)
    assert key is not None
    if radix <= max(COUNT_MAX_KEYS, COUNT_KEYS_PER_ROW * len(key)):
        return np.bincount(key, minlength=radix)[key] == 1
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


def _within_record(rows: Rows, kw: GxKwargs) -> Any:
    frame = rows.frame(rows.columns)
    return frame.nunique(dropna=False, axis=1) >= len(frame.columns)


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
    "expect_select_column_values_to_be_unique_within_record": _multi(_within_record),
    "expect_multicolumn_sum_to_equal":
        _multi(lambda rows, kw: rows.frame(rows.columns).sum(axis=1, skipna=False) == kw["sum_total"]),
    "expect_multicolumn_values_to_be_equal": _multi(lambda rows, kw: _all_equal(rows.frame(rows.columns))),
}

__all__ = ["MULTICOLUMN"]
