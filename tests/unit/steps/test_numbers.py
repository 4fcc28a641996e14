"""_numbers: strict, exact, locale-aware number parsing (the DIPRES quirks first)."""

from decimal import Decimal

import pyarrow as pa
import pytest

from workbench.engine.core.steps._numbers import parse_numbers

BAD = "invalid"

# (text, decimal, thousands, kind, expected)
CASES = [
    # DIPRES (es-CL: decimal ",", thousands ".")
    ("0,001", ",", ".", "decimal", Decimal("0.001")),
    ("1,36187E+11", ",", ".", "decimal", Decimal("136187000000")),
    ("1.234.567,89", ",", ".", "decimal", Decimal("1234567.89")),
    ("-800000", ",", ".", "decimal", Decimal("-800000")),
    ("-2.039.165", ",", ".", "decimal", Decimal("-2039165")),
    ("22.829.774", ",", ".", "int", 22829774),
    ("+5", ",", ".", "decimal", Decimal("5")),
    ("0005", ",", ".", "int", 5),
    (",5", ",", ".", "decimal", Decimal("0.5")),
    ("1e3", ",", ".", "int", 1000),
    ("1.234", ",", ".", "int", 1234),
    ("1,0", ",", ".", "int", 1),
    ("1,36187E+11", ",", ".", "int", 136187000000),
    ("1,36187E+11", ",", ".", "float", 136187000000.0),
    ("0,001", ",", ".", "float", 0.001),
    # strictness: never NaN in silence, never a thousands separator taken for a decimal point
    ("12abc", ",", ".", "decimal", BAD),
    ("1,2,3", ",", ".", "decimal", BAD),
    ("1.5", ",", ".", "decimal", BAD),
    ("1.23.456", ",", ".", "decimal", BAD),
    ("0.001", ",", ".", "decimal", BAD),
    ("1.234,5,6", ",", ".", "decimal", BAD),
    ("--5", ",", ".", "decimal", BAD),
    ("5-", ",", ".", "decimal", BAD),
    ("1 234", ",", ".", "decimal", BAD),
    ("0x10", ",", ".", "int", BAD),
    ("inf", ",", ".", "float", BAD),
    ("nan", ",", ".", "float", BAD),
    ("1,5", ",", ".", "int", BAD),
    ("1e40", ",", ".", "decimal", BAD),
    ("99999999999999999999", ",", ".", "int", BAD),
    ("１２", ",", ".", "decimal", BAD),  # full-width digits
    # other locales
    ("1,234.5", ".", ",", "decimal", Decimal("1234.5")),
    ("350,239,182", ".", ",", "int", 350239182),
    ("-200,000", ".", ",", "int", -200000),
    ("1,5", ".", ",", "decimal", BAD),
    ("1.2.3", ".", ",", "decimal", BAD),
    ("1234,5", ",", "", "decimal", Decimal("1234.5")),
    ("1.5", ",", "", "decimal", BAD),
    ("1 234,5", ",", " ", "decimal", Decimal("1234.5")),
    ("1.5", ".", "", "float", 1.5),
]


@pytest.mark.parametrize(("text", "decimal", "thousands", "kind", "expected"), CASES)
def test_parse_one_value(text, decimal, thousands, kind, expected):
    parsed = parse_numbers(pa.array([text], pa.large_string()), kind, decimal=decimal, thousands=thousands)
    if expected == BAD:
        assert parsed.invalid.tolist() == [True]
        assert parsed.values[0].as_py() is None
    else:
        assert parsed.invalid.tolist() == [False]
        assert parsed.values[0].as_py() == expected


def test_decimal_is_exact_and_typed():
    parsed = parse_numbers(pa.array(["0,001", "0,1", "0,2"]), "decimal", scale=3)
    assert parsed.values.type == pa.decimal128(38, 3)
    assert sum(v.as_py() for v in parsed.values) == Decimal("0.301")  # no binary float drift


def test_missing_values_are_neither_parsed_nor_invalid():
    parsed = parse_numbers(pa.array(["1", None, "2"]), "int")
    assert parsed.values.to_pylist() == [1, None, 2]
    assert parsed.invalid.tolist() == [False, False, False]


def test_more_fraction_digits_than_scale_are_rounded_half_up_and_flagged():
    parsed = parse_numbers(pa.array(["1,2345", "-1,2355", "7"]), "decimal", scale=3)
    assert parsed.values.to_pylist() == [Decimal("1.235"), Decimal("-1.236"), Decimal("7.000")]
    assert parsed.rounded.tolist() == [True, True, False]


def test_a_bad_value_does_not_spoil_the_good_ones():
    parsed = parse_numbers(pa.array(["1.234", "1,2,3", "0,001", "1e40"]), "decimal")
    assert parsed.values.to_pylist() == [Decimal("1234"), None, Decimal("0.001"), None]
    assert parsed.invalid.tolist() == [False, True, False, True]


def test_value_by_value_path_rounds_the_same_way():
    # 1e40 does not even fit the wide decimal, so every distinct value is decided one by one
    parsed = parse_numbers(pa.array(["1,2345", "-1,2355", "1e40", "1,2345"]), "decimal", scale=3)
    assert parsed.values.to_pylist() == [Decimal("1.235"), Decimal("-1.236"), None, Decimal("1.235")]
    assert parsed.invalid.tolist() == [False, False, True, False]
    assert parsed.rounded.tolist() == [True, True, False, True]
