"""filter: keep matching rows."""

import pytest
from pydantic import ValidationError

from tests.helpers import ctx, make_table, rows
from workbench.engine.core.errors import ColumnNotFoundError
from workbench.engine.core.steps.filter import FilterStep


@pytest.fixture
def table():
    return make_table({"moneda": ["P", "D", "P", None], "monto": ["10", "20", "-5", "7"]}, first_row=3)


def test_keeps_matching_rows(table):
    c = ctx()
    out = FilterStep.model_validate({"where": {"column": "moneda", "equals": "P"}}).apply(table, c)
    assert rows(out) == [{"moneda": "P", "monto": "10"}, {"moneda": "P", "monto": "-5"}]
    assert out.df["_raw_row"].tolist() == [3, 5]
    assert list(out.df.index) == [0, 2]
    assert out.origins == {"moneda": "A", "monto": "B"}
    assert c.details["rows_removed"] == 2


def test_combined_condition(table):
    where = {"all": [{"not": {"column": "moneda", "empty": True}}, {"column": "monto", "gt": 0}]}
    out = FilterStep.model_validate({"where": where}).apply(table, ctx())
    assert out.df["_raw_row"].tolist() == [3, 4]


def test_nothing_matches_gives_an_empty_table_with_the_same_columns(table):
    out = FilterStep.model_validate({"where": {"column": "moneda", "equals": "X"}}).apply(table, ctx())
    assert len(out.df) == 0 and list(out.df.columns) == ["moneda", "monto", "_raw_row"]


def test_missing_column(table):
    with pytest.raises(ColumnNotFoundError, match="'nope'"):
        FilterStep.model_validate({"where": {"column": "nope", "empty": False}}).apply(table, ctx())


def test_validation():
    with pytest.raises(ValidationError, match="`matches` needs a `column`"):
        FilterStep.model_validate({"where": {"matches": "x"}})


def test_describe():
    step = FilterStep.model_validate({"where": {"column": "moneda", "in": ["P", "D"]}})
    assert step.describe() == "filter(moneda en ['P', 'D'])"
