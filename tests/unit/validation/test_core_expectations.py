"""GX core expectations through our runner, on pandas 3 Arrow text and decimal128 columns."""

from __future__ import annotations

from tests.unit.validation.support import dec, only, run, table, text


def test_not_null_on_text_reports_the_missing_rows():
    t = table({"codigo": text("01", None, "03", None)})
    r = only(run(t, {"type": "expect_column_values_to_not_be_null", "column": "codigo"}))
    assert (r.status, r.unexpected_count, r.element_count) == ("failed", 2, 4)
    assert r.positions.tolist() == [1, 3]


def test_not_null_on_decimal_column():
    r = only(run(table({"monto": dec("1.5", None, "-2")}),
                 {"type": "expect_column_values_to_not_be_null", "column": "monto"}))
    assert r.positions.tolist() == [1]


def test_in_set_on_text():
    t = table({"moneda": text("CLP", "USD", "EUR", "CLP")})
    r = only(run(t, {"type": "expect_column_values_to_be_in_set", "column": "moneda", "value_set": ["CLP", "USD"]}))
    assert r.status == "failed" and r.positions.tolist() == [2]


def test_in_set_on_decimals():
    r = only(run(table({"m": dec("1.5", "2", "3.25")}),
                 {"type": "expect_column_values_to_be_in_set", "column": "m", "value_set": [1.5, 2]}))
    assert r.positions.tolist() == [2]


def test_regex_on_codes():
    t = table({"asignacion": text("001", "01", None, "1234")})
    r = only(run(t, {"type": "expect_column_values_to_match_regex", "column": "asignacion", "regex": r"^\d{3}$"}))
    assert r.positions.tolist() == [1, 3]  # a missing code is not a regex failure


def test_between_on_decimal128():
    t = table({"monto": dec("-800000", "0.001", "33540615527", None)})
    r = only(run(t, {"type": "expect_column_values_to_be_between", "column": "monto", "min_value": 0,
                     "max_value": 10_000_000_000}))
    assert r.positions.tolist() == [0, 2]


def test_unique_on_text_and_decimals():
    t = table({"codigo": text("a", "b", "a"), "monto": dec("1", "2", "3")})
    report = run(t, {"type": "expect_column_values_to_be_unique", "column": "codigo"},
                 {"type": "expect_column_values_to_be_unique", "column": "monto"})
    codes, amounts = report.results
    assert codes.positions.tolist() == [0, 2] and amounts.status == "passed"


def test_compound_unique():
    t = table({"a": text("1", "1", "1"), "b": text("x", "y", "x")})
    r = only(run(t, {"type": "expect_compound_columns_to_be_unique", "column_list": ["a", "b"]}))
    assert r.positions.tolist() == [0, 2]


def test_row_count():
    r = only(run(table({"a": text()}), {"type": "expect_table_row_count_to_be_between", "min_value": 1}))
    assert r.status == "failed" and r.observed_value == 0


def test_column_set_names_the_difference():
    r = only(run(table({"a": text("x"), "b": text("y")}),
                 {"type": "expect_table_columns_to_match_set", "column_set": ["a", "c"]}))
    assert r.status == "failed"
    assert sorted(r.observed_value) == ["a", "b"]  # provenance columns are not data


def test_mostly_lets_a_few_rows_fail_but_still_lists_them():
    t = table({"m": text("a", "a", "a", "a", "b")})
    entry = {"type": "expect_column_values_to_be_in_set", "column": "m", "value_set": ["a"]}
    strict, lenient = run(t, entry, {**entry, "mostly": 0.8}).results
    assert strict.status == "failed" and lenient.status == "passed"
    assert lenient.positions.tolist() == [4]


def test_missing_column_is_an_error_result_not_a_crash():
    report = run(table({"a": text("x")}), {"type": "expect_column_values_to_not_be_null", "column": "nope"})
    r = only(report)
    assert r.status == "error" and not r.success and "nope" in r.message
    assert report.status == "failed"


def test_kwargs_gx_refuses_make_an_error_result_with_the_reason():
    report = run(table({"a": dec("1")}), {"type": "expect_column_values_to_be_between", "column": "a"},
                 {"type": "expect_column_values_to_not_be_null", "column": "a"})
    broken, fine = report.results
    assert broken.status == "error" and "min_value" in broken.message
    assert fine.status == "passed"
