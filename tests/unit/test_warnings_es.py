"""Warnings in the analyst's language (issue 12.7): every warning a preview or a run carries has a Spanish text,
made where the warning is made; the web shows ``warnings_es``, the API and the CLI keep English ``warnings``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from workbench.engine.core.preview import preview_file
from workbench.engine.core.readers import csv_reader
from workbench.engine.core.readers.base import SourceInfo
from workbench.engine.core.spec.loader import parse_spec
from workbench.engine.core.spec.source import SourceOptions
from workbench.state.run_views import warnings as run_warnings

#: English words of the engine's warnings: none may reach a Spanish one.
ENGLISH = ("row ", "column ", "header", "expected", "skipped", "set to missing", "more reading issues", "renamed",
           "not valid", "not in the mapping", "whitespace", "control total")

SPEC = """\
dataset: {slug: montos, title: Montos}
source: {format: csv, delimiter: ";"}
layers:
  bronze:
    - type: type_cast
      on_error: "null"
      columns: {monto: int}
    - type: map_categories
      column: moneda
      mapping: {P: CLP}
      unmapped: "null"
"""


def english_in(text: str) -> list[str]:
    return [word for word in ENGLISH if word in text]


def test_reading_issues_past_the_listed_ones_are_counted_in_both_languages():
    data = b"a;b;c\n" + b"1;2;3\n" * 30 + b"1;2\n" * 25  # 25 short rows, lines 32 to 56
    doc = preview_file(data, None, filename="corto.csv").to_dict()
    assert len(doc["warnings"]) == len(doc["warnings_es"]) == 21
    assert doc["warnings"][0] == "row 32 has 2 fields, expected 3"
    assert doc["warnings_es"][0] == "la fila 32 tiene 2 campos; se esperaban 3"
    assert (doc["warnings"][-1], doc["warnings_es"][-1]) == ("... and 5 more reading issues",
                                                             "... y 5 problemas de lectura más")
    assert [w for w in doc["warnings_es"] if english_in(w)] == []


def test_reading_issue_summaries_past_the_per_kind_limit_are_spanish_too(monkeypatch):
    monkeypatch.setattr(csv_reader, "MAX_ISSUES_PER_KIND", 1)
    data = b"a;b\n \n1;2\n \n3\n4\n"  # two whitespace lines, two short rows
    grid = csv_reader.read_csv(data, SourceOptions(delimiter=";"),
                               SourceInfo(sha256="x", bytes=len(data), format="csv", filename="x.csv"))
    summaries = [(i["message"], i["message_es"]) for i in grid.issues if i["row"] is None]
    assert summaries == [("1 more whitespace-only lines skipped",
                          "se omitieron 1 línea(s) más con solo espacios en blanco"),
                         ("1 more rows without 2 fields", "1 fila(s) más sin 2 campos")]


def test_a_preview_carries_each_warning_in_english_and_in_spanish_in_the_same_order():
    spec = parse_spec(SPEC, "montos.yaml")
    data = "monto;moneda;monto\n1;P;9\ndos;X;9\n3;P;9\n".encode()  # a duplicate header, a bad number, a code
    doc = preview_file(data, spec, filename="montos.csv").to_dict()
    assert doc["warnings"] == [
        "column C: duplicate header 'monto' renamed to 'monto_2'",
        "column 'monto': 1 value(s) are not valid integers (decimal ',', thousands '.'): 'dos' at row 3 column A "
        "(set to missing)",
        "column 'moneda': 1 value(s) not in the mapping (1 rows): 'X' ×1 (first at row 3 column B) (set to missing)",
    ]
    assert doc["warnings_es"] == [
        "columna C: el encabezado 'monto' está repetido; se llama 'monto_2'",
        "columna 'monto': 1 valor(es) no son enteros válidos (decimal ',', miles '.'): 'dos' en fila 3 columna A "
        "(quedaron vacíos)",
        "columna 'moneda': 1 valor(es) sin equivalencia (1 filas): 'X' ×1 (primera en fila 3 columna B) "
        "(quedaron vacíos)",
    ]


@pytest.mark.parametrize(("english", "spanish", "shown"), [
    (["row 3 has 1 field, expected 3"], ["la fila 3 tiene 1 campo; se esperaban 3"],
     ["la fila 3 tiene 1 campo; se esperaban 3"]),
    (["row 3 has 1 field, expected 3"], None, ["row 3 has 1 field, expected 3"]),  # recorded before 0006
    (None, None, []),  # a run that never finished
])
def test_the_run_page_shows_the_spanish_warnings_and_the_english_ones_of_older_runs(english, spanish, shown):
    assert run_warnings(SimpleNamespace(warnings=english, warnings_es=spanish)) == shown
