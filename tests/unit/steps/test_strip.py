"""strip: trim (NBSP included), collapse inner runs, empty -> missing; only text columns."""

import pandas as pd
import pytest
from pydantic import ValidationError

from tests.helpers import ctx, make_table, rows
from workbench.engine.core.errors import ColumnNotFoundError, StepError
from workbench.engine.core.steps.strip import StripStep


@pytest.fixture
def table():
    return make_table({
        "denominacion": ["APORTE FISCAL" + " " * 67, "\xa0Tarapacá   LABS\t\tglobal ", "   ", None],
        "codigo": [" 01", "02 ", "03", "04"],
    })


def test_defaults_strip_every_text_column(table):
    out = StripStep().apply(table, ctx())
    assert rows(out) == [
        {"denominacion": "APORTE FISCAL", "codigo": "01"},
        {"denominacion": "Tarapacá LABS global", "codigo": "02"},
        {"denominacion": None, "codigo": "03"},
        {"denominacion": None, "codigo": "04"},
    ]
    assert str(out.df["denominacion"].dtype) == "str"
    assert out.df["_raw_row"].tolist() == [2, 3, 4, 5]
    assert out.origins == table.origins


def test_input_is_not_mutated(table):
    StripStep().apply(table, ctx())
    assert table.df["codigo"].tolist()[0] == " 01"


def test_collapse_false_keeps_inner_whitespace(table):
    out = StripStep(columns=["denominacion"], collapse=False).apply(table, ctx())
    assert rows(out)[1]["denominacion"] == "Tarapacá   LABS\t\tglobal"
    assert rows(out)[0]["codigo"] == " 01"  # not listed, not touched


def test_empty_as_null_false_keeps_empty_strings(table):
    out = StripStep(empty_as_null=False).apply(table, ctx())
    assert out.df["denominacion"].tolist()[2] == ""
    assert pd.isna(out.df["denominacion"].tolist()[3])


def test_touched_columns(table):
    assert StripStep().touched_columns(table) == ["denominacion", "codigo"]
    assert StripStep(columns=["codigo"]).touched_columns(table) == ["codigo"]


def test_default_skips_non_text_columns(table):
    typed = table.with_df(table.df.assign(monto=pd.array([1, 2, 3, 4], dtype="Int64")))
    out = StripStep().apply(typed, ctx())
    assert out.df["monto"].tolist() == [1, 2, 3, 4]


def test_listed_non_text_column_is_an_error_with_its_raw_column(table):
    typed = table.with_df(table.df.assign(codigo=pd.array([1, 2, 3, 4], dtype="Int64")))
    with pytest.raises(StepError) as err:
        StripStep(columns=["codigo"]).apply(typed, ctx())
    assert "column B" in str(err.value) and "'codigo' is not text" in str(err.value)


def test_missing_column(table):
    with pytest.raises(ColumnNotFoundError, match="'nope'"):
        StripStep(columns=["nope"]).apply(table, ctx())


@pytest.mark.parametrize(("options", "message"), [
    ({"columns": []}, "at least 1 item"),
    ({"columns": ["_raw_row"]}, "provenance"),
    ({"collapse": "maybe"}, "valid boolean"),
])
def test_validation(options, message):
    with pytest.raises(ValidationError, match=message):
        StripStep.model_validate(options)


def test_describe():
    assert StripStep(columns=["denominacion", "item"]).describe() == "strip(denominacion, item)"
    assert StripStep().describe() == "strip(todas las columnas de texto)"
