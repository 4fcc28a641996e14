"""map_categories: explicit recoding; missing stays missing; unmapped values are an error, kept or nulled."""

import pandas as pd
import pytest
from pydantic import ValidationError

from tests.helpers import ctx, make_table, rows
from workbench.engine.core.errors import ColumnNotFoundError, StepError
from workbench.engine.core.steps.map_categories import MapCategoriesStep

MONTHS = {"ENERO": "01", "FEBRERO": "02", "MARZO": "03", "ABRIL": "04"}


@pytest.fixture
def table():
    return make_table({
        "denominacion": ["APORTE FISCAL", "VENTA", "RESULTADO", "OTROS"],
        "moneda": ["P", " D ", None, "  "],
    }, first_row=5)


def test_in_place_with_stripped_keys_and_missing_kept(table):
    c = ctx()
    out = MapCategoriesStep(column="moneda", mapping={"P": "CLP", "D": "USD"}).apply(table, c)
    assert [r["moneda"] for r in rows(out)] == ["CLP", "USD", None, None]
    assert out.origins == {"denominacion": "A", "moneda": "B"}
    assert str(out.df["moneda"].dtype) == "str"
    assert c.details == {"mapped": 2}
    assert rows(table)[1]["moneda"] == " D "  # input untouched


def test_target_column_gets_the_source_origin(table):
    out = MapCategoriesStep(column="moneda", mapping={"P": "CLP", "D": "USD"}, target="divisa").apply(table, ctx())
    assert out.data_columns == ["denominacion", "moneda", "divisa"]
    assert [r["moneda"] for r in rows(out)] == ["P", " D ", None, "  "]
    assert [r["divisa"] for r in rows(out)] == ["CLP", "USD", None, None]
    assert out.origins["divisa"] == "B" and out.trace(1, "divisa") == {"sheet": None, "row": 6, "column": "B"}


def test_case_insensitive_month_names():
    table = make_table({"mes": ["ABRIL", "abril", "Marzo ", "enero"]})
    out = MapCategoriesStep(column="mes", mapping=MONTHS, case_insensitive=True).apply(table, ctx())
    assert [r["mes"] for r in rows(out)] == ["04", "04", "03", "01"]


def test_null_mapping_value_makes_missing():
    out = MapCategoriesStep(column="m", mapping={"P": "CLP", "S/I": None}).apply(make_table({"m": ["S/I", "P"]}), ctx())
    assert [r["m"] for r in rows(out)] == [None, "CLP"]


def test_unmapped_error_lists_distinct_values_with_first_raw_cell_and_counts():
    table = make_table({"x": list("abcde"), "m": ["P", "X", "Y", "X", "p"]}, first_row=10)
    with pytest.raises(StepError) as err:
        MapCategoriesStep(column="m", mapping={"P": "CLP"}).apply(table, ctx())
    e = err.value
    assert e.details["row"] == 11 and e.details["column"] == "B" and e.details["value"] == "X"
    assert e.details["count"] == 3 and e.details["unmapped_rows"] == 4
    assert e.details["examples"] == [
        {"value": "X", "count": 2, "row": 11, "column": "B"},
        {"value": "Y", "count": 1, "row": 12, "column": "B"},
        {"value": "p", "count": 1, "row": 14, "column": "B"},
    ]
    assert "row 11 column B" in e.message and "'X' ×2 (first at row 11 column B)" in e.message
    assert "3 value(s) not in the mapping (4 rows)" in e.message
    assert "sin equivalencia" in e.message_es and "primera en fila 12 columna B" in e.message_es


def test_unmapped_keep_and_null():
    table = make_table({"m": ["P", " X ", None]})
    c = ctx()
    out = MapCategoriesStep(column="m", mapping={"P": "CLP"}, unmapped="keep").apply(table, c)
    assert [r["m"] for r in rows(out)] == ["CLP", " X ", None]
    assert c.details == {"mapped": 1, "unmapped": {"X": 1}} and c.warnings == []
    c = ctx()
    out = MapCategoriesStep(column="m", mapping={"P": "CLP"}, unmapped="null").apply(table, c)
    assert [r["m"] for r in rows(out)] == ["CLP", None, None]
    assert c.details["unmapped"] == {"X": 1} and "'X' ×1 (first at row 3 column A)" in c.warnings[0].message
    assert c.warnings[0].message.endswith("(set to missing)")
    assert c.warnings[0].message_es == ("columna 'm': 1 valor(es) sin equivalencia (1 filas): 'X' ×1 (primera en "
                                        "fila 3 columna A) (quedaron vacíos)")


def test_after_melt_the_letter_comes_from_raw_col():
    table = make_table({"m": ["P", "Q"]})
    table.df["_raw_col"] = pd.array(["H", "I"], dtype="str")
    with pytest.raises(StepError) as err:
        MapCategoriesStep(column="m", mapping={"P": "CLP"}).apply(table.with_df(table.df, {}), ctx())
    assert err.value.details["column"] == "I"


def test_missing_column(table):
    with pytest.raises(ColumnNotFoundError):
        MapCategoriesStep(column="nope", mapping={"a": "b"}).apply(table, ctx())


def test_describe_and_touched_columns(table):
    step = MapCategoriesStep(column="moneda", mapping={"P": "CLP"}, target="divisa")
    assert step.describe() == "map_categories(moneda -> divisa, 1 clave)"
    assert step.touched_columns(table) == []
    assert MapCategoriesStep(column="moneda", mapping={"P": "CLP"}).touched_columns(table) == ["moneda"]


@pytest.mark.parametrize(("options", "message"), [
    ({"mapping": {}}, "at least 1 item"),
    ({"mapping": {1: "01"}}, "quote 1 in the YAML"),
    ({"mapping": {"ENERO": 1}}, "quote 1 in the YAML"),
    ({"mapping": {"S": True}}, "quote True in the YAML"),
    ({"mapping": {" ": "x"}}, "a mapping key is empty"),
    ({"mapping": {"P": "CLP", " P ": "USD"}}, "the same after stripping"),
    ({"mapping": {"p": "CLP", "P": "USD"}, "case_insensitive": True}, "the same after stripping/case folding"),
    ({"mapping": {"P": "CLP"}, "unmapped": "drop"}, "'error', 'keep' or 'null'"),
    ({"mapping": {"P": "CLP"}, "target": "_raw_col"}, "provenance"),
])
def test_validation_errors(options, message):
    with pytest.raises(ValidationError, match=message):
        MapCategoriesStep(column="m", **options)


def test_same_target_for_equivalent_keys_is_allowed():
    step = MapCategoriesStep(column="m", mapping={"p": "CLP", "P": "CLP"}, case_insensitive=True)
    assert [r["m"] for r in rows(step.apply(make_table({"m": ["p", "P"]}), ctx()))] == ["CLP", "CLP"]
