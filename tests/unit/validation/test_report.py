"""The QA report: statuses, failing rows traced to RAW cells, pagination over every failing row."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from tests.unit.validation.support import dec, only, run, specs, table, text
from workbench.engine.core.table import RAW_COL, RAW_ROW, Table
from workbench.engine.core.validation import validate

IN_SET = {"type": "expect_column_values_to_be_in_set", "column": "moneda", "value_set": ["CLP"]}


def test_no_expectations_is_not_run():
    report = validate({"bronze": table({"a": text("x")})}, {}, control_totals={})
    assert (report.status, report.success, report.results) == ("not_run", True, [])
    assert report.to_dict()["status"] == "not_run"


def test_layers_without_expectations_are_skipped():
    layers = {"bronze": table({"moneda": text("CLP")}), "silver": table({"moneda": text("EUR")})}
    report = validate(layers, {"bronze": specs(IN_SET), "silver": []}, control_totals={})
    assert report.status == "passed" and list(report.gx_results) == ["bronze"]


def test_a_warning_failure_warns_and_an_error_failure_fails():
    t = table({"moneda": text("CLP", "USD")})
    assert run(t, {**IN_SET, "severity": "warning"}).status == "warning"
    report = run(t, {**IN_SET, "severity": "warning"}, IN_SET)
    assert (report.status, report.success) == ("failed", False)
    assert report.statistics["by_severity"] == {"error": 1, "warning": 1}


def test_all_passing_is_passed():
    report = run(table({"moneda": text("CLP")}), IN_SET)
    assert (report.status, report.success) == ("passed", True)


def test_expectations_on_a_layer_that_was_not_produced_are_errors():
    report = validate({"bronze": table({"moneda": text("CLP")})}, {"gold": specs(IN_SET, layer="gold")},
                      control_totals={})
    assert report.status == "failed" and only(report).status == "error"


def test_failing_rows_carry_values_and_raw_cells_with_text():
    t = table({"codigo": text("01", "02"), "moneda": text("CLP", "EUR")}, first_raw_row=5,
              origins={"codigo": "A", "moneda": "G"}, sheet="Hoja1")
    report = run(t, IN_SET, raw_text=lambda row, col: f"cell {col}{row}")
    [row] = report.to_dict()["results"][0]["unexpected_rows"]
    assert row == {"row": 6, "position": 1, "values": {"moneda": "EUR"},
                   "raw": [{"sheet": "Hoja1", "row": 6, "column": "G", "text": "cell G6"}]}


def test_positions_are_table_order_even_when_the_index_is_not():
    t = table({"moneda": text("CLP", "EUR", "USD")})
    t = Table(t.df.set_axis([10, 3, 7]), origins=t.origins)  # steps keep index labels of dropped rows
    r = only(run(t, IN_SET))
    assert r.positions.tolist() == [1, 2]


def test_melted_rows_point_at_the_raw_column_of_their_value():
    df = pd.DataFrame({"medida": text("inicial", "vigente"), "monto": dec("1", None),
                       RAW_ROW: [9, 9], RAW_COL: text("I", "J")})
    report = run(Table(df, origins={}), {"type": "expect_column_values_to_not_be_null", "column": "monto"},
                 layer="silver", raw_text=lambda row, col: f"{col}{row}")
    [row] = report.failures("silver.1")["rows"]
    assert row["raw"] == [{"sheet": None, "row": 9, "column": "J", "text": "J9"}]
    assert row["values"] == {"monto": None}


def test_pagination_reaches_every_failing_row_beyond_the_first_pages():
    n = 450
    t = table({"moneda": text(*(["EUR"] * n))})
    report = run(t, IN_SET, page_size=10)
    doc = report.to_dict()
    assert len(doc["results"][0]["unexpected_rows"]) == 10
    assert doc["results"][0]["unexpected_rows_total"] == n
    page = report.failures("bronze.1", offset=440, limit=50)
    assert page["total"] == n and [r["position"] for r in page["rows"]] == list(range(440, 450))
    assert page["rows"][-1]["raw"][0]["row"] == 451
    assert len(report.failures_table()) == n
    gx = report.gx_results["bronze"]["results"][0]["result"]
    assert len(gx["unexpected_index_list"]) == 200  # the GX document keeps a sample; our report keeps all


def test_failures_table_has_every_failing_row_of_every_expectation():
    t = table({"moneda": text("EUR", "CLP", None)})
    report = run(t, IN_SET, {"type": "expect_column_values_to_not_be_null", "column": "moneda"})
    frame = report.failures_table()
    assert frame[["expectation_id", "position"]].values.tolist() == [["bronze.1", 0], ["bronze.2", 2]]
    assert list(frame.columns) == ["expectation_id", "layer", "severity", "row", "position", "values", "raw",
                                   "details"]
    assert frame["row"].tolist() == [2, 4]  # the RAW row (header on row 1), not the position


def test_report_and_gx_results_are_json_serialisable():
    t = table({"moneda": text("EUR"), "monto": dec("1.5")})
    report = run(t, IN_SET, {"type": "expect_column_values_to_be_between", "column": "monto", "max_value": 1})
    json.dumps(report.to_dict())
    json.dumps(report.gx_results)
    assert report.gx_results["bronze"]["success"] is False
    assert report.duration_ms > 0


def test_the_first_validation_in_a_fresh_process_works():
    code = ("from tests.unit.validation.support import run, table, text; "
            "r = run(table({'m': text('CLP', 'EUR')}), {'type': 'expect_column_values_to_be_in_set', "
            "'column': 'm', 'value_set': ['CLP']}); print(r.status, r.results[0].status)")
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.split() == ["failed", "failed"]
