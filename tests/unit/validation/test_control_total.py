"""expect_control_total: a signed sum over the table equals a total captured from the RAW file."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.unit.validation.support import dec, only, run, table, text
from workbench.engine.core.validation.control_total import parse_control

SUBTITULO = {"column": "nivel", "equals": "subtitulo"}
BALANCE = {"type": "expect_control_total", "control": "resultado", "terms": [
    {"column": "monto", "where": {"all": [SUBTITULO, {"column": "subtitulo", "lt": 20}]}},
    {"column": "monto", "sign": -1, "where": {"all": [SUBTITULO, {"column": "subtitulo", "ge": 20}]}},
]}


def execution() -> dict:
    return {"subtitulo": text("05", "05", "21", "22"), "nivel": text("subtitulo", "item", "subtitulo", "subtitulo"),
            "monto": dec("1000.5", "1000.5", "300", "200.25")}


def captured(value: str, row: int = 6) -> dict:
    return {"resultado": {"value": value, "row": row, "column": "C"}}


def test_balance_equal_to_the_raw_footer_passes_with_the_raw_cell():
    report = run(table(execution()), BALANCE, control_totals=captured("500,25"),
                 raw_text=lambda row, col: f";;{row}{col}")
    r = only(report)
    assert r.status == "passed" and r.observed_value == "500.25"
    assert r.details["expected_value"] == "500.25"
    assert r.details["control_cell"] == {"sheet": None, "row": 6, "column": "C", "text": ";;6C", "value": "500,25"}


def test_a_different_total_fails_with_the_difference():
    r = only(run(table(execution()), BALANCE, control_totals=captured("1.500,25")))
    assert r.status == "failed" and r.unexpected_count is None and len(r.positions) == 0
    assert r.details["difference"] == "-1000"
    # no failing rows to show: the message says what the file said, what was computed and the difference
    assert r.message == ("no cuadra: RESULTADO del archivo (celda C6): 1.500,25; calculado: 500,25; "
                         "diferencia: -1.000")


def test_tolerance():
    r = only(run(table(execution()), {**BALANCE, "tolerance": 1}, control_totals=captured("501")))
    assert r.status == "passed"


def test_control_total_not_captured_is_an_error():
    r = only(run(table(execution()), BALANCE, control_totals={}))
    assert r.status == "error" and "resultado" in r.message


def test_missing_column_is_an_error():
    data = execution()
    del data["nivel"]
    r = only(run(table(data), BALANCE, control_totals=captured("500,25")))
    assert r.status == "error" and "nivel" in r.message


def test_raw_text_parsing_follows_the_locale():
    assert parse_control("-10253120970", decimal=",", thousands=".") == Decimal(-10253120970)
    assert parse_control("1.234,5", decimal=",", thousands=".") == Decimal("1234.5")
    assert parse_control(["1,5", "2"], decimal=",", thousands=".") == Decimal("3.5")
    with pytest.raises(ValueError):
        parse_control("1.5", decimal=",", thousands=".")  # not an es-CL number
