"""A problem a browser navigates to (a Data Docs page that no longer exists, an export refused because QA failed)
opens as a small Spanish page with a way back; API clients keep the problem document (12.7)."""

from __future__ import annotations

import pytest

from tests.api.conftest import run_now
from workbench.api.error_pages import error_page, wants_html
from workbench.engine.store import runs as run_store
from workbench.engine.store.db import session_scope

#: What Chromium sends when it follows a link.
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"}


def _page(response) -> str:
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in response.headers["content-security-policy"]  # our security headers
    assert response.headers["x-content-type-options"] == "nosniff"
    return response.text


def test_a_data_docs_page_that_no_longer_exists_is_a_spanish_page_for_a_browser(client):
    response = client.get("/workbench/docs/runs/999/index.html", headers=BROWSER)
    assert response.status_code == 404
    page = _page(response)
    assert '<html lang="es-CL">' in page and "<h1>No se encontró</h1>" in page
    assert "no existe esa página o archivo de Data Docs" in page and "Not Found" not in page
    assert '<a href="/ejecuciones/999" id="error-back">Volver a la ejecución</a>' in page
    api_client = client.get("/workbench/docs/runs/999/index.html")  # the same address for a program
    assert api_client.status_code == 404 and api_client.headers["content-type"] == "application/problem+json"
    assert api_client.json()["code"] == "not-found"


def test_a_refused_export_is_a_spanish_page_for_a_browser_and_a_problem_for_the_api(client, settings):
    run = run_now(client, settings)
    with session_scope(settings.db_url) as session:
        run_store.update_run(run["id"], session=session, qa_status="failed")
    address = f"/workbench/runs/{run['id']}/export?layer=silver&format=csv"
    page = _page(client.get(address, headers=BROWSER))
    assert "<h1>No se puede hacer ahora</h1>" in page and "calidad" in page and "qa-failed" in page
    assert f'href="/ejecuciones/{run["id"]}"' in page
    for accept in ("*/*", "application/json", "application/json, text/html;q=0.5"):
        refused = client.get(address, headers={"accept": accept})
        assert refused.status_code == 409 and refused.json()["code"] == "qa-failed", accept


def test_a_browser_that_is_not_signed_in_is_sent_to_sign_in(anonymous):
    response = anonymous.get("/workbench/runs/1/export", headers=BROWSER)
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")
    assert 'href="/login?next=/workbench/runs/1/export"' in _page(response)


def test_the_page_escapes_every_value_of_the_problem():
    page = error_page({"message_es": "<script>alert(1)</script> & «x»", "code": '"><img src=x>'}, 422,
                      "/workbench/runs/<b>/x")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; «x»" in page
    assert "<img" not in page and "&quot;&gt;&lt;img src=x&gt;" in page
    assert 'href="/workbench"' in page  # no run in that address: back to the datasets


@pytest.mark.parametrize(("method", "accept", "html"), [
    ("GET", BROWSER["accept"], True),
    ("GET", "text/html", True),
    ("GET", "*/*", False),  # curl, playwright's request, fetch()
    ("GET", "", False),
    ("GET", "application/json", False),
    ("GET", "application/problem+json, text/html;q=0.1", False),
    ("GET", "text/html;q=0", False),
    ("POST", BROWSER["accept"], False),  # a form's answer is its route's business
])
def test_only_a_browser_navigation_gets_a_page(method: str, accept: str, html: bool):
    assert wants_html({"type": "http", "method": method, "headers": [(b"accept", accept.encode())]}) is html
