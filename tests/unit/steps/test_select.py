"""select: keep listed data columns in order; provenance always kept."""

import pytest
from pydantic import ValidationError

from tests.helpers import ctx, make_table, rows
from workbench.engine.core.errors import ColumnNotFoundError
from workbench.engine.core.steps.select import SelectStep


@pytest.fixture
def table():
    return make_table({"a": ["1", "2", "3"], "b": ["x", "y", "z"], "c": ["p", "q", "r"]}, first_row=5)


def test_keeps_listed_columns_in_order_with_provenance(table):
    c = ctx()
    out = SelectStep(columns=["c", "a"]).apply(table, c)
    assert list(out.df.columns) == ["c", "a", "_raw_row"]
    assert rows(out) == [{"c": "p", "a": "1"}, {"c": "q", "a": "2"}, {"c": "r", "a": "3"}]
    assert out.df["_raw_row"].tolist() == [5, 6, 7]
    assert out.origins == {"c": "C", "a": "A"}
    assert c.details["columns_dropped"] == ["b"]


def test_does_not_mutate_input(table):
    SelectStep(columns=["a"]).apply(table, ctx())
    assert list(table.df.columns) == ["a", "b", "c", "_raw_row"]


def test_missing_column(table):
    with pytest.raises(ColumnNotFoundError, match="'nope'"):
        SelectStep(columns=["a", "nope"]).apply(table, ctx())


@pytest.mark.parametrize(("columns", "message"), [
    ([], "at least 1 item"),
    (["a", "a"], "more than once: a"),
    (["a", "_raw_row"], "provenance columns are always kept"),
])
def test_validation(columns, message):
    with pytest.raises(ValidationError, match=message):
        SelectStep(columns=columns)


def test_describe():
    assert SelectStep(columns=["a", "b"]).describe() == "select(a, b)"
