"""The analyst's browser journey (issue 12): every link resolves, no page prints a console error, "Ver en el
RAW" scrolls the page, a workbook's report on another sheet (its sheets offered even when the first preview
fails), warnings in Spanish, a preview never goes stale, failing rows page by page, errors in the web's own
words, Spanish 404 pages, and the whole journey from signing in to signing out."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.e2e.conftest import ROOT, Tab, sign_in

pytestmark = pytest.mark.e2e

DATA = ROOT / "tests" / "data" / "workbench"
EXECUTION_CSV = DATA / "ejecucion_2017_abril_pesos.csv"
QA_FAILING_CSV = DATA / "ejecucion_2017_abril_asignacion_no_suma.csv"
WORKBOOK = ROOT / "examples" / "programa_ejecucion_2017_abril.xlsx"
WAIT_MS = 30_000
RUN_WAIT_MS = 90_000
#: Pages the signed-in admin can reach (the session's example run is run 1).
PAGES = ("/workbench", "/workbench/dipres_ejecucion", "/workbench/dipres_ley", "/workbench/dipres_programa_xlsx",
         "/cargar", "/cargar?run=1", "/ejecuciones", "/ejecuciones/1", "/cargas-masivas", "/linaje",
         "/linaje?dataset=dipres_ejecucion", "/herramientas", "/herramientas/colas")
#: Hrefs that are not pages to fetch: the sign-out is a form (POST), not a link.
NOT_LINKS = ("/workbench/auth/logout",)


def _until(check, timeout_ms: int = WAIT_MS) -> None:
    """Poll ``check()`` from Python (the product's CSP forbids the string evaluation wait_for_function uses)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for the page"
        time.sleep(0.1)


def _open(tab: Tab, url: str) -> None:
    tab.page.goto(url, wait_until="networkidle")
    tab.page.wait_for_timeout(300)  # the page's on-load events fill it in after the network settles


def _hrefs(tab: Tab) -> list[str]:
    return tab.page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")


def _settled_hrefs(tab: Tab, timeout_s: float = 15.0) -> list[str]:
    """The page's links once it is filled in: the sign-in check has answered (the account shows in the bar)
    and the links stopped changing (the page's own data arrived)."""
    tab.page.locator(".nav-account").wait_for(timeout=WAIT_MS)
    deadline, last = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        hrefs = _hrefs(tab)
        if hrefs == last:
            return hrefs
        last = hrefs
        time.sleep(0.5)
    return last or []


def _upload(tab: Tab, product: str, path: Path) -> None:
    _open(tab, product + "/cargar")
    tab.page.locator(".dropzone input[type=file]").set_input_files(str(path))


def _previewed(tab: Tab) -> None:
    tab.page.locator(".timeline-step").first.wait_for(timeout=WAIT_MS)
    tab.page.locator(".result-tabs .layer-table").first.wait_for(timeout=WAIT_MS)


def _pick(tab: Tab, picker: str, option: str) -> None:
    """A Radix select: open it, click the option."""
    tab.page.locator(picker).click()
    tab.page.get_by_role("option", name=option, exact=True).click()


def _run_enabled(tab: Tab) -> bool:
    return tab.page.locator("#run-button").is_enabled()


def _clean(tab: Tab) -> None:
    assert tab.outside == [], tab.outside
    assert tab.errors == [], tab.errors
    assert tab.console == [], tab.console


def _in_view(tab: Tab, selector: str) -> bool:
    box = tab.page.locator(selector).bounding_box()  # relative to the viewport
    height = tab.page.viewport_size["height"]  # type: ignore[index]
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= height


# --- links and console ------------------------------------------------------------------------------------

def _a_backfill(tab: Tab, product: str) -> str:
    """The page of a backfill of the bundled example (already run: its file is skipped, no new run)."""
    answer = tab.page.request.post(product + "/workbench/backfills", headers={"origin": product},
                                   data={"dataset": "dipres_ejecucion", "params": {"anio": 2017},
                                         "files": "examples/ejecucion_2017_abril_programa.csv"})
    assert answer.status == 202, answer.text()
    return f"/cargas-masivas/{answer.json()['id']}"


def test_every_link_on_every_page_resolves(tab: Tab, product: str) -> None:
    """12.3: /herramientas linked to /admin, a 404 (only /admin/ is the dashboard)."""
    seen: dict[str, str] = {}
    for path in (*PAGES, _a_backfill(tab, product)):
        _open(tab, product + path)
        for href in _settled_hrefs(tab):
            if href and not href.startswith(("#", "mailto:")) and href not in NOT_LINKS:
                seen.setdefault(urljoin(product + path, href), path)
    assert product + "/admin/" in seen and product + "/docs" in seen
    broken = {}
    for url, page in sorted(seen.items()):
        assert urlsplit(url).netloc == urlsplit(product).netloc, f"{page} links outside: {url}"
        answer = tab.page.request.get(url)  # with the session's cookie, following redirects
        if answer.status >= 400 or not answer.body():
            broken[url] = (answer.status, page)
    assert broken == {}
    typed = tab.page.request.get(product + "/admin")  # the dashboard's address without its slash, typed
    assert typed.status == 200 and typed.url == product + "/admin/"
    _clean(tab)


def test_no_page_prints_a_console_error(tab: Tab, product: str) -> None:
    """12.6: a favicon 404, a CSP violation (eval) or any other error in the console fails the page."""
    for path in PAGES:
        _open(tab, product + path)
    assert tab.page.request.get(product + "/favicon.ico").headers["content-type"].startswith("image/")
    _clean(tab)


def test_unknown_address_is_a_spanish_page_with_a_way_back(tab: Tab, product: str) -> None:
    """12.7: Reflex's own page said "404: Page not found"."""
    answer = tab.page.goto(product + "/no-existe-esta-pagina", wait_until="networkidle")
    assert answer is not None and answer.status == 404
    tab.page.get_by_role("heading", name="Página no encontrada").wait_for(timeout=WAIT_MS)
    assert "Page not found" not in tab.page.content()
    assert tab.page.title().startswith("Página no encontrada")
    tab.page.locator("#not-found-back").click()
    tab.page.wait_for_url(product + "/workbench", timeout=WAIT_MS)
    tab.console[:] = [c for c in tab.console if "/no-existe-esta-pagina" not in c]  # the 404 answer itself
    _clean(tab)


def test_a_data_docs_link_that_no_longer_exists_opens_a_spanish_page(tab: Tab, product: str) -> None:
    """12.7: a link followed from the browser (Data Docs gone, an export refused) showed problem JSON, "Not Found"."""
    answer = tab.page.goto(product + "/workbench/docs/runs/999999/index.html", wait_until="networkidle")
    assert answer is not None and answer.status == 404
    tab.page.get_by_role("heading", name="No se encontró").wait_for(timeout=WAIT_MS)
    assert "Not Found" not in tab.page.content() and "no existe esa página" in tab.page.locator("main").inner_text()
    assert tab.page.locator("#error-back").get_attribute("href") == "/ejecuciones/999999"
    tab.console[:] = [c for c in tab.console if "/workbench/docs/runs/999999" not in c]  # the 404 answer itself
    _clean(tab)


# --- the upload page --------------------------------------------------------------------------------------

def test_ver_en_el_raw_scrolls_the_page_to_the_row_without_eval(tab: Tab, product: str) -> None:
    """12.6: the grid showed the row but the page stayed at the QA panel, and the console said EvalError."""
    page = tab.page
    _upload(tab, product, QA_FAILING_CSV)
    _previewed(tab)
    jump = page.locator(".qa-failure .jump-raw").first
    jump.scroll_into_view_if_needed()
    assert not _in_view(tab, "#raw-row-3")  # the QA panel is far below the grid
    jump.click()
    page.get_by_text("Volver a las primeras filas").wait_for(timeout=WAIT_MS)
    _until(lambda: _in_view(tab, "#raw-row-3"))
    assert page.evaluate("window.scrollY") < 2000
    _clean(tab)


def _notas_workbook(tmp_path: Path, name: str = "programa_ejecucion_2017_abril_notas.xlsx") -> Path:
    """The example workbook with a "Notas" sheet first and the report on sheets 2 and 3."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(WORKBOOK)
    book.copy_worksheet(book["Reporte"]).title = "Reporte (copia)"
    notes = book.create_sheet("Notas", 0)
    notes["A1"] = "Notas de la Dirección de Presupuestos"
    notes["A2"] = "El informe está en las hojas siguientes."
    path = tmp_path / name
    book.save(path)
    return path


#: English words of the engine's warnings; none may reach the upload page's "Advertencias" (12.7).
ENGLISH_WARNING = re.compile(r"\b(the|sheet|header|was read|row|column|expected|skipped|missing|renamed)\b",
                             re.IGNORECASE)


def test_report_on_another_sheet_is_found_and_the_sheets_stay_offered(tab: Tab, product: str,
                                                                         tmp_path: Path) -> None:
    """12.4: the app read "Notas", failed with header-not-found, offered no sheet and disabled Ejecutar."""
    page = tab.page
    _upload(tab, product, _notas_workbook(tmp_path))
    _previewed(tab)
    assert page.locator("#sheet-picker").inner_text() == "Reporte"
    note = page.locator(".sheet-note").inner_text()
    assert "«Reporte»" in note and "«Notas»" in note and "encabezado" in note
    # 12.7: the warning that another sheet was read is in Spanish only (it was "the header ... / el encabezado ...")
    warnings = page.locator(".preview-warnings").inner_text()
    assert "el encabezado (Subt., Ítem, Asig.) no está en la hoja 'Notas'; se leyó la hoja 'Reporte'" in warnings
    assert not ENGLISH_WARNING.search(warnings.replace("Advertencias", "")), warnings
    _until(lambda: _run_enabled(tab))
    # the user forces the notes sheet: the header is not there; the picker stays, the report sheet suggested
    _pick(tab, "#sheet-picker", "Notas")
    error = page.locator(".upload-error")
    error.wait_for(timeout=WAIT_MS)
    assert "header-not-found" in error.inner_text()
    assert page.locator("#sheet-picker").is_visible()
    _until(lambda: page.locator("#sheet-picker").inner_text() == "Reporte")
    assert "«Reporte»" in page.locator(".sheet-note").inner_text()
    assert not _run_enabled(tab)
    page.locator("#preview-button").click()
    _previewed(tab)
    _until(lambda: _run_enabled(tab))
    tab.shot("cargar_hoja_sugerida")
    # another sheet with the header: the preview shows it and the run reads that same sheet
    _pick(tab, "#sheet-picker", "Reporte (copia)")
    _previewed(tab)
    _until(lambda: "«Reporte (copia)»" in page.locator(".sheet-note").inner_text())
    _until(lambda: _run_enabled(tab))
    page.locator("#run-button").click()
    page.locator(".run-status").get_by_text("Exitosa").wait_for(timeout=RUN_WAIT_MS)
    _open(tab, product + str(page.locator("#run-link").get_attribute("href")))
    _until(lambda: page.locator(".run-sheet").count() == 1)
    assert page.locator(".run-sheet").inner_text() == "Reporte (copia)"
    _clean(tab)


def test_a_workbook_whose_first_preview_fails_for_a_missing_field_still_offers_its_sheets(
        tab: Tab, product: str, tmp_path: Path) -> None:
    """12.4: without a year in its name the first preview failed on the empty «anio» field, and no sheet picker
    was offered (the sheets came only from a preview or a header-not-found error)."""
    page = tab.page
    _upload(tab, product, _notas_workbook(tmp_path, "libro_notas.xlsx"))
    error = page.locator(".upload-error")
    error.wait_for(timeout=WAIT_MS)
    assert "complete el campo «anio» del formulario" in error.inner_text().lower()
    picker = page.locator("#sheet-picker")
    assert picker.is_visible() and not _run_enabled(tab)
    picker.click()
    assert [o.inner_text() for o in page.get_by_role("option").all()] == ["Notas", "Reporte", "Reporte (copia)"]
    page.keyboard.press("Escape")
    page.locator("#param-anio").fill("2017")
    page.locator("#param-anio").press("Tab")
    _previewed(tab)
    _until(lambda: picker.inner_text() == "Reporte")
    _until(lambda: _run_enabled(tab))
    # the run keeps the preview's warning (the sheet read instead of "Notas") and its page shows it in Spanish
    page.locator("#run-button").click()
    page.locator(".run-status").get_by_text("Exitosa").wait_for(timeout=RUN_WAIT_MS)
    _open(tab, product + str(page.locator("#run-link").get_attribute("href")))
    warnings = page.locator(".run-warnings")
    warnings.wait_for(timeout=WAIT_MS)
    assert "no está en la hoja 'Notas'; se leyó la hoja 'Reporte'" in warnings.inner_text()
    assert not ENGLISH_WARNING.search(warnings.inner_text().replace("Advertencias", "")), warnings.inner_text()
    _clean(tab)


def _failing_csv(tmp_path: Path) -> Path:
    """The execution CSV with every data row twice: 96 rows break the unique codes (more than one page of 20)."""
    lines = EXECUTION_CSV.read_bytes().splitlines(keepends=True)
    path = tmp_path / "ejecucion_2017_abril_duplicado.csv"
    path.write_bytes(lines[0] + b"".join(lines[1:-1]) * 2 + lines[-1])  # the RESULTADO footer stays last
    return path


def _next_page(tab: Tab) -> None:
    """Siguiente in the failing rows: "Filas 1–20 de N" becomes "Filas 21–40 de N", with other rows."""
    page = tab.page
    summary = page.locator(".qa-fail-summary")
    summary.wait_for(timeout=WAIT_MS)
    _until(lambda: re.fullmatch(r"Filas 1–20 de \d+", summary.inner_text()) is not None)
    total = int(summary.inner_text().rsplit(" ", 1)[-1])
    assert total > 40
    first = page.locator(".failure-raw-row").first.inner_text()
    page.locator(".qa-fail-next").click()
    _until(lambda: summary.inner_text() == f"Filas 21–40 de {total}")
    _until(lambda: page.locator(".failure-raw-row").first.inner_text() != first)
    assert page.locator(".failure-raw-row").count() == 20


def test_failing_rows_page_by_page_on_the_preview_and_on_the_run_page(tab: Tab, product: str,
                                                                      tmp_path: Path) -> None:
    """12.9: no browser test pressed Siguiente (the pager's own event bug was found by hand)."""
    page = tab.page
    _upload(tab, product, _failing_csv(tmp_path))
    _previewed(tab)
    assert page.locator(".qa-fail-summary").inner_text() == "Filas 1–20 de 96"
    _next_page(tab)
    _until(lambda: _run_enabled(tab))
    page.locator("#run-button").click()
    page.locator(".run-status").get_by_text("Exitosa").wait_for(timeout=RUN_WAIT_MS)  # QA failed is a result
    _open(tab, product + str(page.locator("#run-link").get_attribute("href")))
    _next_page(tab)
    _clean(tab)


def test_a_changed_dataset_or_parameter_never_runs_the_old_preview(tab: Tab, product: str) -> None:
    """12.5: switching the dataset left Ejecutar on, and the run went against the old preview and failed."""
    page = tab.page
    _upload(tab, product, EXECUTION_CSV)
    _previewed(tab)
    _until(lambda: _run_enabled(tab))
    _pick(tab, "#dataset-picker", "Ley de Presupuestos (DIPRES)")
    _until(lambda: not _run_enabled(tab))  # the preview shown is the other dataset's
    page.locator(".upload-error").wait_for(timeout=WAIT_MS)  # the execution CSV is not a budget law
    assert page.locator(".timeline-step").count() == 0 and not _run_enabled(tab)
    _pick(tab, "#dataset-picker", "Ejecución presupuestaria mensual por programa (DIPRES)")
    _previewed(tab)
    _until(lambda: _run_enabled(tab))
    # a parameter: typing disables Ejecutar, leaving the field previews again
    page.locator("#param-anio").fill("2016")
    _until(lambda: not _run_enabled(tab))
    page.locator(".stale-note").wait_for(timeout=WAIT_MS)
    page.locator("#param-anio").press("Tab")
    _until(lambda: _run_enabled(tab))
    assert "2016" in page.locator(".result-tabs").inner_text()
    page.locator("#run-button").click()
    page.locator(".run-status").get_by_text("Exitosa").wait_for(timeout=RUN_WAIT_MS)
    run_page = page.locator("#run-link").get_attribute("href")
    _open(tab, product + str(run_page))
    params = page.get_by_text("Parámetros", exact=True).locator("xpath=..")  # the fact's row: label and value
    _until(lambda: "anio = 2016" in params.inner_text())  # the run used the parameter shown
    assert "dipres_ejecucion" in page.get_by_text("Dataset", exact=True).locator("xpath=..").inner_text()
    _clean(tab)


def test_garbage_csv_names_the_header_first_then_the_form_field(tab: Tab, product: str, tmp_path: Path) -> None:
    """12.10: the page asked for "--param anio=..." (the command line's words) and hid the real cause."""
    garbage = tmp_path / "planilla_rara.csv"
    size = garbage.write_bytes(b"hola;mundo\nesto no es;un informe\n1;2\n")
    _upload(tab, product, garbage)
    error = tab.page.locator(".upload-error")
    error.wait_for(timeout=WAIT_MS)
    text = error.inner_text().lower()
    assert "--param" not in text
    assert text.index("ninguna de las primeras") < text.index("complete el campo «anio» del formulario")
    assert tab.page.locator(".param-missing").count() == 1
    assert "'partida'" in text  # what was looked for
    assert tab.page.locator(".file-name").locator("xpath=..").inner_text().endswith(f"{size} bytes")
    assert not _run_enabled(tab)
    tab.shot("cargar_error_archivo_raro")
    _clean(tab)


# --- the whole journey ---------------------------------------------------------------------------------------

def test_analyst_journey_from_sign_in_to_sign_out(chromium, product: str) -> None:
    """Issue 12's "done when": sign in, upload, preview, Ver en el RAW, run, export csv/xlsx/parquet, lineage,
    the tools page's links, /docs, /admin/, sign out: zero console errors."""
    from tests.e2e.conftest import _tab

    context, tab = _tab(chromium)
    page = tab.page
    try:
        sign_in(tab, product)
        _upload(tab, product, QA_FAILING_CSV)
        _previewed(tab)
        page.locator(".qa-failure .jump-raw").first.click()
        _until(lambda: _in_view(tab, "#raw-row-3"))
        _upload(tab, product, EXECUTION_CSV)
        _previewed(tab)
        page.evaluate("window.scrollTo(0, 0)")
        tab.shot("journey_cargar")
        page.locator("#run-button").click()
        page.locator(".run-status").get_by_text("Exitosa").wait_for(timeout=RUN_WAIT_MS)
        run_href = page.locator("#run-link").get_attribute("href")
        page.locator("#run-link").click()
        page.wait_for_url(product + str(run_href), timeout=WAIT_MS)
        exports = {}
        _until(lambda: page.locator("a[href*='/export?']").count() >= 3)
        for href in _hrefs(tab):
            match = re.search(r"/export\?layer=(\w+)&format=(\w+)", href)
            if match:
                exports[match.groups()] = href
        layer = "gold" if ("gold", "csv") in exports else "silver"
        for fmt in ("csv", "xlsx", "parquet"):
            answer = page.request.get(urljoin(product, exports[(layer, fmt)]))
            assert answer.status == 200 and len(answer.body()) > 0, (fmt, answer.status)
        docs = next(href for href in _hrefs(tab) if href.endswith("/docs") and "/runs/" in href)
        _open(tab, urljoin(product, docs))  # the run's Data Docs page (its own CSP allows vega's eval)
        assert "/workbench/docs/" in page.url
        _open(tab, product + "/linaje")
        page.locator("main").get_by_text("dipres_ejecucion").first.wait_for(timeout=WAIT_MS)
        _open(tab, product + "/herramientas")
        for href in _settled_hrefs(tab):
            if href.startswith("/") and href not in NOT_LINKS:
                assert page.request.get(product + href).status == 200, href
        page.get_by_test_id("tool-admin").click()
        page.wait_for_url(product + "/admin/**", timeout=WAIT_MS)
        assert page.title().startswith("Data Workbench")
        _open(tab, product + "/docs")
        page.locator(".swagger-ui").first.wait_for(timeout=WAIT_MS)
        _open(tab, product + "/workbench")
        page.locator("#logout-button").click()
        page.wait_for_url(re.compile(r".*/login$"), timeout=WAIT_MS)
        page.locator("#login-submit").wait_for(timeout=WAIT_MS)
        _clean(tab)
    finally:
        context.close()  # type: ignore[attr-defined]
