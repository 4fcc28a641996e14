"""The Data Docs site served by the app: pages and assets with their media types, nothing outside the site
directory (every escape attempt is a 404), a run's page reached through its redirect, and its RAW download."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import CSV, run_now
from workbench.engine.core.settings import Settings


@pytest.fixture
def site(settings: Settings) -> Settings:
    site = settings.site_dir
    (site / "runs" / "7").mkdir(parents=True)
    (site / "index.html").write_text("<html><body>índice</body></html>", encoding="utf-8")
    (site / "runs" / "7" / "index.html").write_text("<html>run 7</html>", encoding="utf-8")
    (site / "static").mkdir()
    (site / "static" / "site.css").write_text("body{}")
    (site / "static" / "app.js").write_text("1;")
    (site / "static" / "fa.woff2").write_bytes(b"wOF2")
    (settings.data_dir / "secret.txt").write_text("no")
    (site / "link-out").symlink_to(settings.data_dir / "secret.txt")
    return settings


def test_index_and_pages_are_served_with_their_media_types(client: TestClient, site: Settings) -> None:
    index = client.get("/workbench/docs/")
    assert index.status_code == 200 and "índice" in index.text
    assert index.headers["content-type"].startswith("text/html")
    assert client.get("/workbench/docs/runs/7/index.html").text == "<html>run 7</html>"
    assert client.get("/workbench/docs/runs/7/").text == "<html>run 7</html>"  # a folder serves its index
    types = {name: client.get(f"/workbench/docs/static/{name}").headers["content-type"].split(";")[0]
             for name in ("site.css", "app.js", "fa.woff2")}
    assert types == {"site.css": "text/css", "app.js": "text/javascript", "fa.woff2": "font/woff2"}


@pytest.mark.parametrize("path", [
    "..%2Fsecret.txt", "%2e%2e/secret.txt", "runs/..%2F..%2Fsecret.txt", "%2Fetc%2Fpasswd", "..%5Csecret.txt",
    "link-out", "runs/7/index.html%00.css", "nope.html", "runs/8/index.html",
])
def test_nothing_outside_the_site_is_served(client: TestClient, site: Settings, path: str) -> None:
    response = client.get(f"/workbench/docs/{path}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "no" != response.text and "root:" not in response.text


def test_missing_site_is_a_404(client: TestClient) -> None:
    assert client.get("/workbench/docs/").status_code == 404


def test_run_docs_redirects_to_its_page_and_builds_it(client: TestClient, settings: Settings) -> None:
    run = run_now(client, settings, params="anio=2017")
    page = settings.site_dir / "runs" / str(run["id"]) / "index.html"
    page.unlink(missing_ok=True)
    response = client.get(f"/workbench/runs/{run['id']}/docs", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == f"/workbench/docs/runs/{run['id']}/index.html"
    assert page.exists()
    served = client.get(response.headers["location"])
    assert served.status_code == 200 and "static/" in served.text


def test_run_docs_of_an_unknown_run_is_a_404(client: TestClient) -> None:
    assert client.get("/workbench/runs/999/docs", follow_redirects=False).status_code == 404


def test_raw_download_is_the_exact_file_under_its_name(client: TestClient, settings: Settings) -> None:
    run = run_now(client, settings, params="anio=2017")
    response = client.get(f"/workbench/runs/{run['id']}/raw")
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == run["inputs"][0]["sha256"]
    assert response.content == CSV.read_bytes()
    assert response.headers["content-disposition"] == (f'attachment; filename="{CSV.name}"; '
                                                       f"filename*=UTF-8''{CSV.name}")
    assert client.get("/workbench/runs/999/raw").status_code == 404
