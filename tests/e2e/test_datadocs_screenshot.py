"""Journey: a run's Data Docs page opened from disk in a real browser with the network cut off.

Uses Debian's chromium (``apt-get install -y chromium``), never ``playwright install``. Every request that
is not ``file://`` is aborted and recorded, so the test proves the page needs nothing from the network.
The screenshot lands in tests/e2e/screenshots/ (an output directory, not committed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from workbench.engine.core.validation.docs import build_run_docs
    from workbench.engine.core.validation.docs.sample import sample_results

    out = tmp_path_factory.mktemp("datadocs")
    build_run_docs(sample_results(rows=300, bad_rows=40, hostile=True, custom=True), run_id=1,
                   title="Ley de Presupuestos 2024", out_dir=out, meta={"dataset": "ley_presupuestos"})
    return out


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def _open(browser, url: str):
    """A page on ``url`` with the network blocked; returns (page, blocked urls, failed local urls, dialogs)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    blocked: list[str] = []
    failed: list[str] = []
    dialogs: list[str] = []

    def route(r):
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda req: failed.append(req.url) if req.url.startswith("file://") else None)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url, wait_until="load")
    return page, blocked, failed, dialogs


def test_run_page_is_styled_offline_and_runs_no_injected_script(site: Path, browser) -> None:
    page, blocked, failed, dialogs = _open(browser, (site / "runs" / "1" / "index.html").as_uri())
    # Bootstrap 4.3.1's .table sets border-collapse: collapse and a 1rem bottom margin; unstyled it is separate/0.
    table = page.locator("table.table").first
    style = table.evaluate("t => { const s = getComputedStyle(t); return [s.borderCollapse, s.marginBottom]; }")
    font_awesome = page.evaluate("document.fonts.check('900 16px \"Font Awesome 6 Free\"')")
    jquery = page.evaluate("typeof window.jQuery")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "datadocs_run.png"), full_page=False)
    assert (blocked, failed, dialogs) == ([], [], [])
    assert style[0] == "collapse"
    assert font_awesome is True
    assert jquery == "function"


def test_site_index_lists_the_run_offline(site: Path, browser) -> None:
    page, blocked, failed, _ = _open(browser, (site / "index.html").as_uri())
    rows = page.locator("#runs tbody tr")
    assert (blocked, failed) == ([], [])
    assert rows.count() == 1
    assert page.locator("#runs").evaluate("t => getComputedStyle(t).borderCollapse") == "collapse"
    page.screenshot(path=str(SCREENSHOTS / "datadocs_index.png"))
