"""The shipped specs' expectations on the real DIPRES files in ../shared/data/dipres (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.engine import api
from workbench.engine.core.validation import validate

pytestmark = pytest.mark.realdata
ROOT = Path(__file__).resolve().parents[3]
SPECS = {slug: api.load_spec(ROOT / "specs" / f"{slug}.yaml") for slug in ("dipres_ejecucion", "dipres_ley")}
INCONSISTENT = {"goby_ejecucion2017abr_programa_articles-160296_doc_csv.csv",  # item 27.10
                "goby_ejecucion2017abr_programa_USD_articles-159970_doc_csv.csv"}  # item 05.02
LAW_FILES = ("elaval_ley2017_nacional.csv", "elaval_ley2012_nacional.csv", "elaval_ley2010_nacional.csv",
             "goby_ley2017_programa_articles-155046_doc_csv.csv", "evegat_proyecto2027_EXCERPT_partida01.csv")


def execution_files(shared: Path) -> list[Path]:
    d = shared / "dipres"
    return sorted(d.glob("goby_ejecucion*.csv")) + sorted((d / "ejecucion_2017_04").glob("*.csv")) + [
        d / "goby_test_anchors" / "execution-raw.csv"]


def raw_lines(path: Path) -> list[str]:
    return path.read_bytes().decode("latin-1").splitlines()


def qa(path: Path, slug: str, **params):
    doc = api.preview_path(path, SPECS[slug], params={k: str(v) for k, v in params.items()})
    lines = raw_lines(path)

    def raw_text(row: int, letter: str) -> str | None:  # the whole RAW line is enough to check provenance
        return lines[row - 1] if 0 < row <= len(lines) else None

    return validate(doc.tables, SPECS[slug].expectations, control_totals=doc.control_totals, raw_text=raw_text)


def test_known_inconsistent_file_fails_on_item_27_10_with_its_raw_line(shared_data):
    path = shared_data / "dipres" / "goby_ejecucion2017abr_programa_articles-160296_doc_csv.csv"
    report = qa(path, "dipres_ejecucion", anio=2017)
    assert (report.status, report.success) == ("failed", False)
    failed = [r.id for r in report.results if not r.passed]
    assert failed == ["asignaciones_suman_item"]
    page = report.failures("asignaciones_suman_item")
    [row] = page["rows"]
    assert (row["values"]["subtitulo"], row["values"]["item"], row["values"]["nivel"]) == ("27", "10", "item")
    assert {d["measure"] for d in row["details"]} == {"presupuesto_inicial", "presupuesto_vigente",
                                                       "ejecucion_acumulada"}
    assert {c["row"] for c in row["raw"]} == {86}
    assert row["raw"][0]["text"].startswith("50;01;05;27;10;;P;MINISTERIO DE JUSTICIA")
    assert report.result("cuadra_resultado").status == "passed"


def test_consistent_execution_files_pass_and_every_balance_matches_its_resultado(shared_data):
    files = execution_files(shared_data)
    assert len(files) == 32
    for path in files:
        report = qa(path, "dipres_ejecucion", anio=2017)
        assert report.result("cuadra_resultado").status == "passed", path.name
        if path.name in INCONSISTENT:
            assert report.status == "failed", path.name
            assert [r.id for r in report.results if not r.passed] == ["asignaciones_suman_item"], path.name
        else:
            assert report.status == "passed", (path.name, [(r.id, r.message) for r in report.results if not r.passed])


def test_control_total_points_at_the_raw_footer(shared_data):
    path = shared_data / "dipres" / "goby_ejecucion2017abr_programa_USD_articles-159970_doc_csv.csv"
    result = qa(path, "dipres_ejecucion", anio=2017).result("cuadra_resultado")
    assert result.observed_value == "2461200"
    cell = result.details["control_cell"]
    assert (cell["row"], cell["column"], cell["value"]) == (45, "K", "2461200")
    assert cell["text"].endswith("RESULTADO;;;2461200")


def test_law_files_pass_their_spec(shared_data):
    for name in LAW_FILES:
        params = {"anio": 2017} if name.startswith("goby") else {}
        report = qa(shared_data / "dipres" / name, "dipres_ley", **params)
        assert report.status == "passed", (name, [(r.id, r.message) for r in report.results if not r.passed])
        assert {r.layer for r in report.results} == {"bronze", "silver"}


def test_the_issue_cell_reads_the_same_on_every_page(shared_data: Path) -> None:
    """Issue 12.8 on the real file: the preview said 'Fila RAW 86' and '976.368.290,000', the run page 'Fila 84'
    and 'presupuesto_inicial=976368290', the control total '-10253120970'. Now: line 86 and es-CL everywhere."""
    from workbench.state import preview_view as view
    from workbench.state.qa_rows import failure_row

    path = shared_data / "dipres" / "goby_ejecucion2017abr_programa_articles-160296_doc_csv.csv"
    assert raw_lines(path)[85].startswith("50;01;05;27;10;;P;MINISTERIO DE JUSTICIA")  # line 86 in an editor
    doc = api.preview_path(path, SPECS["dipres_ejecucion"], params={"anio": "2017"}).to_dict()
    shown = view.qa_view(doc["qa"])
    [row] = shown["fail_rows"]
    assert (row["row"], row["row_label"]) == ("86", "86")
    assert "presupuesto_inicial=976.368.290" in row["values"] and ",000" not in " ".join(row["details"])
    # the run page formats the stored rows with the same function: the same text from the stored shape
    result = next(r for r in doc["qa"]["results"] if r["id"] == "asignaciones_suman_item")
    stored = {**result["unexpected_rows"][0], "expectation_id": result["id"]}
    assert failure_row(stored)["row_label"] == "86" and failure_row(stored)["values"] == row["values"]
    [total] = [c for c in shown["checks"] if c["id"] == "cuadra_resultado"]
    assert total["observed"] == "-10.253.120.970"
    assert total["message"] == ("cuadra: RESULTADO del archivo (celda K193): -10.253.120.970; calculado: "
                                "-10.253.120.970; diferencia: 0")
