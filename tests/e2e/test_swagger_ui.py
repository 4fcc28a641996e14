"""/docs in a real browser (Debian's chromium, the product served by ``workbench serve``): Swagger UI renders one
block per operation of /openapi.json, with no console error, no script error and nothing fetched from outside.
With the swagger-ui-bundle package (Swagger UI 3.20) the page said "Unable to render this definition"."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import Tab

pytestmark = pytest.mark.e2e


def test_docs_renders_every_operation(anon_tab: Tab, product: str):
    described = httpx.get(f"{product}/openapi.json", timeout=30).json()
    operations = sum(len(item) for item in described["paths"].values())
    page = anon_tab.page
    page.goto(f"{product}/docs")  # type: ignore[attr-defined]
    page.wait_for_selector(".opblock", timeout=30_000)  # type: ignore[attr-defined]
    assert page.locator(".opblock").count() == operations  # type: ignore[attr-defined]
    assert page.get_by_text("Unable to render this definition").count() == 0  # type: ignore[attr-defined]
    assert page.locator(".info .title").inner_text().startswith("Data Workbench API")  # type: ignore[attr-defined]
    assert (anon_tab.errors, anon_tab.console, anon_tab.outside) == ([], [], [])
