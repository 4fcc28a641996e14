"""The shortcuts QA takes for speed give exactly what their plain versions give.

Both QA engines share these (the hierarchy and control-total checks are the same pure code under GX and the
vectorised path), so the differential test cannot see them: each is compared here with its plain version,
forced by patching the shortcut off.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.validation.test_differential import budgets, long_budget
from workbench.engine.core.steps import conditions
from workbench.engine.core.validation import hierarchy
from workbench.engine.core.validation.hierarchy import HierarchyKwargs, check_hierarchy

LEVELS = ["subtitulo", "item", "asignacion"]


def outcome(df: pd.DataFrame, kw: HierarchyKwargs) -> tuple[int, list[dict[str, Any]]]:
    result = check_hierarchy(df, kw)
    return result.parents_checked, [m.to_dict() for m in result.mismatches]


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(layer=budgets(), tolerance=st.sampled_from(["0", "0.001", "1", "0.0000001"]),
       measures=st.sampled_from([["inicial"], ["inicial", "vigente"]]))
def test_hierarchy_in_int64_units_equals_decimal256(layer: Any, tolerance: str, measures: list[str]) -> None:
    df = layer.df[layer.data_columns].reset_index(drop=True)
    kw = HierarchyKwargs(levels=LEVELS, group_by=["programa"], measures=measures, tolerance=Decimal(tolerance))
    fast = outcome(df, kw)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hierarchy, "_units", lambda amounts, scale: None)
        assert outcome(df, kw) == fast


def test_hierarchy_takes_int64_units_only_when_every_sum_fits() -> None:
    small = pa.array([Decimal("1.5"), None, Decimal("-2.25")], pa.decimal128(38, 3))
    units = hierarchy._units({"a": small}, 3)
    assert units is not None and units["a"].to_pylist() == [1500, 0, -2250]
    assert hierarchy._units({"a": small}, 5)["a"].to_pylist() == [150000, 0, -225000]  # type: ignore[index]
    huge = pa.array([Decimal("12345678901234567.891")], pa.decimal128(38, 3))  # 1.2e19 units: beyond int64
    assert hierarchy._units({"a": huge}, 3) is None
    near = pa.array([Decimal(2**61)] * 3, pa.decimal128(38, 0))  # fits, but three of them summed would not
    assert hierarchy._units({"a": near}, 0) is None
    assert hierarchy._units({"a": pa.array([1, 2], pa.int64())}, 0) is None  # integers take the decimal path


def test_long_hierarchy_mismatches_are_the_same_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    df = long_budget(programs=40).df.reset_index(drop=True)
    kw = HierarchyKwargs(levels=LEVELS, group_by=["programa", "capitulo", "moneda"], measures=["monto"])
    fast = outcome(df, kw)
    assert fast[1], "the table has parents that do not add up"
    monkeypatch.setattr(hierarchy, "_units", lambda amounts, scale: None)
    assert outcome(df, kw) == fast


@pytest.mark.parametrize("values", [
    ["21", " 05 ", None, "x", "-3", "+7", "", "22"],
    ["21", "05", "1.500", "22"],  # locale-dependent: the first one in row order is named
    ["7", "1,5", "2.000.000", "05"],
])
def test_numbers_parsed_per_distinct_text_equal_the_row_by_row_parse(values: list[Any],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    series = pd.Series((values * (conditions.DISTINCT_MIN_ROWS // len(values) + 1)), dtype="str")
    assert len(series) >= conditions.DISTINCT_MIN_ROWS

    def parse() -> Any:
        try:
            return conditions._numbers(series)
        except conditions._AmbiguousText as exc:
            return ("ambiguous", exc.args[0])

    fast = parse()
    monkeypatch.setattr(conditions, "DISTINCT_MIN_ROWS", 10**9)
    plain = parse()
    if isinstance(plain, tuple):
        assert fast == plain
    else:
        np.testing.assert_array_equal(fast, plain)  # NaN where NaN
