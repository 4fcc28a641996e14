"""Delimiter: sniffed among ; , tab | by consistency outside quotes, or given explicitly."""

from __future__ import annotations

import pytest

from tests.unit.readers.util import cells, read
from workbench.engine.core.readers import sniff_delimiter


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_each_candidate_is_found(delimiter):
    text = delimiter.join(["Partida", "Programa", "Monto"]) + "\n" + delimiter.join(["01", "02", "5"]) + "\n"
    assert sniff_delimiter(text) == delimiter


def test_decimal_commas_do_not_beat_a_consistent_semicolon():
    text = "Partida;Denominación;Monto\n01;Préstamos;0,001\n02;Gastos, varios;1050\n03;Otros;7\n"
    assert sniff_delimiter(text) == ";"


def test_delimiters_inside_quotes_do_not_count():
    text = 'name,notes\n"Pérez; Juan","a;b;c"\n"Soto; Ana","d;e"\n'
    assert sniff_delimiter(text) == ","


def test_comma_inside_an_unterminated_mid_field_quote_still_gives_semicolon():
    text = (
        "Partida;Denominación;Monto\n"
        '05;UCN-Diplomado "Gestión de Creatividad, Innovación;10000\n'
        "05;Otra;5\n"
    )
    assert sniff_delimiter(text) == ";"


def test_single_column_falls_back_to_comma():
    assert sniff_delimiter("valor\n01\n002\n") == ","


def test_sniffed_delimiter_is_reported_in_source_info():
    assert read(b"a|b\n1|2\n").source.delimiter == "|"


def test_explicit_delimiter_overrides_sniffing():
    grid = read(b"a;b,c\n1;2,3\n", delimiter=",")
    assert grid.source.delimiter == ","
    assert cells(grid) == [["a;b", "c"], ["1;2", "3"]]


def test_escaped_tab_is_accepted_as_tab():
    grid = read(b"a\tb;c\n1\t2;3\n", delimiter="\\t")
    assert grid.source.delimiter == "\t"
    assert cells(grid) == [["a", "b;c"], ["1", "2;3"]]
