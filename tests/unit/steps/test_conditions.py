"""Condition: every form, the text rules (stripped, missing never equal), combinators and validation."""

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from tests.helpers import ctx, make_table
from workbench.engine.core.errors import ColumnNotFoundError
from workbench.engine.core.steps.conditions import MAX_SLICED_RUNS, Condition, blank_mask, take_rows


@pytest.fixture
def table():
    return make_table({
        "denominacion": ["APORTE FISCAL   ", "resultado", None, "  \xa0 ", "RESULTADO"],
        "monto": ["10", " -800000 ", "n/a", None, "x"],
    })


def check(table, condition: dict) -> list[bool]:
    return Condition.model_validate(condition).evaluate(table, ctx()).tolist()


def test_equals_compares_stripped_text_and_missing_never_equals(table):
    assert check(table, {"column": "denominacion", "equals": "APORTE FISCAL"}) == [True, False, False, False, False]
    assert check(table, {"column": "denominacion", "equals": "RESULTADO"}) == [False, False, False, False, True]


def test_equals_case_insensitive(table):
    condition = {"column": "denominacion", "equals": "Resultado", "case_insensitive": True}
    assert check(table, condition) == [False, True, False, False, True]


def test_in_uses_the_yaml_key_in(table):
    condition = {"column": "denominacion", "in": ["resultado", "APORTE FISCAL"]}
    assert check(table, condition) == [True, True, False, False, False]


def test_matches_is_re_search_on_stripped_text(table):
    assert check(table, {"column": "denominacion", "matches": "FISCAL$"}) == [True, False, False, False, False]
    assert check(table, {"column": "denominacion", "matches": "sult", "case_insensitive": True}) == [
        False, True, False, False, True]


def test_matches_python_only_regex_features(table):
    # a lookbehind is Python-only (RE2 has none): still evaluated with re semantics
    assert check(table, {"column": "denominacion", "matches": r"(?<=APORTE )\w+"}) == [True, False, False, False, False]


def test_empty_true_and_false(table):
    assert check(table, {"column": "denominacion", "empty": True}) == [False, False, True, True, False]
    assert check(table, {"column": "denominacion", "empty": False}) == [True, True, False, False, True]


def test_comparisons_parse_numbers_in_text_and_non_numbers_are_false(table):
    assert check(table, {"column": "monto", "gt": 0}) == [True, False, False, False, False]
    assert check(table, {"column": "monto", "le": -800000}) == [False, True, False, False, False]
    assert check(table, {"column": "monto", "ge": 10}) == [True, False, False, False, False]
    assert check(table, {"column": "monto", "lt": 100}) == [True, True, False, False, False]


def test_comparisons_and_equals_on_a_numeric_column():
    table = make_table({"a": ["1", "2", "3"]})
    table = table.with_df(table.df.assign(n=pd.array([1.5, None, -2.0], dtype="Float64")))
    assert check(table, {"column": "n", "lt": 0}) == [False, False, True]
    assert check(table, {"column": "n", "equals": "1.5"}) == [True, False, False]
    assert check(table, {"column": "n", "in": [-2, 7]}) == [False, False, True]


def test_all_empty_true_ignores_provenance_and_list_form():
    table = make_table({"a": [None, "x", " "], "b": ["  ", None, None]})
    assert check(table, {"all_empty": True}) == [True, False, True]
    assert check(table, {"all_empty": ["b"]}) == [True, True, True]
    assert check(table, {"all_empty": False}) == [False, True, False]


def test_any_all_not(table):
    resultado = {"column": "denominacion", "equals": "RESULTADO", "case_insensitive": True}
    positive = {"column": "monto", "gt": 0}
    assert check(table, {"any": [resultado, positive]}) == [True, True, False, False, True]
    assert check(table, {"all": [resultado, {"column": "monto", "lt": 0}]}) == [False, True, False, False, False]
    assert check(table, {"not": resultado}) == [True, False, True, True, False]


