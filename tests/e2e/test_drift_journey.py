"""Layout drift on the upload page (/cargar): a file whose layout changed shows the drift report in Spanish
before the preview's quality control: breaking drift with the proposed spec patch (and the preview's error),
compatible drift above a preview that still passes QA. The product's first run (the bundled example) is the
layout the files are compared with."""

from __future__ import annotations

import re

from pathlib import Path

import pytest

from tests.data.workbench import drift_variants as v
from tests.e2e.conftest import ROOT, Tab

pytestmark = pytest.mark.e2e

EXAMPLE = ROOT / "examples" / "ejecucion_2017_abril_programa.csv"
WAIT_MS = 30_000


def _rows() -> v.Rows:
    return [line.split(";") for line in EXAMPLE.read_text("latin-1").splitlines()]


def _upload(tab: Tab, product: str, path: Path) -> None:
    tab.page.goto(product + "/cargar", wait_until="networkidle")
    tab.page.locator(".dropzone input[type=file]").set_input_files(str(path))


def test_breaking_drift_shows_the_report_and_the_patch_before_anything_else(tab: Tab, product: str, tmp_path) -> None:
    page = tab.page
    path = tmp_path / "ejecucion_2017_abril_miles.csv"
    path.write_bytes(v.to_csv(v.relabel(_rows(), "Presupuesto Vigente", "Presupuesto Vigente (M$)")))
    _upload(tab, product, path)
    report = page.locator("#drift-report")
    report.wait_for(timeout=WAIT_MS)
    page.locator(".upload-error").wait_for(timeout=WAIT_MS)  # the preview cannot read it: the report says why
    text = report.inner_text()
    assert "El formato del archivo cambió y la especificación ya no lo lee bien" in text
    assert "Rompe la especificación" in text
    assert "la columna J cambió de nombre: 'Presupuesto Vigente' -> 'Presupuesto Vigente (M$)'" in text
    # the browser tests share one product: other journeys may have run this dataset before (1 or more runs)
    assert re.search(r"Comparado con la especificación y (la última ejecución exitosa|las últimas \d+ "
                     r"ejecuciones exitosas)\.", text), text[:400]
    assert "+      mapping: {Presupuesto Vigente (M$): Presupuesto Vigente}" in page.locator(".drift-diff").inner_text()
    assert report.bounding_box()["y"] < page.locator(".upload-error").bounding_box()["y"]
    tab.shot("cargar_drift", "#drift-report")
    tab.shot("cargar_drift_pagina")
    # the proposed patch opens as a draft of the rule editor, previewed on this file, its first edit undoable
    page.locator("#drift-fix").click()
    page.wait_for_url(re.compile(r".*/especificaciones/dipres_ejecucion\?borrador=\d+"), timeout=WAIT_MS)
    page.get_by_text("Presupuesto Vigente (M$): Presupuesto Vigente").first.wait_for(timeout=WAIT_MS)
    page.get_by_text(path.name).first.wait_for(timeout=WAIT_MS)  # the drifted file is the draft's sample
    assert page.get_by_role("button", name="Deshacer").is_enabled()
    tab.shot("editor_drift_fix")
    assert tab.outside == [] and tab.errors == []


def test_compatible_drift_is_shown_above_the_preview_s_qa(tab: Tab, product: str, tmp_path) -> None:
    page = tab.page
    path = tmp_path / "ejecucion_2017_abril_columnas.csv"
    path.write_bytes(v.to_csv(v.swap(_rows(), "Presupuesto Inicial", "Presupuesto Vigente")))
    _upload(tab, product, path)
    page.locator(".qa-status").first.wait_for(timeout=WAIT_MS)
    report = page.locator("#drift-report")
    assert "intercambiaron su posición" in report.inner_text() and "Compatible" in report.inner_text()
    assert report.bounding_box()["y"] < page.locator(".qa-status").first.bounding_box()["y"]
    assert page.locator(".drift-diff").count() == 0
    assert tab.outside == [] and tab.errors == []
