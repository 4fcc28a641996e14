"""The publication journey in a browser (issue 17): an analyst proposes the session's example run on the
dataset's Publicaciones page, a second user (a publisher) reviews the release's diff and approves it, and the
published table is then queried from outside the product (psycopg on PostgreSQL; the embedded SQLite file when no
PostgreSQL answers). Zero console errors, nothing fetched off the machine."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.e2e.conftest import ENVS, GOLD_URLS, ROOT, Tab, add_user, signed_in_tab

pytestmark = pytest.mark.e2e

WAIT_MS = 30_000
SLUG = "dipres_ejecucion"
#: Rows of the session's example run's silver layer (examples/ejecucion_2017_abril_programa.csv).
EXAMPLE_ROWS = 72
#: The same program and month with other amounts: its release changes rows of the first one.
NEXT_FILE = ROOT / "tests" / "data" / "workbench" / "ejecucion_2017_abril_pesos.csv"


def _open(tab: Tab, url: str) -> None:
    tab.page.goto(url, wait_until="networkidle")
    tab.page.wait_for_timeout(300)


def _clean(tab: Tab) -> None:
    assert tab.outside == [], tab.outside
    assert tab.errors == [], tab.errors
    assert tab.console == [], tab.console


def _gold_rows(product: str) -> list[tuple[int, int]]:
    """(release id, rows) of gold.dipres_ejecucion, read the way a BI tool would."""
    gold = GOLD_URLS.get(product)
    if gold:
        import psycopg

        with psycopg.connect(make_url(gold).set(drivername="postgresql").render_as_string(hide_password=False)) as conn:
            return conn.execute(f'SELECT "_release_id", count(*) FROM gold.{SLUG} GROUP BY 1').fetchall()
    conn = sqlite3.connect(":memory:")
    conn.execute("ATTACH DATABASE ? AS gold", (str(Path(ENVS[product]["WORKBENCH_DATA_DIR"]) / "gold.sqlite"),))
    try:
        return conn.execute(f'SELECT "_release_id", count(*) FROM gold.{SLUG} GROUP BY 1').fetchall()
    finally:
        conn.close()


def _cli(product: str, *args: str) -> dict:
    """``workbench ...`` on the server with the product's environment (as an operator would), its JSON answer."""
    out = subprocess.run([str(Path(sys.executable).parent / "workbench"), *args, "--json"], cwd=ROOT,
                         env=ENVS[product], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout)


def _wait_gold(product: str, expected: list[tuple[int, int]]) -> None:
    deadline = time.monotonic() + 10
    while sorted(_gold_rows(product)) != expected:
        assert time.monotonic() < deadline, _gold_rows(product)
        time.sleep(0.2)


def test_propose_then_a_second_user_reviews_the_diff_approves_and_the_table_is_published(chromium, product):
    analyst = add_user(product, "ana-pub", "analyst")
    publisher = add_user(product, "pablo-pub", "publisher")
    with signed_in_tab(chromium, product, *analyst) as tab:
        page = tab.page
        _open(tab, f"{product}/workbench/{SLUG}")
        page.locator(".publications-link").click()
        page.wait_for_url(f"{product}/publicaciones/{SLUG}", timeout=WAIT_MS)
        page.locator("#propose-run").fill("1")
        page.locator("#propose-button").click()
        page.wait_for_url(f"{product}/publicaciones/{SLUG}/*", timeout=WAIT_MS)
        release_url = page.url
        page.locator(".diff-added").get_by_text(str(EXAMPLE_ROWS)).wait_for(timeout=WAIT_MS)
        assert page.locator("#approve-button").count() == 0  # an analyst proposes; only publishers decide
        _clean(tab)
    with signed_in_tab(chromium, product, *publisher) as tab:
        page = tab.page
        _open(tab, release_url)
        page.locator(".diff-added").get_by_text(str(EXAMPLE_ROWS)).wait_for(timeout=WAIT_MS)
        page.locator(".total-row").first.wait_for(timeout=WAIT_MS)
        assert "120.594.721" in page.locator("main").inner_text()  # totals in es-CL
        tab.shot("publicacion_diff")
        page.locator("#approve-button").click()
        page.locator("main").get_by_text("Publicada").first.wait_for(timeout=WAIT_MS)
        page.locator(".event-row").get_by_text("publicó").wait_for(timeout=WAIT_MS)
        release_id = int(release_url.rstrip("/").rsplit("/", 1)[-1])
        _wait_gold(product, [(release_id, EXAMPLE_ROWS)])

        # next month's correction of the same program: proposed on the command line as the analyst, reviewed
        # here (changed cells with old, new and delta), approved, then rolled back from the page
        run = _cli(product, "run", SLUG, str(NEXT_FILE), "--param", "anio=2017")
        second = _cli(product, "publish", str(run["id"]), "--as", analyst[0])
        _open(tab, f"{product}/publicaciones/{SLUG}/{second['id']}")
        page.locator(".change-row").first.wait_for(timeout=WAIT_MS)
        assert second["diff_summary"]["counts"]["changed"] > 0
        tab.shot("publicacion_diff_cambios")
        page.locator("#approve-button").click()
        page.locator("#rollback-button").wait_for(timeout=WAIT_MS)
        _wait_gold(product, [(second["id"], second["row_counts"]["rows"])])
        page.locator("#release-reason").fill("cifras por confirmar")
        page.locator("#rollback-button").click()
        page.locator(".event-row").get_by_text("revirtió").wait_for(timeout=WAIT_MS)
        _wait_gold(product, [(release_id, EXAMPLE_ROWS)])  # the first release's rows, whole, are back

        _open(tab, f"{product}/publicaciones/{SLUG}")
        rows = page.locator(".release-row")
        rows.nth(1).get_by_text("pablo-pub").wait_for(timeout=WAIT_MS)
        assert "Revertida" in rows.nth(0).inner_text()
        assert "ana-pub" in rows.nth(1).inner_text() and "Publicada" in rows.nth(1).inner_text()
        tab.shot("publicaciones")
        _clean(tab)
