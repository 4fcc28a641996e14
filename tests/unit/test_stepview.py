"""The upload page's engine helpers: dataset suggestion, parameter fields, the table after a step, RAW windows."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.engine import api

from workbench.engine.app import previews, uploads
from workbench.state import preview_view as view

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "workbench"


@pytest.fixture(scope="module")
def specs() -> dict[str, api.Spec]:
    good, bad = api.load_all(ROOT / "specs")
    assert bad == {}
    return good


def _bytes(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.mark.parametrize("name, slug", [
    ("ejecucion_2017_abril_pesos.csv", "dipres_ejecucion"),
    ("ley_2017_programa.csv", "dipres_ley"),
    ("ley_2027_programa.csv", "dipres_ley"),
    ("programa_ejecucion_2017_abril.xlsx", "dipres_programa_xlsx"),
])
def test_suggestion_puts_the_right_dataset_first(specs, name: str, slug: str) -> None:
    ranked = uploads.suggest_datasets(_bytes(name), specs, filename=name)
    assert ranked[0]["slug"] == slug


def test_execution_file_is_told_apart_from_the_law_with_the_same_header_labels(specs) -> None:
    ranked = {s["slug"]: s for s in uploads.suggest_datasets(_bytes("ejecucion_2017_abril_pesos.csv"), specs)}
    assert ranked["dipres_ley"]["header_found"] and ranked["dipres_ejecucion"]["header_found"]
    assert ranked["dipres_ejecucion"]["score"] > ranked["dipres_ley"]["score"]


def test_file_without_header_labels_is_not_recognised(specs) -> None:
    ranked = uploads.suggest_datasets(_bytes("ejecucion_2017_sin_encabezado.csv"), specs)
    assert not any(s["header_found"] or s["likely"] for s in ranked) and ranked[0]["score"] < 10


def test_the_only_spec_reading_workbooks_is_suggested_without_reading_the_workbook(specs) -> None:
    [only] = uploads.suggest_datasets(_bytes("programa_ejecucion_2017_abril.xlsx"), specs)
    assert only["slug"] == "dipres_programa_xlsx" and only["likely"] and not only["header_found"]


def test_html_disguised_as_csv_raises_a_format_error(specs) -> None:
    with pytest.raises(api.FileFormatError):
        uploads.suggest_datasets(_bytes("html_disfrazado.csv"), specs, filename="html_disfrazado.csv")


def test_parameter_fields_take_the_year_from_the_file_name(specs) -> None:
    [field] = uploads.parameter_fields(specs["dipres_ejecucion"], "ejecucion_2019_marzo.csv")
    assert (field["name"], field["type"], field["value"], field["source"]) == ("anio", "int", "2019", "archivo")
    [field] = uploads.parameter_fields(specs["dipres_ejecucion"], "sin_anio.csv")
    assert field["value"] == "" and field["required"] is True


def test_table_after_a_step_is_that_steps_output(specs) -> None:
    data = _bytes("ejecucion_2017_abril_pesos.csv")
    after_drop = previews.table_after_step(data, specs["dipres_ejecucion"], step=2, filename="e_2017.csv")
    assert (after_drop["layer"], after_drop["index"], after_drop["type"]) == ("bronze", 3, "drop_rows")
    assert after_drop["row_count"] == 48  # the RESULTADO footer is gone
    melted = previews.table_after_step(data, specs["dipres_ejecucion"], step=10, filename="e_2017.csv", sample_rows=3)
    assert (melted["layer"], melted["type"], melted["row_count"], len(melted["sample"])) == ("silver", "melt", 144, 3)
    with pytest.raises(api.ParameterError):
        previews.table_after_step(data, specs["dipres_ejecucion"], step=99, filename="e_2017.csv")


def test_raw_window_is_around_the_row(specs) -> None:
    window = previews.raw_window(_bytes("ejecucion_2017_abril_pesos.csv"), specs["dipres_ejecucion"], row=40, rows=5,
                                 before=2)
    assert [r["_row"] for r in window["sample"]] == [38, 39, 40, 41, 42]
    assert window["columns"][0] == "A" and window["sample"][0]["A"] == "50"


def test_failing_check_points_at_its_raw_cells(specs) -> None:
    name = "ejecucion_2017_abril_asignacion_no_suma.csv"
    doc = api.preview_file(_bytes(name), specs["dipres_ejecucion"], filename=name, sample_rows=50).to_dict()
    qa = view.qa_view(doc["qa"])
    assert (qa["status"], qa["label"], qa["colour"]) == ("failed", "QA fallida", "red")
    assert qa["failed_checks"] == ["asignaciones_suman_item"] and qa["fail_label"] == "Filas 1–1 de 1"
    [failure] = qa["fail_rows"]
    assert failure["check"] == "asignaciones_suman_item" and failure["row"] == "3"
    assert "3:I" in qa["highlights"]  # the item's presupuesto inicial, RAW line 3 column I
    rows = view.raw_rows(doc["raw"], qa["highlights"])
    line3 = next(r for r in rows if r["n"] == "3")
    assert line3["c"] == "hl-row" and {c["k"] for c in line3["cells"] if c["c"] == "hl"} >= {"3:A", "3:I"}


def test_error_view_is_spanish_with_its_location() -> None:
    error = api.HeaderNotFoundError(searched=50, labels="'Partida'", file="x.csv", sheet=None).to_dict()
    shown = view.error_view(error)
    assert shown["message"].startswith("x.csv: ninguna de las primeras 50 filas")
    assert shown["location"] == "Archivo: x.csv" and shown["code"] == "header-not-found"


def test_numbers_in_the_tidy_table_are_written_the_chilean_way() -> None:
    table = view.table_view("silver", {"columns": [{"name": "monto", "dtype": "decimal128(38, 3)[pyarrow]"}],
                                       "row_count": 1, "sample": [{"monto": "1234567.5", "_raw_row": 7}]})
    assert table["rows"] == [["7", "1.234.567,5"]] and table["columns"][0]["type"] == "decimal (3)"
    assert table["align"] == ["right", "right"]


def test_a_workbook_offers_its_sheets_at_upload_before_any_preview() -> None:
    """12.4: a workbook whose first preview failed for another reason (a form field left empty) showed no picker."""
    notes = (DATA / "readers" / "programa_con_notas.xlsx").read_bytes()
    assert uploads.workbook_sheets(notes, filename="libro_notas.xlsx") == ["Notas", "Reporte", "Reporte (2)"]
    assert uploads.workbook_sheets(_bytes("ejecucion_2017_abril_pesos.csv"), filename="e.csv") == []
    assert uploads.workbook_sheets(b"PK\x03\x04" + b"no es un libro" * 10, filename="roto.xlsx") == []  # its preview says why
