"""A workbook whose report is not on the first sheet: the sheet that has the spec's header is found when nobody
chose one (and the same sheet every time, so a run reads what its preview showed); otherwise
``header-not-found`` lists the sheets and suggests the one that has the header."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.readers.workbooks import xlsx
from workbench.engine.app import previews, uploads
from workbench.engine.core.errors import HeaderNotFoundError
from workbench.engine.core.preview import preview_file
from workbench.engine.core.readers import sheets as sheets_module
from workbench.engine.core.readers.sheets import read_report_sheet
from workbench.engine.core.spec.loader import parse_spec
from workbench.engine.core.spec.source import SourceOptions

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "data" / "workbench" / "readers"
EXAMPLE = ROOT / "examples" / "programa_ejecucion_2017_abril.xlsx"
FIND = SourceOptions(header={"find": ["Subt.", "Ítem", "Asig."]})
SHEETS = ["Notas", "Reporte", "Reporte (2)"]


@pytest.fixture(scope="module")
def spec():
    path = ROOT / "specs" / "dipres_programa_xlsx.yaml"
    return parse_spec(path.read_text(encoding="utf-8"), str(path))


def notes_first(ext: str = "xlsx") -> bytes:
    return (FIXTURES / ("programa_con_notas.xlsx" if ext == "xlsx" else "programa_notas.xlsb")).read_bytes()


@pytest.mark.parametrize("ext", ["xlsx", "xlsb"])
def test_header_on_the_second_sheet_is_found_when_no_sheet_was_chosen(ext):
    grid = read_report_sheet(notes_first(ext), FIND, filename=f"programa.{ext}")
    assert (grid.source.sheet, grid.source.sheets) == ("Reporte", SHEETS)
    issue = grid.issues[0]
    assert (issue["kind"], issue["sheet"], issue["searched_sheet"]) == ("sheet-fallback", "Reporte", "Notas")
    assert issue["message"] == ("the header (Subt., Ítem, Asig.) is not on sheet 'Notas'; sheet 'Reporte' was "
                                "read, the first that has it")
    assert issue["message_es"] == ("el encabezado (Subt., Ítem, Asig.) no está en la hoja 'Notas'; se leyó la hoja "
                                   "'Reporte', la primera que lo tiene")


def test_preview_reads_the_report_sheet_names_it_and_says_why(spec):
    doc = preview_file(notes_first(), spec, filename="programa_2017_abril.xlsx").to_dict()
    plain = preview_file(EXAMPLE.read_bytes(), spec, filename="programa_2017_abril.xlsx").to_dict()
    assert doc["source"]["sheet"] == "Reporte" and doc["source"]["sheets"] == SHEETS
    assert doc["warnings"][0].startswith("the header (Subt., Ítem, Asig.) is not on sheet 'Notas'")
    assert doc["warnings_es"][0].startswith("el encabezado (Subt., Ítem, Asig.) no está en la hoja 'Notas'")
    assert "encabezado" not in doc["warnings"][0] and "header" not in doc["warnings_es"][0]  # one language each
    assert doc["layers"]["silver"]["row_count"] == plain["layers"]["silver"]["row_count"] > 0
    assert doc["layers"]["silver"]["sample"] == plain["layers"]["silver"]["sample"]


def test_the_choice_is_the_same_every_time_the_first_matching_sheet(spec):
    """Sheets 2 and 3 both hold the report: the first in workbook order wins, on every read (a run reads
    the file again without a sheet, exactly as its preview did)."""
    chosen = {preview_file(notes_first(), spec, filename="programa_2017.xlsx").source["sheet"] for _ in range(2)}
    assert chosen == {"Reporte"}


def test_the_first_sheet_is_read_once_when_it_has_the_header(monkeypatch):
    calls = []
    real = sheets_module.read_raw
    monkeypatch.setattr(sheets_module, "read_raw", lambda data, options, **kw: calls.append(options.sheet)
                        or real(data, options, **kw))
    grid = read_report_sheet(EXAMPLE.read_bytes(), FIND, filename="programa.xlsx")
    assert grid.source.sheet == "Reporte" and grid.issues == []
    assert calls == [0]


def test_a_chosen_sheet_without_the_header_suggests_the_one_that_has_it(spec):
    with pytest.raises(HeaderNotFoundError) as info:
        preview_file(notes_first(), spec, filename="programa_2017.xlsx", sheet="Notas")
    error = info.value.to_dict()
    assert error["code"] == "header-not-found"
    assert error["details"]["sheet"] == "Notas"
    assert error["details"]["sheets"] == SHEETS
    assert error["details"]["suggested_sheet"] == "Reporte"
    assert error["message_es"] == ("programa_2017.xlsx hoja 'Notas': ninguna de las primeras 50 filas contiene todas "
                                   "las etiquetas 'Subt.', 'Ítem', 'Asig.'; la hoja 'Reporte' sí las tiene: elija "
                                   "esa hoja")


def test_sheet_zero_chosen_is_not_swapped_either(spec):
    with pytest.raises(HeaderNotFoundError) as info:
        preview_file(notes_first(), spec, filename="programa_2017.xlsx", sheet=0)
    assert info.value.details["suggested_sheet"] == "Reporte"


def test_header_found_nowhere_lists_every_sheet_searched():
    data = xlsx({"Notas": {"A1": "Notas"}, "Resumen": {"A1": "Total", "B1": "100"}})
    with pytest.raises(HeaderNotFoundError) as info:
        read_report_sheet(data, FIND, filename="libro.xlsx")
    details = info.value.details
    assert (details["sheet"], details["sheets"], details["suggested_sheet"]) == (None, ["Notas", "Resumen"], None)
    assert info.value.message_es == ("libro.xlsx: ninguna de las primeras 50 filas contiene todas las etiquetas "
                                     "'Subt.', 'Ítem', 'Asig.'; ninguna hoja del libro las tiene (hojas revisadas: "
                                     "'Notas', 'Resumen')")


def test_csv_without_the_header_carries_the_same_keys():
    with pytest.raises(HeaderNotFoundError) as info:
        read_report_sheet(b"a;b\n1;2\n", FIND, filename="ley.csv")
    assert (info.value.details["sheets"], info.value.details["suggested_sheet"]) == ([], None)
    assert info.value.message_es == ("ley.csv: ninguna de las primeras 50 filas contiene todas las etiquetas "
                                     "'Subt.', 'Ítem', 'Asig.'")


def test_an_unreadable_other_sheet_is_skipped_not_fatal():
    """A sheet over the limits is not the report: the search goes on to the next one."""
    data = xlsx({"Notas": {"A1": "n"}, "Enorme": {"A1": "x", "XFD1": "y"},
                 "Datos": {"A1": "Subt.", "B1": "Ítem", "C1": "Asig.", "A2": "21"}})
    grid = read_report_sheet(data, FIND, filename="libro.xlsx")
    assert grid.source.sheet == "Datos"


def test_row_headers_are_never_searched_elsewhere():
    """A header given by row number matches any sheet: the spec's sheet is read as before."""
    grid = read_report_sheet(notes_first(), SourceOptions(header={"row": 1}), filename="programa.xlsx")
    assert grid.source.sheet == "Notas" and grid.issues == []


def test_step_view_and_raw_window_read_the_sheet_the_preview_showed(spec):
    data = notes_first()
    after = previews.table_after_step(data, spec, step=0, filename="programa_2017.xlsx")
    assert after["row_count"] > 0
    window = previews.raw_window(data, spec, row=7, rows=1, before=0, filename="programa_2017.xlsx")
    assert window["sample"][0]["A"] == "Subt."
    # the dataset suggestion finds the header too (it compares specs only when several read workbooks)
    assert uploads._header_found(data, spec, "programa_2017.xlsx") is True
    assert uploads._steps_run(data, spec, "programa_2017.xlsx") is True


def test_raw_window_still_shows_rows_when_the_header_is_nowhere(spec):
    data = xlsx({"Notas": {"A1": "Notas"}, "Resumen": {"A1": "Total"}})
    window = previews.raw_window(data, spec, row=1, rows=1, filename="libro_2017.xlsx")
    assert window["sample"][0]["A"] == "Notas"
