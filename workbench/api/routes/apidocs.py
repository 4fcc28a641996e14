"""``/docs``: Swagger UI 5 (reads OpenAPI 3.1, what FastAPI describes) from vendored ``swagger-ui-dist`` files,
so the page loads nothing from outside and runs no inline script.

The ``swagger-ui-bundle`` PyPI package this replaced ships Swagger UI 3.20, which reads only OpenAPI 3.0: the
page said "Unable to render this definition". The vendored files are exactly those of the npm package
``swagger-ui-dist@5.35.0`` (how to refresh them: docs/api.md)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from workbench.engine.api import html_document

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
SWAGGER_UI = "swagger-ui-dist@5.35.0"
STATIC = "/workbench/_static/api"

BODY = '<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>'


def page(title: str, openapi_url: str) -> str:
    return html_document(title=title, lang="en", body=BODY.format(openapi_url=escape(openapi_url, quote=True)),
                         stylesheets=[f"{STATIC}/{SWAGGER_UI}/swagger-ui.css"],
                         scripts=[f"{STATIC}/{SWAGGER_UI}/swagger-ui-bundle.js", f"{STATIC}/apidocs.js"])


def install(app: FastAPI, *, docs_url: str = "/docs") -> None:
    app.mount(STATIC, StaticFiles(directory=str(STATIC_DIR)), name="api-static")
    html = page(f"{app.title} · docs", app.openapi_url or "/openapi.json")

    @app.get(docs_url, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(html)


__all__ = ["install", "page"]
