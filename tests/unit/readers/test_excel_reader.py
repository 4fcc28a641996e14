"""Workbooks: every cell as text with its RAW address; sheets by index or name; merged cells on request."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import rows
from tests.unit.readers.util import cells, read, table
from tests.unit.readers.workbooks import ods, xlsx
from workbench.engine.core.errors import CorruptWorkbookError, SheetNotFoundError
from workbench.engine.core.readers import list_sheets

# A DIPRES-style report: two title rows, the header at row 3 starting in column C, a blank row 6.
REPORT = {
    "C1": "INFORME DE EJECUCIÓN PROGRAMA",
    "C2": "120101 : SECRETARÍA Y ADMINISTRACIÓN GENERAL",
    "C3": "Subt.", "D3": "Ítem", "E3": "Denominación", "F3": "Presupuesto Inicial",
    "C4": "21", "D4": None, "E4": "GASTOS EN PERSONAL", "F4": 1050,
    "C5": "22", "D5": "01", "E5": "  Alimentos  ", "F5": 12.5,
    "C7": "RESULTADO", "F7": -3,
}


def test_cells_come_back_as_text_with_raw_rows_and_letters():
    grid = read(xlsx({"Hoja1": {"C3": "Partida", "D3": "Item", "C4": "01", "D4": "001"}}))
    assert grid.letters == ["C", "D"]
    assert grid.rows == [1, 2, 3, 4]
    assert cells(grid) == [[None, None], [None, None], ["Partida", "Item"], ["01", "001"]]


def test_numbers_render_without_trailing_zero_and_dates_without_midnight():
    grid = read(xlsx({"Hoja1": {
        "A1": 12.0, "A2": -3.25, "A3": 1050, "A4": dt.datetime(2017, 4, 30), "A5": dt.datetime(2017, 4, 30, 13, 5),
    }}))
    assert [row[0] for row in cells(grid)] == ["12", "-3.25", "1050", "2017-04-30", "2017-04-30 13:05:00"]


def test_whitespace_inside_text_cells_is_kept():
    assert cells(read(xlsx({"Hoja1": {"A1": "  x  "}}))) == [["  x  "]]


def test_source_info_names_the_sheet_and_lists_all():
    grid = read(xlsx({"Portada": {"A1": "t"}, "Datos": {"A1": "x"}}), sheet="Datos")
    assert (grid.source.format, grid.source.sheet, grid.source.sheets) == ("xlsx", "Datos", ["Portada", "Datos"])


def test_sheet_by_zero_based_index():
    grid = read(xlsx({"Portada": {"A1": "t"}, "Datos": {"A1": "x"}}), sheet=1)
    assert (grid.source.sheet, cells(grid)) == ("Datos", [["x"]])


def test_missing_sheet_lists_the_available_ones():
    data = xlsx({"Portada": {"A1": "t"}, "Datos": {"A1": "x"}})
    with pytest.raises(SheetNotFoundError) as info:
        read(data, sheet="Gastos")
    assert info.value.details["available"] == "0: 'Portada', 1: 'Datos'"
    assert "no tiene la hoja 'Gastos'" in info.value.message_es


def test_sheet_index_out_of_range_is_a_missing_sheet():
    with pytest.raises(SheetNotFoundError):
        read(xlsx({"Hoja1": {"A1": "x"}}), sheet=3)


def test_list_sheets_in_workbook_order():
    assert list_sheets(xlsx({"b": {"A1": 1}, "a": {"A1": 2}})) == ["b", "a"]


def test_header_found_by_labels_below_title_rows():
    result, labels, warnings = table(xlsx({"Hoja1": REPORT}), header={"find": ["subt.", "ITEM", "denominacion"]})
    assert labels == ["Subt.", "Ítem", "Denominación", "Presupuesto Inicial"]
    assert rows(result) == [
        {"Subt.": "21", "Ítem": None, "Denominación": "GASTOS EN PERSONAL", "Presupuesto Inicial": "1050"},
        {"Subt.": "22", "Ítem": "01", "Denominación": "  Alimentos  ", "Presupuesto Inicial": "12.5"},
        {"Subt.": "RESULTADO", "Ítem": None, "Denominación": None, "Presupuesto Inicial": "-3"},
    ]
    assert warnings == []


def test_provenance_points_at_raw_rows_and_letters():
    result, _, _ = table(xlsx({"Hoja1": REPORT}), header={"row": 3})
    assert result.df["_raw_row"].tolist() == [4, 5, 7]
    assert result.origins == {"Subt.": "C", "Ítem": "D", "Denominación": "E", "Presupuesto Inicial": "F"}
    assert result.sheet == "Hoja1"
    assert result.trace(1, "Ítem") == {"sheet": "Hoja1", "row": 5, "column": "D"}


def test_merged_cells_stay_single_by_default():
    data = xlsx({"Hoja1": {"A1": "Región", "A3": "x"}}, merged={"Hoja1": ["A1:B2"]})
    assert cells(read(data)) == [["Región"], [None], ["x"]]


def test_merged_cells_filled_with_the_top_left_value_widening_the_grid():
    data = xlsx({"Hoja1": {"A1": "Región", "A3": "x"}}, merged={"Hoja1": ["A1:B2"]})
    grid = read(data, fill_merged=True)
    assert grid.letters == ["A", "B"]
    assert cells(grid) == [["Región", "Región"], ["Región", "Región"], ["x", None]]


def test_merged_range_below_the_last_row_adds_rows():
    grid = read(xlsx({"Hoja1": {"A1": "total"}}, merged={"Hoja1": ["A1:A3"]}), fill_merged=True)
    assert (grid.rows, cells(grid)) == ([1, 2, 3], [["total"], ["total"], ["total"]])


def test_ods_reads_as_text():
    grid = read(ods([["Partida", "Monto"], ["01", None]]))
    assert grid.source.format == "ods"
    assert cells(grid) == [["Partida", "Monto"], ["01", None]]


def test_damaged_workbook_is_a_workbook_error():
    data = bytearray(xlsx({"Hoja1": {"A1": "x"}}))
    start = data.index(b"xl/worksheets/sheet1.xml") + 30
    data[start : start + 40] = b"\x00" * 40  # mangle the compressed sheet
    with pytest.raises(CorruptWorkbookError) as info:
        read(bytes(data), format="xlsx")
    assert "dañado" in info.value.message_es


def test_two_row_header_over_merged_cells():
    data = xlsx(
        {"Hoja1": {"A1": "Región", "B1": "Ejecución", "B2": "Acumulada", "C2": "Vigente", "A3": "RM", "B3": 5, "C3": 7}},
        merged={"Hoja1": ["A1:A2", "B1:C1"]},
    )
    result, labels, _ = table(data, fill_merged=True, header={"row": 1, "rows": 2})
    assert labels == ["Región", "Ejecución Acumulada", "Ejecución Vigente"]
    assert rows(result) == [{"Región": "RM", "Ejecución Acumulada": "5", "Ejecución Vigente": "7"}]
