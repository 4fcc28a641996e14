"""Every expectation kind reads as one Spanish sentence (dataset page, run page, preview, Data Docs)."""

from __future__ import annotations

import re

import pytest

from workbench.engine.core.validation.catalog import core_catalog
from workbench.engine.core.validation.checks import CONTROL_TOTAL, HIERARCHY
from workbench.engine.core.validation.models import known_types
from workbench.engine.core.validation.sentences import SENTENCES, sentence

#: A value of each coarse catalog type, to build every kind's required kwargs.
SAMPLES = {"string": "monto", "number": 1500.5, "integer": 3, "boolean": True, "array": ["CLP", "USD"],
           "object": {"quantiles": [0.5], "value_ranges": [[1, 2]]}, "date": "2024-01-31", "any": "x"}
CUSTOM = {HIERARCHY: {"levels": ["subtitulo", "item"], "measures": ["monto"], "group_by": ["partida"]},
          CONTROL_TOTAL: {"control": "resultado", "terms": [
              {"column": "monto", "where": {"column": "subtitulo", "lt": 20}},
              {"column": "monto", "sign": -1, "where": {"column": "nivel", "empty": True}}]}}
ENGLISH = re.compile(r"\b(None|null|True|False|expect|column|value|values|mostly|between|rows?|keys?|empty|"
                     r"and|or|not)\b")


def _kwargs(type_: str) -> dict:
    if type_ in CUSTOM:
        return CUSTOM[type_]
    fields = core_catalog()[type_]
    kwargs = {f["name"]: SAMPLES[f["types"][0]] for f in fields if f["required"]}
    if any(f["name"] == "value_pairs_set" for f in fields):
        kwargs["value_pairs_set"] = [["a", "b"]]
    return kwargs


def test_every_kind_in_the_catalog_has_its_own_sentence() -> None:
    assert set(SENTENCES) == set(known_types())


@pytest.mark.parametrize("type_", known_types())
def test_each_kind_reads_as_spanish_without_gx_names_or_unset_options(type_: str) -> None:
    text = sentence(type_, {**_kwargs(type_), "row_condition": None, "strict_min": None}, None)
    assert text and "_to_" not in text and type_ not in text
    assert not ENGLISH.search(text.replace("monto", "").replace("«", "").replace("»", "")), text
    assert "None" not in text and ": ," not in text


def test_the_not_null_check_says_on_how_many_rows_it_must_hold() -> None:
    assert sentence("expect_column_values_to_not_be_null", {"column": "monto"}) == \
        "monto no vacío en el 100 % de las filas"
    assert sentence("expect_column_values_to_not_be_null", {"column": "monto"}, 0.995) == \
        "monto no vacío en el 99,5 % de las filas"


def test_numbers_dates_and_counts_are_written_the_chilean_way() -> None:
    assert sentence("expect_column_values_to_be_between", {"column": "monto", "min_value": 0,
                                                           "max_value": 1234567.5}) == \
        "monto está entre 0 y 1.234.567,5 en el 100 % de las filas"
    assert sentence("expect_table_row_count_to_be_between", {"min_value": 1}) == "la tabla tiene al menos 1 fila"
    assert sentence("expect_column_min_to_be_between", {"column": "fecha", "min_value": "2024-01-31"}) == \
        "el mínimo de fecha está al menos 31-01-2024"


def test_custom_checks_name_their_parts() -> None:
    assert sentence(HIERARCHY, CUSTOM[HIERARCHY]) == ("cada subtitulo es la suma de sus item, en monto (dentro de "
                                                      "cada partida) en el 100 % de los totales")
    assert sentence(CONTROL_TOTAL, CUSTOM[CONTROL_TOTAL]) == (
        "la suma de monto donde subtitulo < 20 menos la suma de monto donde nivel vacía es igual al total de "
        "control «resultado» del archivo")


def test_a_kind_no_longer_known_still_reads_without_gx_syntax() -> None:
    assert sentence("expect_gone", {"column": "a", "x": None}) == "control «expect_gone» (column: a)"
