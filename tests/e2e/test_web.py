"""Journeys through the web app served by ``workbench serve`` (production build, one port), offline."""

from __future__ import annotations

import re
import time
import urllib.request

import pytest

from tests.e2e.conftest import Tab, sign_in

pytestmark = pytest.mark.e2e

SHIPPED = {"dipres_ejecucion", "dipres_ley", "dipres_programa_xlsx"}
ROW = "tr.dataset-row"
WAIT_MS = 15_000


def _open(tab: Tab, url: str) -> None:
    tab.page.goto(url, wait_until="networkidle")


def _slugs(tab: Tab) -> set[str]:
    return set(tab.page.locator(ROW).evaluate_all("rows => rows.map(r => r.dataset.slug)"))



def _until(check, timeout_ms: int = WAIT_MS) -> None:
    """Poll ``check()`` from Python: the product's CSP forbids the string evaluation wait_for_function uses."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for the page"
        time.sleep(0.1)

def test_datasets_page_lists_the_shipped_specs_with_their_last_run(tab: Tab, product: str) -> None:
    _open(tab, product + "/workbench")
    tab.page.locator(f'{ROW}[data-slug="dipres_ejecucion"]').wait_for(timeout=WAIT_MS)
    assert _slugs(tab) == SHIPPED
    row = tab.page.locator(f'{ROW}[data-slug="dipres_ejecucion"]')
    # The session's example run succeeded: its badge says so, and its row count is written the Chilean way.
    row.get_by_text("Exitosa").wait_for(timeout=WAIT_MS)
    assert re.search(r"\d{1,3}(\.\d{3})*", row.locator("td").nth(3).inner_text())
    row.locator(".run-history div[title^='Ejecución']").first.wait_for(timeout=WAIT_MS)  # the run-history chart
    tab.shot("datasets")
    assert tab.outside == [] and tab.errors == []


def test_search_filters_the_list(tab: Tab, product: str) -> None:
    _open(tab, product + "/workbench")
    tab.page.locator(ROW).first.wait_for(timeout=WAIT_MS)
    tab.page.locator("#dataset-search").fill("ley de presupuestos")
    _until(lambda: tab.page.locator(ROW).count() == 1)
    assert _slugs(tab) == {"dipres_ley"}
    tab.page.locator("#dataset-search").fill("no-existe-tal-cosa")
    tab.page.get_by_text("Ningún dataset coincide con la búsqueda.").wait_for(timeout=WAIT_MS)
    assert tab.page.locator(ROW).count() == 0
    assert tab.outside == [] and tab.errors == []


def test_sort_orders_the_list(tab: Tab, product: str) -> None:
    _open(tab, product + "/workbench")
    tab.page.locator(ROW).first.wait_for(timeout=WAIT_MS)
    titles = lambda: [t.split("\n")[0] for t in tab.page.locator(f"{ROW} td:first-child").all_inner_texts()]
    assert titles() == sorted(titles())  # Nombre (A-Z) by default
    tab.page.locator("#dataset-sort").click()
    tab.page.get_by_role("option", name="Nombre (Z-A)").click()
    _until(lambda: tab.page.locator(ROW).first.get_attribute("data-slug") == "dipres_ley")
    assert titles() == sorted(titles(), reverse=True)
    assert tab.outside == [] and tab.errors == []


def test_dataset_page_shows_its_spec_layers_and_runs(tab: Tab, product: str) -> None:
    _open(tab, product + "/workbench")
    tab.page.locator(f'{ROW}[data-slug="dipres_ejecucion"] a').first.click()
    tab.page.wait_for_url("**/workbench/dipres_ejecucion**", timeout=WAIT_MS)
    page = tab.page
    page.get_by_role("heading", name="Ejecución presupuestaria mensual por programa (DIPRES)").wait_for(timeout=WAIT_MS)
    page.locator(".spec-yaml").get_by_text("slug: dipres_ejecucion").wait_for(timeout=WAIT_MS)
    layers = page.locator(".layer").all_inner_texts()
    assert [text.split()[0] for text in layers] == ["bronze", "silver"]
    assert "melt" in layers[1] and "presupuesto_inicial" in layers[1]
    assert page.locator("tr.run-row").count() >= 1
    assert page.get_by_text("anio", exact=True).count() >= 1  # the parameter table
    tab.shot("dataset")
    assert tab.outside == [] and tab.errors == []


def test_tools_page_links_reach_api_docs_admin_and_queues(tab: Tab, product: str) -> None:
    _open(tab, product + "/herramientas")
    page = tab.page
    hrefs = {test_id: page.get_by_test_id(test_id).get_attribute("href")
             for test_id in ("tool-api-docs", "tool-admin", "tool-data-docs", "tool-queues")}
    assert hrefs == {"tool-api-docs": "/docs", "tool-admin": "/admin/", "tool-data-docs": "/workbench/docs/",
                     "tool-queues": "/herramientas/colas"}
    tab.shot("tools")
    page.get_by_test_id("tool-queues").click()
    page.get_by_role("heading", name="Colas y workers").wait_for(timeout=WAIT_MS)
    page.locator("tr.queue-row").first.wait_for(timeout=WAIT_MS)
    assert {"Ejecuciones", "Backfills", "Vistas previas"} <= set(
        page.locator("tr.queue-row").all_inner_texts()[i].split("\n")[0] for i in range(3))
    page.get_by_text("Libre").or_(page.get_by_text("Trabajando")).first.wait_for(timeout=WAIT_MS)  # the worker
    tab.shot("queues")
    assert tab.outside == [] and tab.errors == []


def test_admin_needs_an_admin_and_loads_with_nothing_from_outside(anon_tab: Tab, product: str) -> None:
    tab = anon_tab
    _open(tab, product + "/admin/")
    tab.page.locator("#login-submit").wait_for(timeout=WAIT_MS)  # anonymous: sent to the sign-in page
    assert tab.page.url.startswith(f"{product}/login") and "next=/admin/" in tab.page.url
    tab.shot("login")
    sign_in(tab, product)
    _open(tab, product + "/admin/")
    tab.page.get_by_text("Datasets").first.wait_for(timeout=WAIT_MS)
    _open(tab, product + "/admin/dataset/list")
    tab.page.get_by_text("dipres_ley").first.wait_for(timeout=WAIT_MS)
    tab.shot("admin")
    assert tab.outside == []


def test_api_docs_load(tab: Tab, product: str) -> None:
    with urllib.request.urlopen(product + "/openapi.json", timeout=10) as response:
        assert b"/workbench" in response.read()
    _open(tab, product + "/docs")
    assert "Data Workbench API" in tab.page.title()
    tab.shot("api_docs")


def test_api_docs_need_nothing_from_outside(tab: Tab, product: str) -> None:
    _open(tab, product + "/docs")
    assert tab.outside == []


def test_every_page_answers_offline(tab: Tab, product: str) -> None:
    for path, heading in (("/ejecuciones", "Ejecuciones"), ("/linaje", "Linaje"), ("/cargar", "Cargar archivo")):
        _open(tab, product + path)
        tab.page.get_by_role("heading", name=heading, exact=True).wait_for(timeout=WAIT_MS)
        tab.shot(path.strip("/"))
    tab.page.locator("tr.run-row").count()
    assert tab.outside == [] and tab.errors == []
