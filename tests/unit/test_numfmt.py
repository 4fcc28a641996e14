"""The one number formatter (web, CLI, QA messages, Data Docs): es-CL, exact, no spurious decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from workbench.engine.core.numfmt import fmt_number, fmt_percent


@pytest.mark.parametrize(("value", "text"), [
    ("976368290.000", "976.368.290"),  # a decimal(3) amount: was 976.368.290,000 in the preview
    (Decimal("976368290.000"), "976.368.290"), (976368290, "976.368.290"),
    ("-10253120970", "-10.253.120.970"),  # a RAW control total: was shown as -10253120970
    ("0.001", "0,001"), (Decimal("1234.50"), "1.234,5"), (Decimal("-0.000"), "0"), (12.5, "12,5"),
    ("1" + "0" * 40, "10" + ".000" * 13), (None, "—"), ("3 de 84 totales no cuadran", "3 de 84 totales no cuadran"),
])
def test_numbers_are_exact_es_cl_without_spurious_decimals(value, text) -> None:
    assert fmt_number(value) == text


def test_fixed_decimals_round_half_even_and_keep_their_places() -> None:
    assert (fmt_number(1234567.891, 2), fmt_number(2.5, 0), fmt_number(3, 1)) == ("1.234.567,89", "2", "3,0")


def test_percentages() -> None:
    shown = (fmt_percent(1), fmt_percent(0.95), fmt_percent(0.995), fmt_percent(None))
    assert shown == ("100 %", "95 %", "99,5 %", "—")


def test_a_stored_cell_shows_amounts_in_es_cl_and_codes_as_they_are():
    """Failing rows keep exact non-integral amounts as text ("-0.5"): shown like every other number, while
    codes (leading zeros, grouping dots) and years stored as text are left alone."""
    from workbench.engine.core.numfmt import fmt_value

    assert [fmt_value(v) for v in ("-0.5", "976368290.25", 976368290, -10253120970, None)] == [
        "-0,5", "976.368.290,25", "976.368.290", "-10.253.120.970", "—"]
    assert [fmt_value(v) for v in ("01", "35.12.605", "2017", "0102", " texto ")] == [
        "01", "35.12.605", "2017", "0102", "texto"]
