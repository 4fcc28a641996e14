"""A run on a workbook whose report is not on the first sheet reads the sheet its preview showed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workbench.engine.app import runs, runs_read
from workbench.engine.core.preview import preview_file
from workbench.engine.core.settings import Settings
from workbench.engine.core.spec.loader import parse_spec

ROOT = Path(__file__).resolve().parents[2]
NOTES_FIRST = ROOT / "tests" / "data" / "workbench" / "readers" / "programa_con_notas.xlsx"
SPEC = ROOT / "specs" / "dipres_programa_xlsx.yaml"


@pytest.fixture
def settings(db_url, tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(SPEC, specs / SPEC.name)
    return Settings(data_dir=tmp_path / "data", database_url=db_url, specs_dir=specs, user="tester")


def test_run_reads_the_sheet_the_preview_showed(settings):
    data, name = NOTES_FIRST.read_bytes(), "programa_ejecucion_2017_abril.xlsx"
    shown = preview_file(data, parse_spec(SPEC.read_text(encoding="utf-8"), str(SPEC)), filename=name)
    result = runs.run_file("dipres_programa_xlsx", data, filename=name, settings=settings)
    assert result.status == "succeeded", result.error
    assert shown.source["sheet"] == "Reporte"
    assert result.row_counts == {layer: t["row_count"] for layer, t in shown.layers.items()}
    assert result.warnings[0].startswith("the header (Subt., Ítem, Asig.) is not on sheet 'Notas'")
    assert result.warnings_es == shown.warnings_es  # the record keeps the Spanish ones, as the preview showed them
    assert result.warnings_es[0].startswith("el encabezado (Subt., Ítem, Asig.) no está en la hoja 'Notas'")
    assert runs_read.get_run(result.id, settings).warnings_es == result.warnings_es
    silver = runs_read.run_table(result.id, "silver", settings)
    assert silver.sheet == "Reporte"
    assert silver.df.drop(columns=[c for c in silver.df.columns if c.startswith("_raw")]).astype(str).values.tolist() \
        == shown.tables["silver"].df.drop(columns=[c for c in shown.tables["silver"].df.columns
                                                   if c.startswith("_raw")]).astype(str).values.tolist()


def test_a_run_reads_the_sheet_the_user_chose_and_keeps_it_with_its_input(settings):
    """The upload page runs the sheet it shows: a chosen sheet goes with the run (and with its retries)."""
    data, name = NOTES_FIRST.read_bytes(), "programa_ejecucion_2017_abril.xlsx"
    auto = runs.run_file("dipres_programa_xlsx", data, filename=name, settings=settings)
    assert auto.status == "succeeded" and "sheet" not in auto.inputs[0]
    # the same file with a chosen sheet is not the same run: it is not reused, and it reads that sheet
    notes = runs.run_file("dipres_programa_xlsx", data, filename=name, sheet="Notas", settings=settings)
    assert not notes.reused and notes.id != auto.id
    assert notes.inputs[0]["sheet"] == "Notas"
    assert notes.status == "failed" and notes.error["code"] == "header-not-found"
    assert notes.error["details"]["suggested_sheet"] == "Reporte"
    chosen = runs.run_file("dipres_programa_xlsx", data, filename=name, sheet="Reporte", settings=settings)
    assert chosen.status == "succeeded" and chosen.inputs[0]["sheet"] == "Reporte" and not chosen.reused
    assert runs_read.run_table(chosen.id, "silver", settings).sheet == "Reporte"
    again = runs.run_file("dipres_programa_xlsx", data, filename=name, sheet="Reporte", settings=settings)
    assert again.reused and again.id == chosen.id
