"""One row numbering and one number format for QA, on the same cell of the example files through every path:
the preview's QA panel, the run page, the CLI (and the API's ``row``, which the CLI prints; those two need a
stored run, hence Redis for the dataset lock: tests/integration/test_qa_rows_run.py). The row is the
RAW row: the line a text editor shows for a CSV, the row Excel shows for a workbook; never the position of
the row in the layer's table. Also: a failed control total explains itself, and failing rows page through
all of them ("Filas 21–40 de 45")."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from workbench.engine import api
from workbench.engine.app import previews
from workbench.state import preview_view as view
from workbench.state.qa_rows import failure_row, page_label

ROOT = Path(__file__).resolve().parents[2]
CSV = ROOT / "examples" / "ejecucion_2017_abril_programa.csv"
XLSX = ROOT / "examples" / "programa_ejecucion_2017_abril.xlsx"
CHECK = "asignaciones_suman_item"


def csv_with_an_item_off_by_one() -> tuple[bytes, int]:
    """The example CSV with item 24.01's presupuesto inicial one peso off its asignaciones: (bytes, its line)."""
    lines = CSV.read_bytes().split(b"\n")
    line = next(i for i, text in enumerate(lines, start=1) if text.startswith(b"50;01;05;24;01;;"))
    lines[line - 1] = lines[line - 1].replace(b";3961559;", b";3961560;")
    return b"\n".join(lines), line


@pytest.fixture(scope="module")
def specs() -> dict[str, api.Spec]:
    good, _ = api.load_all(ROOT / "specs")
    return good


def test_the_preview_names_the_failing_cell_by_its_line_in_the_csv(specs) -> None:
    data, line = csv_with_an_item_off_by_one()
    assert line == 14  # what `grep -n` and any text editor show
    page = previews.preview_failures(data, specs["dipres_ejecucion"], check=CHECK, filename="e_2017.csv",
                                     params={"anio": 2017})
    assert page["total"] == 1 and page["rows"][0]["position"] == 12  # the table index: never shown
    [row] = [failure_row(r, CHECK, page["layer"]) for r in page["rows"]]
    assert (row["row"], row["row_label"]) == ("14", "14")
    assert {c["label"] for c in row["cells"]} >= {"I14", "J14", "K14"}
    assert "presupuesto_inicial=3.961.560" in row["values"]  # es-CL, no ",000" from the decimal(3) column
    assert "presupuesto_inicial: total 3.961.560; suma de 2 hijos: 3.961.559; diferencia: 1" in row["details"]


def test_a_workbook_cell_is_named_by_its_excel_row(specs) -> None:
    book = openpyxl.load_workbook(XLSX)
    sheet = book.active
    assert sheet["D10"].value == "Del Gobierno Central"
    sheet["E10"] = sheet["E10"].value + 1  # the item no longer equals its two asignaciones (rows 11, 12)
    buffer = io.BytesIO()
    book.save(buffer)
    page = previews.preview_failures(buffer.getvalue(), specs["dipres_programa_xlsx"], check="asignaciones_suman_item",
                                     filename="programa_ejecucion_2017_abril.xlsx")
    [row] = [failure_row(r) for r in page["rows"]]
    assert row["row"] == "10" and "E10" in {c["label"] for c in row["cells"]}


def test_a_control_total_that_does_not_add_up_says_expected_found_and_difference(specs) -> None:
    data = CSV.read_bytes().replace(b";;;-38409698", b";;;-38409699")
    doc = api.preview_file(data, specs["dipres_ejecucion"], filename="e_2017.csv", params={"anio": 2017}).to_dict()
    [check] = [c for c in view.qa_view(doc["qa"])["checks"] if c["id"] == "cuadra_resultado"]
    assert (check["status"], check["failing"], check["total"]) == ("failed", "0", 0)
    assert check["message"] == ("no cuadra: RESULTADO del archivo (celda K26): -38.409.699; calculado: -38.409.698; "
                                "diferencia: 1")
    assert check["observed"] == "-38.409.698"


MANY = """\
dataset: {slug: montos, title: Montos}
source: {format: csv, delimiter: ";"}
layers:
  bronze:
    - type: type_cast
      decimal: ","
      columns: {monto: {type: decimal, scale: 2}}
expectations:
  bronze:
    - {type: expect_column_values_to_be_between, id: positivo, column: monto, min_value: 0}
"""


def test_every_failing_row_of_a_preview_is_reachable_page_by_page() -> None:
    spec = api.parse_spec(MANY, "montos.yaml")
    text = "codigo;monto\n" + "".join(f"{i:02d};{'-' if i < 45 else ''}{i},5\n" for i in range(60))
    doc = api.preview_file(text.encode("latin-1"), spec, filename="m.csv").to_dict()
    shown = view.qa_view(doc["qa"])
    assert (shown["fail_check"], shown["fail_total"], shown["fail_label"]) == ("positivo", 45, "Filas 1–20 de 45")
    assert [r["row"] for r in shown["fail_rows"]] == [str(n) for n in range(2, 22)]
    seen = []
    for offset in (0, 20, 40):
        page = previews.preview_failures(text.encode("latin-1"), spec, check="positivo", offset=offset, limit=20,
                                         filename="m.csv")
        assert view.qa_key(page["qa"]) == shown["key"]  # the pages belong to the preview shown
        seen += [r["row"] for r in page["rows"]]
    assert seen == list(range(2, 47))  # lines 2..46: every one of the 45, once
    assert page_label(40, 5, 45) == "Filas 41–45 de 45"
    assert page_label(20, 20, 101) == "Filas 21–40 de 101"


def test_the_dataset_page_shows_each_declared_expectation_as_a_sentence(specs) -> None:
    from workbench.state.dataset import expectation_row

    declared = specs["dipres_ejecucion"].model_dump(mode="json", exclude_none=False)["expectations"]["silver"][0]
    assert declared["mostly"] is None  # what the page used to print as "mostly: None"
    row = expectation_row("silver", 1, declared)
    assert row["sentence"] == "monto no vacío en el 100 % de las filas" and row["severity"] == "advertencia"
    assert "None" not in str(row) and "expect_" not in row["sentence"]


def test_a_check_stored_before_sentences_existed_still_reads_as_one() -> None:
    from workbench.state.qa_rows import check_row

    old = {"id": "monto_presente", "type": "expect_column_values_to_not_be_null", "kwargs": {"column": "monto"},
           "mostly": 0.95, "status": "failed", "severity": "warning", "unexpected_rows_total": 3,
           "observed_value": None, "message": "3 de 60 filas no cumplen (5,00 %)"}
    row = check_row(old)
    assert row["sentence"] == "monto no vacío en el 95 % de las filas"
    assert (row["label"], row["colour"], row["failing"], row["severity"]) == ("Advertencia", "amber", "3", "advertencia")
