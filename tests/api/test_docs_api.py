"""docs/api.md documents every route of the API (docs are part of the change)."""

from pathlib import Path

from workbench.api.app import create_api
from workbench.engine.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_route_is_documented(tmp_path):
    text = DOCS.read_text(encoding="utf-8")
    paths = create_api(Settings(data_dir=tmp_path)).openapi()["paths"]
    routes = [(method.upper(), path) for path, item in paths.items() for method in item]
    assert len(routes) == 13
    for method, path in routes:
        assert f"### `{method} {path}`" in text, f"docs/api.md has no section for {method} {path}"
