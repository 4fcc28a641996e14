"""The Automatización page in the browser (issue 16): the bundled dipres_ejecucion spec's schedule with its next
fires at 07:00 Santiago, two files dropped in its inbox run by themselves (one good, one garbage: a failed run
and a red banner naming the file), pause/resume and run-now, no console error and nothing fetched off the
machine."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import ENVS, ROOT, Tab

pytestmark = pytest.mark.e2e

GOOD = ROOT / "tests" / "data" / "workbench" / "ejecucion_2017_abril_pesos.csv"
WAIT_S = 120


def _open(tab: Tab, url: str) -> None:
    tab.page.goto(url, wait_until="networkidle")
    tab.page.locator(".nav-account").wait_for(timeout=30_000)


def _until(check, timeout_s: float = WAIT_S, refresh: Tab | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for the page"
        if refresh is not None:
            refresh.page.locator(".auto-refresh").click()
        time.sleep(1.0)


def test_automatizacion_page_shows_schedules_inbox_runs_and_alerts(tab: Tab, product: str) -> None:
    inbox = Path(ENVS[product]["WORKBENCH_DATA_DIR"]) / "incoming" / "dipres_ejecucion"
    inbox.mkdir(parents=True, exist_ok=True)
    shutil.copy(GOOD, inbox / "ejecucion_2017_abril_pesos.csv")
    (inbox / "basura_2017.csv").write_bytes(b"\x00\x01garbage\xff" * 40)
    _open(tab, product + "/automatizacion")
    page = tab.page
    row = page.locator(".schedule-row").filter(has_text="dipres_ejecucion")
    row.wait_for(timeout=30_000)
    assert "0 7 * * 1-5" in row.inner_text() and "America/Santiago" in row.inner_text()
    assert row.inner_text().count("07:00") == 5  # the next five fires, in Santiago time
    assert "Programador activo" in page.locator(".auto-leader").inner_text()

    def settled() -> bool:
        text = " ".join(page.locator(".inbox-row").all_inner_texts())
        return "Exitosa" in text and "Fallida" in text
    _until(settled, refresh=tab)  # stable after 5 s, then queued and run by the worker
    rows = {r.split("\t")[1] if "\t" in r else r: r for r in page.locator(".inbox-row").all_inner_texts()}
    assert any("basura_2017.csv" in r and "Fallida" in r for r in rows.values())
    assert any("ejecucion_2017_abril_pesos.csv" in r and "Exitosa" in r for r in rows.values())
    _until(lambda: page.locator(".automation-alert").count() > 0, refresh=tab)
    banner = page.locator(".automation-alert").first.inner_text()
    assert "basura_2017.csv" in banner and "dipres_ejecucion" in banner
    # a run's link from the inbox opens its run page
    link = page.locator(".inbox-row").filter(has_text="ejecucion_2017_abril_pesos.csv").locator("a").first
    assert link.get_attribute("href").startswith("/ejecuciones/")
    tab.shot("automatizacion")

    row.locator(".auto-pause").click()
    _until(lambda: "En pausa" in row.inner_text(), timeout_s=30)
    row.locator(".auto-resume").click()
    _until(lambda: "Activa" in row.inner_text(), timeout_s=30)
    row.locator(".auto-run-now").click()
    _until(lambda: page.locator(".trigger-row").filter(has_text="Manual").count() > 0, timeout_s=30, refresh=tab)
    assert tab.errors == [] and tab.outside == []
    assert [c for c in tab.console if "automatizacion" in c] == []