def test_result_keeps_the_table_index(table):
    sliced = table.with_df(table.df.iloc[2:])
    mask = Condition.model_validate({"column": "monto", "empty": True}).evaluate(sliced, ctx())
    assert list(mask.index) == [2, 3, 4] and mask.dtype == bool


def test_missing_columns_are_reported_together(table):
    condition = Condition.model_validate({"any": [{"column": "nope", "empty": True}, {"all_empty": ["nada"]}]})
    with pytest.raises(ColumnNotFoundError) as err:
        condition.evaluate(table, ctx())
    assert "'nope'" in str(err.value) and "'nada'" in str(err.value)


def test_blank_mask_on_text():
    table = make_table({"a": ["", " ", "\xa0", None, "x"]})
    assert blank_mask(table.df["a"]).tolist() == [True, True, True, True, False]


def test_describe():
    either = {"any": [{"column": "a", "equals": "X"}, {"column": "b", "gt": 0}]}
    assert Condition.model_validate(either).describe() == "a = 'X' o b > 0"
    assert Condition.model_validate({"not": either}).describe() == "no (a = 'X' o b > 0)"
    assert Condition.model_validate({"column": "c", "empty": False}).describe() == "c no vacía"


@pytest.mark.parametrize(("condition", "message"), [
    ({"column": "a"}, "exactly one of"),
    ({"column": "a", "equals": "x", "matches": "y"}, "found: equals, matches"),
    ({"equals": "x"}, "`equals` needs a `column`"),
    ({"all_empty": True, "column": "a"}, "does not take a `column`"),
    ({"column": "a", "matches": "(unclosed"}, "invalid regular expression"),
    ({"column": "a", "gt": 1, "case_insensitive": True}, "case_insensitive"),
    ({"column": "a", "equals": True}, "true/false is not a cell value"),
    ({"column": "a", "in": []}, "at least 1 item"),
    ({"any": []}, "at least 1 item"),
    ({"all_empty": []}, "at least 1 item"),
    ({"column": "a", "eq": "x"}, "Extra inputs are not permitted"),
    ({"not": {"column": "a"}}, "exactly one of"),
])
def test_invalid_conditions_fail_at_load(condition, message):
    with pytest.raises(ValidationError, match=message):
        Condition.model_validate(condition)


def test_number_comparison_on_locale_formatted_text_is_an_error_not_a_guess():
    from workbench.engine.core.errors import StepError

    table = make_table({"monto": ["1.500", "2.000.000", "999"]})
    with pytest.raises(StepError, match="depends on the locale"):
        check(table, {"column": "monto", "gt": 1000})
    assert check(make_table({"monto": ["1500", "-800000", "x"]}), {"column": "monto", "gt": 1000}) == [True, False, False]


@pytest.mark.parametrize("runs", [1, 3, MAX_SLICED_RUNS, MAX_SLICED_RUNS + 1])
def test_take_rows_equals_a_gather_however_many_runs_are_kept(runs):
    n = 4 * (MAX_SLICED_RUNS + 1)
    df = pd.DataFrame({"code": pd.array([f"{i:03d}" if i % 7 else None for i in range(n)], dtype="str"),
                       "_raw_row": np.arange(n, dtype=np.int64) + 2}, index=np.arange(n) * 10)
    keep = np.zeros(n, bool)
    for r in range(runs):  # `runs` separate runs of two kept rows
        keep[4 * r + 1 : 4 * r + 3] = True
    taken = take_rows(df, keep)
    pd.testing.assert_frame_equal(taken, df.iloc[np.flatnonzero(keep)], check_exact=True)
    assert taken["code"].tolist()[:2] == ["001", "002"]


def test_take_rows_of_nothing_kept_is_empty_with_the_columns():
    df = pd.DataFrame({"a": pd.array(["x", "y"], dtype="str")})
    assert take_rows(df, np.zeros(2, bool)).columns.tolist() == ["a"]
    assert len(take_rows(df, np.zeros(2, bool))) == 0
