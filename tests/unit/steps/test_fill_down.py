"""fill_down: empty cells take the previous non-empty value; leading empties stay."""

import pytest
from pydantic import ValidationError

from tests.helpers import ctx, make_table, rows
from workbench.engine.core.errors import ColumnNotFoundError
from workbench.engine.core.steps.fill_down import FillDownStep


@pytest.fixture
def table():
    return make_table({
        "partida": [None, "01", None, "  ", "02"],
        "denominacion": ["a", None, "c", "d", None],
    })


def test_fills_missing_and_whitespace_only_cells(table):
    c = ctx()
    out = FillDownStep(columns=["partida"]).apply(table, c)
    assert [r["partida"] for r in rows(out)] == [None, "01", "01", "01", "02"]
    assert [r["denominacion"] for r in rows(out)] == ["a", None, "c", "d", None]  # not listed
    assert out.df["_raw_row"].tolist() == [2, 3, 4, 5, 6]
    assert str(out.df["partida"].dtype) == "str"
    assert c.details["cells_filled"] == {"partida": 2}
    assert table.df["partida"].isna().tolist() == [True, False, True, False, False]  # input untouched


def test_several_columns(table):
    out = FillDownStep(columns=["partida", "denominacion"]).apply(table, ctx())
    assert [r["denominacion"] for r in rows(out)] == ["a", "a", "c", "d", "d"]


def test_leading_whitespace_cell_is_left_as_is():
    table = make_table({"a": [" ", "x"]})
    assert [r["a"] for r in rows(FillDownStep(columns=["a"]).apply(table, ctx()))] == [" ", "x"]


def test_touched_columns(table):
    assert FillDownStep(columns=["partida"]).touched_columns(table) == ["partida"]


def test_missing_column(table):
    with pytest.raises(ColumnNotFoundError, match="'nope'"):
        FillDownStep(columns=["nope"]).apply(table, ctx())


@pytest.mark.parametrize(("options", "message"), [
    ({}, "columns\n  Field required"),
    ({"columns": []}, "at least 1 item"),
    ({"columns": ["_raw_row"]}, "provenance"),
])
def test_validation(options, message):
    with pytest.raises(ValidationError, match=message):
        FillDownStep.model_validate(options)


def test_describe():
    assert FillDownStep(columns=["partida", "capitulo"]).describe() == "fill_down(partida, capitulo)"
