"""melt: wide -> long, row-major, with the value's RAW column letter moved into _raw_col."""

from decimal import Decimal

import pandas as pd
import pytest
from pydantic import ValidationError

from tests.helpers import ctx, make_table, rows
from workbench.engine.core.errors import ColumnNotFoundError, StepError
from workbench.engine.core.steps.melt import MeltStep
from workbench.engine.core.steps.type_cast import TypeCastStep

MEASURES = ["presupuesto_inicial", "presupuesto_vigente", "ejecucion_acumulada"]


@pytest.fixture
def table():
    return make_table({
        "subtitulo": ["21", "22", None],
        "denominacion": ["GASTOS EN PERSONAL", "BIENES", "RESULTADO"],
        "presupuesto_inicial": ["10", "20", None],
        "presupuesto_vigente": ["11", " ", None],
        "ejecucion_acumulada": ["5", "6", "-10253120970"],
    }, first_row=2)


def test_row_major_output_with_provenance(table):
    c = ctx()
    out = MeltStep(value_columns=MEASURES, variable="medida", value="monto").apply(table, c)
    assert out.data_columns == ["subtitulo", "denominacion", "medida", "monto"]
    assert [(r["subtitulo"], r["medida"], r["monto"]) for r in rows(out)] == [
        ("21", "presupuesto_inicial", "10"), ("21", "presupuesto_vigente", "11"), ("21", "ejecucion_acumulada", "5"),
        ("22", "presupuesto_inicial", "20"), ("22", "presupuesto_vigente", " "), ("22", "ejecucion_acumulada", "6"),
        (None, "presupuesto_inicial", None), (None, "presupuesto_vigente", None),
        (None, "ejecucion_acumulada", "-10253120970"),
    ]
    assert out.df["_raw_row"].tolist() == [2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert out.df["_raw_col"].tolist() == ["C", "D", "E"] * 3
    assert out.origins == {"subtitulo": "A", "denominacion": "B"}
    assert out.trace(4, "monto") == {"sheet": None, "row": 3, "column": "D"}
    assert str(out.df["medida"].dtype) == "str" and str(out.df["_raw_col"].dtype) == "str"
    assert c.details == {}  # rows in/out are recorded by the pipeline
    assert "_raw_col" not in table.df.columns  # input untouched


def test_explicit_id_columns_drop_the_others_and_drop_empty(table):
    c = ctx()
    out = MeltStep(value_columns=MEASURES, id_columns=["subtitulo"], drop_empty=True).apply(table, c)
    assert out.data_columns == ["subtitulo", "variable", "value"]
    assert [(r["subtitulo"], r["variable"]) for r in rows(out)] == [
        ("21", "presupuesto_inicial"), ("21", "presupuesto_vigente"), ("21", "ejecucion_acumulada"),
        ("22", "presupuesto_inicial"), ("22", "ejecucion_acumulada"), (None, "ejecucion_acumulada")]
    assert out.df["_raw_row"].tolist() == [2, 2, 2, 3, 3, 4]
    assert out.df["_raw_col"].tolist() == ["C", "D", "E", "C", "E", "E"]
    assert c.details == {"dropped_empty": 3}


def test_value_keeps_the_decimal_dtype_after_type_cast(table):
    typed = TypeCastStep(columns={m: "decimal" for m in MEASURES}).apply(table, ctx())
    out = MeltStep(value_columns=MEASURES, value="monto", drop_empty=True).apply(typed, ctx())
    assert out.df["monto"].dtype == typed.df["presupuesto_inicial"].dtype
    assert out.df["monto"].tolist()[-1] == Decimal("-10253120970")


def test_value_columns_without_origin_give_missing_raw_col():
    table = make_table({"a": ["1"], "b": ["2"]})
    table = table.with_df(table.df, {"a": "A"})
    out = MeltStep(value_columns=["a", "b"]).apply(table, ctx())
    assert out.df["_raw_col"].tolist()[0] == "A" and pd.isna(out.df["_raw_col"].tolist()[1])


def test_non_default_index_is_handled():
    table = make_table({"k": ["x", "y", "z"], "v": ["1", "2", "3"]})
    table = table.with_df(table.df.iloc[[2, 0]])  # e.g. after drop_rows
    out = MeltStep(value_columns=["v"]).apply(table, ctx())
    assert [(r["k"], r["value"]) for r in rows(out)] == [("z", "3"), ("x", "1")]
    assert out.df["_raw_row"].tolist() == [4, 2]


def test_double_melt_is_refused(table):
    once = MeltStep(value_columns=MEASURES).apply(table, ctx())
    with pytest.raises(StepError, match="already melted"):
        MeltStep(value_columns=["value"], id_columns=["subtitulo"], variable="v2", value="x2").apply(once, ctx())


def test_incompatible_value_types_are_refused(table):
    typed = TypeCastStep(columns={"presupuesto_inicial": "int"}).apply(table, ctx())
    with pytest.raises(StepError, match="incompatible types"):
        MeltStep(value_columns=["presupuesto_inicial", "denominacion"]).apply(typed, ctx())


def test_output_name_clashing_with_an_id_column(table):
    with pytest.raises(StepError, match="'subtitulo' is also an id column"):
        MeltStep(value_columns=MEASURES, variable="subtitulo").apply(table, ctx())


def test_missing_columns(table):
    with pytest.raises(ColumnNotFoundError):
        MeltStep(value_columns=["nope"]).apply(table, ctx())
    with pytest.raises(ColumnNotFoundError):
        MeltStep(value_columns=MEASURES, id_columns=["nope"]).apply(table, ctx())


def test_describe():
    assert MeltStep(value_columns=["a", "b"], variable="m", value="v").describe() == "melt(a, b -> m/v)"


@pytest.mark.parametrize(("options", "message"), [
    ({"value_columns": []}, "at least 1 item"),
    ({"value_columns": ["a", "a"]}, "value_columns lists a column twice"),
    ({"value_columns": ["a"], "id_columns": ["b", "b"]}, "id_columns lists a column twice"),
    ({"value_columns": ["a"], "id_columns": ["a"]}, "both in id_columns and value_columns: ['a']"),
    ({"value_columns": ["a"], "variable": "x", "value": "x"}, "must be different"),
    ({"value_columns": ["_raw_row"]}, "provenance columns"),
    ({"value_columns": ["a"], "value": "_raw_x"}, "provenance columns"),
    ({"value_columns": ["a"], "keep": True}, "Extra inputs are not permitted"),
])
def test_validation_errors(options, message):
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        MeltStep(**options)


def test_describe_shortens_long_lists():
    step = MeltStep(value_columns=["a", "b", "c", "d"], variable="m", value="v")
    assert step.describe() == "melt(a, b, c, … -> m/v)"
