"""type_cast: codes stay text (padded), amounts become exact decimals, bad values are located errors."""

import datetime as dt
import re
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest
from pydantic import ValidationError

from tests.helpers import ctx, make_table, rows
from workbench.engine.core.errors import ColumnNotFoundError, StepError
from workbench.engine.core.steps.type_cast import TypeCastStep


@pytest.fixture
def table():
    return make_table({
        "partida": ["07", "7", " 12 ", "50"],
        "asignacion": ["000", "1", None, "126"],
        "monto": ["0,001", "1,36187E+11", "1.234.567,89", " -800000 "],
        "anio": ["2024", "1.234", "+5", ""],
    })


def test_codes_amounts_and_ints(table):
    c = ctx()
    spec = {"partida": {"type": "text", "pad": 2}, "asignacion": {"type": "text", "pad": 3, "null_values": ["000"]},
            "monto": "decimal", "anio": "int"}
    out = TypeCastStep(columns=spec).apply(table, c)
    assert rows(out) == [
        {"partida": "07", "asignacion": None, "monto": Decimal("0.001"), "anio": 2024},
        {"partida": "07", "asignacion": "001", "monto": Decimal("136187000000"), "anio": 1234},
        {"partida": "12", "asignacion": None, "monto": Decimal("1234567.89"), "anio": 5},
        {"partida": "50", "asignacion": "126", "monto": Decimal("-800000"), "anio": None},
    ]
    assert out.df["monto"].dtype == pd.ArrowDtype(pa.decimal128(38, 6))
    assert str(out.df["anio"].dtype) == "Int64" and str(out.df["partida"].dtype) == "str"
    assert out.origins == table.origins and out.df["_raw_row"].tolist() == [2, 3, 4, 5]
    assert c.details == {"nulls_from_empty": {"asignacion": 1, "anio": 1}}
    assert rows(table)[0]["monto"] == "0,001"  # input untouched


def test_text_keeps_non_digit_values_as_read_and_blank_becomes_missing():
    table = make_table({"codigo": [" 7 ", "X1 ", "   ", "0"]})
    out = TypeCastStep(columns={"codigo": {"type": "text", "pad": 3, "null_values": ["000"]}}).apply(table, ctx())
    assert [r["codigo"] for r in rows(out)] == ["007", "X1 ", None, None]


def test_per_column_locale_scale_and_global_null_values():
    table = make_table({"monto": ["1,234.5678", "-", "2"], "tasa": ["0,5", "1,25", "-"]})
    c = ctx()
    step = TypeCastStep(null_values=["-"], columns={
        "monto": {"type": "decimal", "scale": 3, "decimal": ".", "thousands": ","}, "tasa": "float"})
    out = step.apply(table, c)
    assert rows(out) == [{"monto": Decimal("1234.568"), "tasa": 0.5}, {"monto": None, "tasa": 1.25},
                         {"monto": Decimal("2"), "tasa": None}]
    assert str(out.df["tasa"].dtype) == "Float64"
    assert c.details == {"nulls_from_empty": {"monto": 1, "tasa": 1}, "rounded": {"monto": 1}}


def test_dates_strict_with_several_formats():
    table = make_table({"fecha": ["02/01/2024", "2024-03-31", None, "5/6/2023"]})
    out = TypeCastStep(columns={"fecha": {"type": "date", "format": ["%d/%m/%Y", "%Y-%m-%d"]}}).apply(table, ctx())
    assert [r["fecha"] for r in rows(out)] == [dt.date(2024, 1, 2), dt.date(2024, 3, 31), None, dt.date(2023, 6, 5)]
    assert out.df["fecha"].dtype == pd.ArrowDtype(pa.date32())


def test_impossible_date_is_an_error_not_a_rollover():
    table = make_table({"fecha": ["2024-02-28", "2024-02-30"]})
    with pytest.raises(StepError) as err:
        TypeCastStep(columns={"fecha": "date"}).apply(table, ctx())
    assert "'2024-02-30' at row 3 column A" in err.value.message and "%Y-%m-%d" in err.value.message


def test_bool_defaults_case_insensitive_and_custom_values():
    table = make_table({"a": ["Sí", "NO", "true", None], "b": ["X", "", "X", "o"]})
    step = TypeCastStep(columns={"a": "bool", "b": {"type": "bool", "true_values": ["x"], "false_values": ["o"]}})
    out = step.apply(table, ctx())
    assert rows(out) == [{"a": True, "b": True}, {"a": False, "b": None}, {"a": True, "b": True},
                         {"a": None, "b": False}]
    assert str(out.df["a"].dtype) == "boolean"


def test_bad_numbers_error_lists_raw_rows_letters_and_count():
    table = make_table({"x": ["a"] * 7, "monto": ["1", "12abc", "1,2,3", "1.5", "x", "y", "z"]}, first_row=10)
    with pytest.raises(StepError) as err:
        TypeCastStep(columns={"monto": "decimal"}).apply(table, ctx())
    e = err.value
    assert e.details["row"] == 11 and e.details["column"] == "B" and e.details["value"] == "12abc"
    assert e.details["count"] == 6 and len(e.details["examples"]) == 5
    assert e.message.startswith("row 11 column B: step 1 (bronze): column 'monto': 6 value(s) are not valid decimal")
    assert "'1,2,3' at row 12 column B" in e.message and "'y'" in e.message and "'z'" not in e.message
    assert "no son números decimales válidos" in e.message_es and "fila 12 columna B" in e.message_es


