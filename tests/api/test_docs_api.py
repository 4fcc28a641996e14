"""docs/api.md documents every route of the API (docs are part of the change)."""

from pathlib import Path

from workbench.api.app import create_api
from workbench.engine.core.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_route_is_documented(tmp_path):
    text = DOCS.read_text(encoding="utf-8")
    paths = create_api(Settings(data_dir=tmp_path)).openapi()["paths"]
    routes = [(method.upper(), path) for path, item in paths.items() for method in item]
    assert len(routes) >= 17  # every route below has a section
    for method, path in routes:
        assert f"### `{method} {path}`" in text, f"docs/api.md has no section for {method} {path}"


def test_the_api_docs_page_loads_nothing_from_outside(tmp_path):
    from fastapi.testclient import TestClient

    client = TestClient(create_api(Settings(data_dir=tmp_path)))
    page = client.get("/docs")
    assert page.status_code == 200 and "https://" not in page.text and "http://" not in page.text
    assert "<script>" not in page.text  # no inline script: every script is a file of ours
    for asset in ("swagger-ui-dist@5.35.0/swagger-ui-bundle.js", "swagger-ui-dist@5.35.0/swagger-ui.css",
                  "apidocs.js"):
        assert f'"/workbench/_static/api/{asset}"' in page.text
        assert client.get(f"/workbench/_static/api/{asset}").status_code == 200


def test_the_bundled_swagger_ui_reads_openapi_3_1(tmp_path):
    """The swagger-ui-bundle package shipped Swagger UI 3.20, which cannot render OpenAPI 3.1 (what FastAPI
    writes): /docs said "Unable to render this definition". Swagger UI 5 reads 3.1."""
    from workbench.api.routes.apidocs import STATIC_DIR, SWAGGER_UI

    assert create_api(Settings(data_dir=tmp_path)).openapi()["openapi"].startswith("3.1")
    bundle = (STATIC_DIR / SWAGGER_UI / "swagger-ui-bundle.js").read_text(encoding="utf-8")
    assert '"5.35.0"' in bundle
