"""drop_rows: remove matching rows, keep index and provenance; capture a control total."""

import pytest
from pydantic import ValidationError

from tests.helpers import ctx, make_table, rows
from workbench.engine.core.errors import ColumnNotFoundError, StepError
from workbench.engine.core.steps.drop_rows import DropRowsStep


@pytest.fixture
def table():
    # the tail of a DIPRES execution file, columns as after rename
    return make_table({
        "subtitulo": ["05", "21", None, None],
        "denominacion": ["TRANSFERENCIAS CORRIENTES   ", "GASTOS EN PERSONAL", " ", "RESULTADO"],
        "ejecucion_acumulada": ["100", "-50", None, "-10253120970"],
    }, first_row=190)


def footer(**extra):
    return DropRowsStep.model_validate({"where": {"column": "denominacion", "equals": "RESULTADO"}, **extra})


def test_drops_matching_rows_and_counts_them(table):
    c = ctx()
    out = footer().apply(table, c)
    assert [r["denominacion"] for r in rows(out)] == ["TRANSFERENCIAS CORRIENTES   ", "GASTOS EN PERSONAL", " "]
    assert out.df["_raw_row"].tolist() == [190, 191, 192]
    assert list(out.df.index) == [0, 1, 2]  # index labels kept (the pipeline shows removed rows from them)
    assert c.details["rows_removed"] == 1
    assert len(table.df) == 4  # input untouched


def test_index_labels_survive_a_drop_in_the_middle(table):
    step = DropRowsStep.model_validate({"where": {"column": "subtitulo", "equals": "21"}})
    out = step.apply(table, ctx())
    assert list(out.df.index) == [0, 2, 3]
    assert out.df["_raw_row"].tolist() == [190, 192, 193]


def test_capture_stores_value_raw_row_and_raw_column(table):
    c = ctx()
    footer(capture={"name": "resultado", "column": "ejecucion_acumulada"}).apply(table, c)
    assert c.control_totals["resultado"] == {"value": "-10253120970", "row": 193, "column": "C"}
    assert c.details["captured"] == {"resultado": "-10253120970"}


def test_capture_of_several_rows_gives_lists(table):
    c = ctx()
    step = DropRowsStep.model_validate({
        "where": {"column": "subtitulo", "empty": True},
        "capture": {"name": "pie", "column": "ejecucion_acumulada"},
    })
    step.apply(table, c)
    assert c.control_totals["pie"] == {"value": [None, "-10253120970"], "row": [192, 193], "column": "C"}


def test_capture_with_no_matching_row_warns(table):
    c = ctx()
    step = DropRowsStep.model_validate({
        "where": {"column": "denominacion", "equals": "TOTAL"},
        "capture": {"name": "resultado", "column": "ejecucion_acumulada"},
    })
    out = step.apply(table, c)
    assert len(out.df) == 4 and "resultado" not in c.control_totals
    assert "not captured" in c.warnings[0].message
    assert c.warnings[0].message_es == ("drop_rows: ninguna fila cumple denominacion = 'TOTAL'; no se capturó el "
                                        "total de control 'resultado'")


def test_capture_name_taken_twice_is_an_error(table):
    c = ctx()
    c.control_totals["resultado"] = {"value": "1", "row": 9, "column": "C"}
    with pytest.raises(StepError, match="already captured"):
        footer(capture={"name": "resultado", "column": "ejecucion_acumulada"}).apply(table, c)


def test_capture_column_must_exist(table):
    with pytest.raises(ColumnNotFoundError, match="'monto'"):
        footer(capture={"name": "resultado", "column": "monto"}).apply(table, ctx())


def test_condition_column_must_exist(table):
    step = DropRowsStep.model_validate({"where": {"column": "nope", "empty": True}})
    with pytest.raises(ColumnNotFoundError, match="'nope'"):
        step.apply(table, ctx())


@pytest.mark.parametrize(("options", "message"), [
    ({}, "where\n  Field required"),
    ({"where": {"column": "a"}}, "exactly one of"),
    ({"where": {"column": "a", "empty": True}, "capture": {"name": "x"}}, "capture.column\n  Field required"),
    ({"where": {"column": "a", "empty": True}, "expect": {"min": 0}}, "Extra inputs"),
])
def test_validation(options, message):
    with pytest.raises(ValidationError, match=message):
        DropRowsStep.model_validate(options)


def test_describe():
    assert footer().describe() == "drop_rows(denominacion = 'RESULTADO')"