def test_non_integral_int_is_an_error():
    with pytest.raises(StepError, match=r"'1,5' at row 2 column A"):
        TypeCastStep(columns={"n": "int"}).apply(make_table({"n": ["1,5", "2"]}), ctx())


def test_on_error_null_counts_and_warns():
    c = ctx()
    out = TypeCastStep(on_error="null", columns={"n": "int"}).apply(make_table({"n": ["1", "dos", "3"]}), c)
    assert [r["n"] for r in rows(out)] == [1, None, 3]
    assert c.details == {"invalid": {"n": 1}}
    assert len(c.warnings) == 1 and "'dos' at row 3 column A" in c.warnings[0].message
    assert c.warnings[0].message.endswith("(set to missing)")
    assert c.warnings[0].message_es == ("columna 'n': 1 valor(es) no son enteros válidos (decimal ',', miles '.'): "
                                        "'dos' en fila 3 columna A (quedaron vacíos)")


def test_after_melt_the_column_letter_comes_from_raw_col():
    table = make_table({"monto": ["1", "x"]})
    table.df["_raw_col"] = pd.array(["H", "I"], dtype="str")
    table = table.with_df(table.df, {})
    with pytest.raises(StepError) as err:
        TypeCastStep(columns={"monto": "decimal"}).apply(table, ctx())
    assert err.value.details["column"] == "I" and err.value.details["row"] == 3


def test_repetitive_columns_take_the_distinct_value_path_with_the_same_result():
    values = ["07", "7", None, "x", "000"] * 2000
    table = make_table({"c": values})
    c = ctx()
    out = TypeCastStep(columns={"c": {"type": "text", "pad": 2, "null_values": ["00"]}}).apply(table, c)
    assert [r["c"] for r in rows(out)][:5] == ["07", "07", None, "x", "000"]
    assert c.details == {}  # None was already missing; '000' is not the null text '00'
    with pytest.raises(StepError) as err:
        TypeCastStep(columns={"c": "int"}).apply(table, ctx())
    assert err.value.details["count"] == 2000 and err.value.details["row"] == 5


def test_already_typed_column_is_recast():
    table = make_table({"n": ["1.234", "5"]})
    once = TypeCastStep(columns={"n": "int"}).apply(table, ctx())
    twice = TypeCastStep(columns={"n": "decimal"}).apply(once, ctx())
    assert [r["n"] for r in rows(twice)] == [Decimal("1234"), Decimal("5")]


def test_missing_column():
    with pytest.raises(ColumnNotFoundError):
        TypeCastStep(columns={"nope": "int"}).apply(make_table({"a": ["1"]}), ctx())


def test_describe_and_touched_columns(table):
    step = TypeCastStep(columns={"monto": "decimal", "anio": "int"})
    assert step.describe() == "type_cast(monto:decimal, anio:int)"
    assert step.touched_columns(table) == ["monto", "anio"]


@pytest.mark.parametrize(("columns", "extra", "message"), [
    ({"a": "money"}, {}, "Input should be 'text', 'int', 'float', 'decimal', 'date' or 'bool'"),
    ({"a": {"type": "int", "pad": 2}}, {}, "option 'pad' does not apply to type 'int'"),
    ({"a": {"type": "text", "scale": 2}}, {}, "option 'scale' does not apply to type 'text'"),
    ({"a": {"type": "date", "decimal": ","}}, {}, "option 'decimal' does not apply to type 'date'"),
    ({"a": {"type": "int", "format": "%Y"}}, {}, "option 'format' does not apply"),
    ({"a": {"type": "text", "true_values": ["s"]}}, {}, "option 'true_values' does not apply"),
    ({"a": {"type": "date", "format": "dd/mm/yyyy"}}, {}, "strptime directives"),
    ({"a": {"type": "bool", "true_values": ["s"], "false_values": ["S"]}}, {}, "both true and false: ['s']"),
    ({"a": {"type": "decimal", "decimal": "."}}, {}, "column 'a': decimal and thousands separators are both '.'"),
    ({"a": {"type": "decimal", "decimal": "ab"}}, {}, "decimal separator must be one character"),
    ({"a": "int"}, {"thousands": "1"}, "thousands separator must be one character"),
    ({"a": "int"}, {"decimal": ".", "thousands": "."}, "decimal and thousands separators are both '.'"),
    ({"a": {"type": "text", "pad": 0}}, {}, "greater than or equal to 1"),
    ({"a": {"type": "decimal", "scale": 39}}, {}, "less than or equal to 38"),
    ({}, {}, "at least 1 item"),
    ({"a": {"type": "int", "colour": 1}}, {}, "Extra inputs are not permitted"),
])
def test_validation_errors(columns, extra, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        TypeCastStep(columns=columns, **extra)


def test_yaml_shape_round_trip():
    step = TypeCastStep.model_validate({"type": "type_cast", "decimal": ",", "thousands": ".", "on_error": "null",
                                        "null_values": ["-"], "columns": {"partida": {"type": "text", "pad": 2},
                                                                          "presupuesto_inicial": "decimal"}})
    assert step.casts["presupuesto_inicial"].type == "decimal" and step.casts["partida"].pad == 2
