"""Journey through runs, backfills, Data Docs and lineage in the served product (production build, one port,
with its worker), offline: a passing run (the session's example) and a QA-failing run of ``dipres_ejecucion``."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT, Tab

pytestmark = pytest.mark.e2e

WAIT_MS = 20_000
LIVE_MS = 90_000
FAILING = ROOT / "tests" / "data" / "workbench" / "ejecucion_2017_abril_no_cuadra.csv"


def _open(tab: Tab, url: str) -> None:
    tab.page.goto(url, wait_until="networkidle")


def _until(check, timeout_ms: int = WAIT_MS) -> None:
    """Poll ``check()`` from Python (the product's CSP forbids the string evaluation wait_for_function uses)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for the page"
        time.sleep(0.2)


def _runs(tab: Tab, product: str, **query: str) -> list[dict]:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return tab.page.request.get(f"{product}/workbench/runs?{qs}").json()["items"]


_made: dict[str, int] = {}


@pytest.fixture
def failing_run(tab: Tab, product: str) -> int:
    """A run whose asignaciones don't add up to their item (the hierarchy check fails), queued through the API
    with the browser's own credentials and executed by the product's worker (made once per session)."""
    if product not in _made:
        response = tab.page.request.post(product + "/workbench/runs", headers={"Origin": product}, multipart={
            "file": {"name": FAILING.name, "mimeType": "text/csv", "buffer": FAILING.read_bytes()},
            "dataset": "dipres_ejecucion", "force": "true"})
        assert response.status in (200, 202), response.text()
        run_id = response.json()["id"]
        deadline = time.monotonic() + LIVE_MS / 1000
        run = response.json()
        while run["status"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.5)
            run = tab.page.request.get(f"{product}/workbench/runs/{run_id}").json()
        assert run["status"] == "succeeded" and run["qa_status"] == "failed", run
        _made[product] = run_id
    return _made[product]


def test_runs_list_filters_by_qa_and_dataset(tab: Tab, product: str, failing_run: int) -> None:
    _open(tab, product + "/ejecuciones")
    page = tab.page
    page.locator("tr.run-row").first.wait_for(timeout=WAIT_MS)
    assert page.locator("tr.run-row").count() >= 2
    page.locator("#run-qa").click()
    page.get_by_role("option", name="QA fallida").click()
    _until(lambda: all("QA fallida" in t for t in page.locator("tr.run-row").all_inner_texts()))
    assert page.locator(f"tr.run-row a[href='/ejecuciones/{failing_run}']").count() == 1
    page.locator("#run-dataset").click()
    page.get_by_role("option", name="dipres_ley").click()
    page.get_by_text("Ninguna ejecución coincide con los filtros.").wait_for(timeout=WAIT_MS)
    tab.shot("ejecuciones_filtros")
    page.get_by_role("button", name="Limpiar filtros").click()
    page.locator("tr.run-row").nth(1).wait_for(timeout=WAIT_MS)
    page.locator("#run-since").fill("2000-01-01")
    page.locator("tr.run-row").first.wait_for(timeout=WAIT_MS)
    page.locator("#run-until").fill("2000-01-02")
    page.get_by_text("Ninguna ejecución coincide con los filtros.").wait_for(timeout=WAIT_MS)
    assert tab.outside == [] and tab.errors == []


def test_failing_run_shows_the_banner_failing_rows_raw_cells_and_blocks_export(tab: Tab, product: str,
                                                                               failing_run: int) -> None:
    _open(tab, product + f"/ejecuciones/{failing_run}")
    page = tab.page
    page.locator(".qa-banner").wait_for(timeout=WAIT_MS)
    assert "Control de calidad fallido: publicación bloqueada" in page.locator(".qa-banner").inner_text()
    row = page.locator("tr.failure-row").first
    row.wait_for(timeout=WAIT_MS)
    cells = row.locator(".raw-cell").all_inner_texts()
    assert "I3 = 3643050" in cells and "E3 = 02" in cells  # the item's RAW cells
    assert "diferencia: 696" in row.inner_text()
    exports = page.locator("button.export-button")
    assert exports.count() == 6 and all(exports.nth(i).is_disabled() for i in range(6))
    assert "no pasó el control de calidad" in page.locator(".export-blocked").inner_text()
    assert page.locator("a.raw-download").get_attribute("href") == f"/workbench/runs/{failing_run}/raw"
    assert page.locator("a.reload-preview").get_attribute("href") == f"/cargar?run={failing_run}"
    tab.shot("ejecucion_qa_fallida")
    assert tab.outside == [] and tab.errors == []


def test_data_docs_link_opens_a_styled_page_served_by_the_app(tab: Tab, product: str, failing_run: int) -> None:
    _open(tab, product + f"/ejecuciones/{failing_run}")
    link = tab.page.locator("a.data-docs-link")
    link.wait_for(timeout=WAIT_MS)
    link.click()
    tab.page.wait_for_url(f"**/workbench/docs/runs/{failing_run}/index.html", timeout=WAIT_MS)
    tab.page.wait_for_load_state("load")
    collapse = tab.page.locator("table.table").first.evaluate("t => getComputedStyle(t).borderCollapse")
    assert collapse == "collapse"  # Bootstrap's stylesheet loaded from the app
    tab.shot("datadocs_servida")
    assert tab.outside == []


def test_rerun_queues_and_follows_live_to_succeeded(tab: Tab, product: str) -> None:
    first = min(r["id"] for r in _runs(tab, product, qa_status="passed"))
    _open(tab, product + f"/ejecuciones/{first}")
    page = tab.page
    page.locator("button.rerun").wait_for(timeout=WAIT_MS)
    page.locator("button.rerun").click()
    page.wait_for_url(lambda url: re.search(r"/ejecuciones/(\d+)$", url) is not None
                      and not url.endswith(f"/ejecuciones/{first}"), timeout=WAIT_MS)
    new_id = int(page.url.rsplit("/", 1)[-1])
    assert new_id > first
    # until the page's on-load event has read the new run, the first run's badges (Exitosa, QA aprobada) are still
    # shown under the new address: the checks below would pass on them, then find the page emptied by the reset
    page.get_by_role("heading", name=f"Ejecución #{new_id}", exact=True).wait_for(timeout=WAIT_MS)
    badges = page.locator(".run-badges")  # no reload: the page follows the run's events
    # queued or running: the live status is shown; a small run can now finish before the page first renders, so the
    # live status is required only while the run has not finished (the final badges are checked below either way)
    _until(lambda: page.locator(".run-live").count() > 0 or "Exitosa" in badges.inner_text(), WAIT_MS)
    if page.locator(".run-live").count() > 0:
        tab.shot("ejecucion_en_vivo")
    _until(lambda: all(word in badges.inner_text() for word in ("Exitosa", "QA aprobada")), LIVE_MS)
    assert page.locator(".run-live").count() == 0
    exports = page.locator("button.export-button")
    assert exports.count() == 6 and not any(exports.nth(i).is_disabled() for i in range(6))  # QA passed: allowed
    assert page.locator("a[href*='/export?layer=silver&format=csv']").count() == 1
    tab.shot("ejecucion_reejecutada")
    assert tab.outside == [] and tab.errors == []


def test_backfill_of_examples_shows_live_progress_to_finished(tab: Tab, product: str) -> None:
    _open(tab, product + "/cargas-masivas")
    page = tab.page
    page.locator("#bf-files").fill("/etc/*")
    page.locator("button.bf-start").click()
    page.get_by_text("fuera de las carpetas permitidas").wait_for(timeout=WAIT_MS)
    page.locator("#bf-files").fill("examples/*.csv")
    page.locator("#bf-regex").fill(r"(?P<anio>\d{4})")
    page.locator("#bf-force").click()
    page.locator("button.bf-start").click()
    page.wait_for_url(re.compile(r".*/cargas-masivas/\d+$"), timeout=WAIT_MS)
    page.locator(".backfill-progress").wait_for(timeout=WAIT_MS)
    page.locator(".backfill-status").get_by_text("Terminada").wait_for(timeout=LIVE_MS)
    assert page.locator(".bf-done").inner_text().endswith("1")
    assert page.locator(".bf-remaining").inner_text().endswith("0")
    assert page.locator("button.bf-cancel").is_disabled()
    assert page.locator("tr.run-row").count() == 1
    tab.shot("carga_masiva")
    _open(tab, product + "/cargas-masivas")
    page.locator("tr.backfill-row").first.wait_for(timeout=WAIT_MS)
    assert tab.outside == [] and tab.errors == []


def test_lineage_graph_renders_nodes_details_and_controls(tab: Tab, product: str, failing_run: int) -> None:
    _open(tab, product + "/linaje")
    page = tab.page
    page.locator(".react-flow__node").first.wait_for(timeout=WAIT_MS)
    labels = page.locator(".react-flow__node").all_inner_texts()
    assert any("dipres_ejecucion · bronze" in t for t in labels)
    assert any(FAILING.name in t.replace("\n", "") for t in labels)
    assert page.locator(".react-flow__node.qa-failed").count() >= 1  # coloured by QA
    for control in (".react-flow__controls-zoomin", ".react-flow__controls-zoomout", ".react-flow__minimap"):
        assert page.locator(control).count() == 1
    page.locator(".react-flow__node.kind-raw_file.qa-failed").first.click()
    panel = page.locator(".lineage-details")
    panel.wait_for(timeout=WAIT_MS)
    assert "Archivo RAW" in panel.inner_text() and "QA fallida" in panel.inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", panel.locator(".node-sha256").inner_text())
    tab.shot("linaje_grafo")
    before = page.locator(".react-flow__viewport").get_attribute("style")
    page.locator(".react-flow__controls-zoomin").click()
    _until(lambda: page.locator(".react-flow__viewport").get_attribute("style") != before)
    assert tab.outside == [] and tab.errors == []


def test_failing_fixture_reproduces_the_layout() -> None:
    example = (ROOT / "examples" / "ejecucion_2017_abril_programa.csv").read_bytes()
    failing = Path(FAILING).read_bytes()
    assert len(example.splitlines()) == len(failing.splitlines()) and example != failing
