"""Formula payloads that survive a preview are neutralised by the CSV and xlsx exports (shown, never run)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from tests.abuse.hostile import FORMULAS, csv_with
from workbench.engine import api
from workbench.engine.core.export import write_xlsx


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_csv_and_xlsx_exports_neutralise_formulas(name: str, tmp_path: Path):
    payload = FORMULAS[name]
    table = api.preview_file(csv_with(payload), None, filename="formula.csv").tables["raw"]
    assert payload in table.df["Partida"].tolist()  # the preview keeps the cell exactly as in the file

    out = api.export_table(table, tmp_path / "out.csv")
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8"), newline="")))
    assert rows[1][0] == "'" + payload

    book = openpyxl.load_workbook(write_xlsx(table.df[table.data_columns], tmp_path / "out.xlsx"))
    cell = book.active.cell(row=2, column=1)
    assert cell.data_type == "s" and cell.value == "'" + payload  # text, not a formula


def test_harmless_text_is_exported_unchanged(tmp_path: Path):
    table = api.preview_file(csv_with("ACME-1 = 2"), None, filename="ok.csv").tables["raw"]
    rows = list(csv.reader(io.StringIO(api.export_table(table, tmp_path / "o.csv").read_text(encoding="utf-8"))))
    assert rows[1][0] == "ACME-1 = 2"


def test_a_carriage_return_inside_a_cell_cannot_start_a_row_in_the_csv_export(tmp_path: Path):
    """A lone CR inside a cell used to be written unquoted: a spreadsheet then read ``=cmd|...`` as the first
    cell of a new row, a formula the neutralising (which looks at cell starts) had not seen."""
    sneaky = "total\r=cmd|' /C calc'!A0"
    table = api.preview_file(csv_with(sneaky), None, filename="cr.csv").tables["raw"]
    raw = api.export_table(table, tmp_path / "out.csv").read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    assert rows[1][0] == sneaky and len(rows) == 3  # one quoted cell: no row starts with the formula
