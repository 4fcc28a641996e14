"""The main journey in a browser (/cargar): upload a DIPRES file, preview it (RAW grid, timeline, tidy result,
QA), look at one step, run it and follow it live; a file failing QA; files that cannot be read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, WEB_DIR, Tab, free_port, signed_in_tab, start_product, stop_group

pytestmark = pytest.mark.e2e

DATA = ROOT / "tests" / "data" / "workbench"
WAIT_MS = 30_000
RUN_WAIT_MS = 90_000


def _upload(tab: Tab, product: str, path: Path) -> None:
    tab.page.goto(product + "/cargar", wait_until="networkidle")
    tab.page.locator(".dropzone input[type=file]").set_input_files(str(path))


def _previewed(tab: Tab) -> None:
    tab.page.locator(".timeline-step").first.wait_for(timeout=WAIT_MS)
    tab.page.locator(".result-tabs .layer-table").first.wait_for(timeout=WAIT_MS)


def test_csv_preview_step_run_and_link(tab: Tab, product: str) -> None:
    page = tab.page
    _upload(tab, product, DATA / "ejecucion_2017_abril_pesos.csv")
    _previewed(tab)
    assert page.locator("#dataset-picker").inner_text().startswith("Ejecución presupuestaria mensual")
    assert page.locator("#param-anio").input_value() == "2017"  # from the file name
    # RAW grid: column letters and RAW row numbers, the header line as row 1
    grid = page.locator(".raw-grid")
    assert grid.locator("th").nth(1).inner_text() == "A"
    assert grid.locator("tr.raw-row").first.locator("td").nth(0).inner_text() == "1"
    assert "Partida" in grid.locator("tr.raw-row").first.inner_text()
    assert page.locator(".timeline-step").count() == 12
    assert "silver" in page.locator(".result-tabs").inner_text()
    assert page.locator(".qa-status").get_by_text("QA aprobada").count() == 1
    assert page.locator(".qa-blocked").count() == 0 and page.locator(".raw-grid td.hl").count() == 0
    # a step: the table right after it (drop_rows removed the RESULTADO footer: 48 rows)
    page.locator(".timeline-step").nth(2).click()
    page.locator(".step-table").wait_for(timeout=WAIT_MS)
    page.get_by_text("48 filas").first.wait_for(timeout=WAIT_MS)
    assert page.locator(".timeline-step[data-selected=true]").count() == 1
    tab.shot("cargar_preview")
    # run: queued for the worker, live progress until it succeeds, then a link to the run
    page.locator("#run-button").click()
    page.locator(".run-status").get_by_text("Exitosa").wait_for(timeout=RUN_WAIT_MS)
    assert page.locator(".run-status").get_by_text("QA aprobada").count() == 1
    href = page.locator("#run-link").get_attribute("href")
    assert href is not None and href.startswith("/ejecuciones/") and href.rsplit("/", 1)[-1].isdigit()
    tab.shot("cargar_ejecutada")
    assert tab.outside == [] and tab.errors == []


def test_xlsx_workbook_preview(tab: Tab, product: str) -> None:
    _upload(tab, product, DATA / "programa_ejecucion_2017_abril.xlsx")
    _previewed(tab)
    page = tab.page
    assert page.locator("#dataset-picker").inner_text().startswith("Informe de ejecución de programa en Excel")
    assert page.locator(".qa-status").inner_text().startswith("QA")
    assert page.locator(".raw-grid tr.raw-row").count() > 10
    tab.shot("cargar_xlsx")
    assert tab.outside == [] and tab.errors == []


def test_failed_qa_shows_red_banner_and_highlights_the_raw_cells(tab: Tab, product: str) -> None:
    page = tab.page
    _upload(tab, product, DATA / "ejecucion_2017_abril_asignacion_no_suma.csv")
    _previewed(tab)
    page.get_by_text("Control de calidad fallido: la publicación está bloqueada").wait_for(timeout=WAIT_MS)
    assert page.locator(".qa-status").get_by_text("QA fallida").count() == 1
    failure = page.locator(".qa-failure").first
    assert "asignaciones_suman_item" in failure.inner_text() and "Fila RAW 3" in failure.inner_text()
    # the item's RAW cells (line 3) are highlighted in the grid, its amount among them
    highlighted = page.locator(".raw-grid td.hl")
    assert highlighted.count() >= 3
    assert set(highlighted.evaluate_all("cells => cells.map(c => c.dataset.cell.split(':')[0])")) == {"3"}
    failure.locator(".jump-raw").click()
    page.locator("#raw-row-3").wait_for(timeout=WAIT_MS)
    page.get_by_text("Volver a las primeras filas").wait_for(timeout=WAIT_MS)
    page.evaluate("window.scrollTo(0, 0)")  # a full-page shot of a scrolled page repeats the sticky bar
    tab.shot("cargar_qa_fallida")
    assert tab.outside == [] and tab.errors == []


def test_html_disguised_as_csv_is_a_spanish_error(tab: Tab, product: str) -> None:
    _upload(tab, product, DATA / "html_disfrazado.csv")
    error = tab.page.locator(".upload-error")
    error.wait_for(timeout=WAIT_MS)
    assert "página web HTML" in error.inner_text() and "html_disfrazado.csv" in error.inner_text()
    assert "Traceback" not in tab.page.content()
    tab.shot("cargar_error_html")
    assert tab.outside == [] and tab.errors == []


def test_csv_without_header_labels_is_a_spanish_error_with_location(tab: Tab, product: str) -> None:
    _upload(tab, product, DATA / "ejecucion_2017_sin_encabezado.csv")
    tab.page.locator("#dataset-picker").wait_for(timeout=WAIT_MS)
    tab.page.locator("#preview-button").click()  # not recognised: the user picks the dataset and previews
    error = tab.page.locator(".upload-error")
    error.wait_for(timeout=WAIT_MS)
    assert "ninguna de las primeras 50 filas contiene" in error.inner_text().lower()
    assert "Archivo: ejecucion_2017_sin_encabezado.csv" in error.inner_text()
    assert tab.outside == [] and tab.errors == []


def test_past_run_reloads_its_file(tab: Tab, product: str) -> None:
    tab.page.goto(product + "/cargar?run=1", wait_until="networkidle")  # the session's example run
    _previewed(tab)
    assert "ejecucion_2017_abril_programa.csv" in tab.page.locator(".file-name").inner_text()
    assert tab.page.locator("#param-anio").input_value() == "2017"
    assert tab.outside == [] and tab.errors == []


@pytest.fixture(scope="module")
def small_limit_product(tmp_path_factory: pytest.TempPathFactory, product: str) -> Iterator[str]:
    """A second product whose upload limit is 5 KB (its own build directory: never rebuild under a server)."""
    proc, url = start_product(tmp_path_factory.mktemp("small-limit"), free_port(), example_run=False,
                              extra_env={"WORKBENCH_MAX_UPLOAD_BYTES": "5000", "REFLEX_WEB_WORKDIR": WEB_DIR + "-limit"})
    try:
        yield url
    finally:
        stop_group(proc)


def test_file_over_the_limit_is_refused_with_a_spanish_message(chromium, small_limit_product: str) -> None:
    with signed_in_tab(chromium, small_limit_product) as tab:  # its own store: its own sign-in
        _upload(tab, small_limit_product, DATA / "ejecucion_2017_abril_pesos.csv")  # 7.8 KB > 5 KB
        error = tab.page.locator(".upload-error")
        error.wait_for(timeout=WAIT_MS)
        assert "supera el máximo de 5.000 bytes" in error.inner_text()
        assert tab.page.locator(".timeline-step").count() == 0
        tab.shot("cargar_error_tamano")
        assert tab.outside == [] and tab.errors == []
