"""Arguments GX refuses when it builds an expectation (its pydantic validators): such a check goes to GX, so
the error result carries GX's own words. Types and required arguments are already checked at spec load."""

from __future__ import annotations

from typing import Callable

from workbench.engine.core.validation.vectorised.kwargs import GxKwargs


def _both_none(kw: GxKwargs) -> bool:
    return kw.get("min_value") is None and kw.get("max_value") is None


def _low_above_high(kw: GxKwargs) -> bool:
    low, high = kw.get("min_value"), kw.get("max_value")
    return low is not None and high is not None and low > high


def _empty(name: str) -> Callable[[GxKwargs], bool]:
    return lambda kw: not kw.get(name)


def _columns(*names: str) -> Callable[[GxKwargs], bool]:
    """GX's column fields are non-empty strict strings."""
    return lambda kw: any(not isinstance(kw.get(n), str) or not kw.get(n) for n in names)


def _column_list(kw: GxKwargs) -> bool:
    columns = kw.get("column_list")
    return not isinstance(columns, list) or len(columns) < 2 or any(not isinstance(c, str) for c in columns)


def _not_strings(name: str) -> Callable[[GxKwargs], bool]:
    return lambda kw: any(not isinstance(v, str) for v in kw.get(name) or [])


_COLUMN = _columns("column")
#: type -> the conditions under which GX refuses to build it (any one is enough)
REFUSED: dict[str, list[Callable[[GxKwargs], bool]]] = {
    "expect_column_values_to_be_between": [_COLUMN, _both_none],
    "expect_column_value_lengths_to_be_between": [_COLUMN, _both_none],
    "expect_column_values_to_match_regex_list": [_COLUMN, _empty("regex_list"), _not_strings("regex_list")],
    "expect_column_values_to_not_match_regex_list": [_COLUMN, _empty("regex_list"), _not_strings("regex_list")],
    "expect_column_distinct_values_to_be_in_set": [_COLUMN, _empty("value_set")],
    "expect_table_row_count_to_be_between": [_low_above_high],
    "expect_column_pair_values_a_to_be_greater_than_b": [_columns("column_A", "column_B")],
    "expect_column_pair_values_to_be_equal": [_columns("column_A", "column_B")],
    "expect_column_pair_values_to_be_in_set": [_columns("column_A", "column_B")],
    "expect_compound_columns_to_be_unique": [_column_list],
    "expect_select_column_values_to_be_unique_within_record": [_column_list],
    "expect_multicolumn_sum_to_equal": [_column_list],
    "expect_multicolumn_values_to_be_equal": [_column_list],
}


def refused(type_: str, kw: GxKwargs) -> bool:
    conditions = REFUSED.get(type_, [_COLUMN] if "column" in kw.values else [])
    return any(condition(kw) for condition in conditions)


__all__ = ["REFUSED", "refused"]
