"""hierarchy_level: the deepest non-empty code names the row's level; gaps are counted and warned or refused."""

import pandas as pd
import pytest
from pydantic import ValidationError

from tests.helpers import ctx, make_table, rows
from workbench.engine.core.errors import ColumnNotFoundError, StepError
from workbench.engine.core.steps.hierarchy_level import HierarchyLevelStep

CODES = ["subtitulo", "item", "asignacion"]


def step(**options) -> HierarchyLevelStep:
    return HierarchyLevelStep(columns=CODES, levels=["subtitulo", "item", "asignacion"], **options)


def test_blank_codes_2017_format():
    table = make_table({
        "subtitulo": ["21", "21", "21", None],
        "item": [None, "01", "01", None],
        "asignacion": [" ", None, "001", None],
        "denominacion": ["GASTOS EN PERSONAL", "Personal de Planta", "Asignación", "RESULTADO"],
    }, first_row=2)
    c = ctx()
    out = step(target="nivel").apply(table, c)
    assert [r["nivel"] for r in rows(out)] == ["subtitulo", "item", "asignacion", None]
    assert out.data_columns == [*CODES, "denominacion", "nivel"]
    assert "nivel" not in out.origins and out.origins["item"] == "B"
    assert out.df["_raw_row"].tolist() == [2, 3, 4, 5]
    assert str(out.df["nivel"].dtype) == "str"
    assert c.details == {"levels": {"subtitulo": 1, "item": 1, "asignacion": 1}, "no_code": 1}
    assert c.warnings == [] and "nivel" not in table.df.columns


def test_zero_codes_2027_format():
    table = make_table({"subtitulo": ["05", "05", "05"], "item": ["00", "01", "01"], "asignacion": ["000", "000", "002"]})
    assert [r["nivel"] for r in rows(step().apply(table, ctx()))] == ["subtitulo", "item", "asignacion"]


def test_zero_as_empty_false_counts_zero_codes_as_codes():
    table = make_table({"subtitulo": ["05"], "item": ["00"], "asignacion": ["000"]})
    assert [r["nivel"] for r in rows(step(zero_as_empty=False).apply(table, ctx()))] == ["asignacion"]


def test_levels_default_to_column_names_and_typed_codes_work():
    table = make_table({"subtitulo": ["21", "22"], "item": ["1", None], "asignacion": [None, None]})
    df = table.df.copy()
    df["item"] = pd.array([0, 3], dtype="Int64")  # after type_cast int: 0 is an empty code
    out = HierarchyLevelStep(columns=CODES).apply(table.with_df(df), ctx())
    assert [r["nivel"] for r in rows(out)] == ["subtitulo", "item"]


def test_gap_is_counted_and_warned():
    table = make_table({"subtitulo": ["21", "21"], "item": [None, "01"], "asignacion": ["001", "001"]}, first_row=7)
    c = ctx()
    out = step().apply(table, c)
    assert [r["nivel"] for r in rows(out)] == ["asignacion", "asignacion"]
    assert c.details["gaps"] == 1
    assert [w.message for w in c.warnings] == [
        "1 row(s) have a deeper code under an empty level (subtitulo > item > asignacion): row 7 (item empty, column B)"]
    assert [w.message_es for w in c.warnings] == [
        "1 fila(s) tienen un código más profundo bajo un nivel vacío (subtitulo > item > asignacion): fila 7 (item "
        "vacío, columna B)"]


def test_gap_error_names_raw_row_and_column():
    table = make_table({"subtitulo": [None, "21", "21"], "item": ["01", "00", "01"], "asignacion": ["001", "003", None]},
                       first_row=10)
    with pytest.raises(StepError) as err:
        step(on_gap="error").apply(table, ctx())
    e = err.value
    assert e.details["row"] == 10 and e.details["column"] == "A" and e.details["count"] == 2
    assert e.message.startswith("row 10 column A:") and "row 11 (item empty, column B)" in e.message
    assert "fila 11 (item vacío, columna B)" in e.message_es


def test_missing_column():
    with pytest.raises(ColumnNotFoundError):
        step().apply(make_table({"subtitulo": ["21"]}), ctx())


def test_describe_and_touched_columns():
    table = make_table({"subtitulo": ["21"], "nivel": ["x"]})
    assert step().describe() == "hierarchy_level(subtitulo > item > asignacion -> nivel)"
    assert step().touched_columns(table) == ["nivel"]


@pytest.mark.parametrize(("options", "message"), [
    ({"columns": CODES, "levels": ["a", "b"]}, "levels has 2 names but columns has 3"),
    ({"columns": []}, "at least 1 item"),
    ({"columns": ["a", "a"]}, "lists a column twice"),
    ({"columns": CODES, "target": "item"}, "is one of the code columns"),
    ({"columns": CODES, "target": "_raw_level"}, "provenance"),
    ({"columns": CODES, "on_gap": "ignore"}, "'warn' or 'error'"),
])
def test_validation_errors(options, message):
    with pytest.raises(ValidationError, match=message):
        HierarchyLevelStep(**options)
