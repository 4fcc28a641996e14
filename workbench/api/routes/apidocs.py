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

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
SWAGGER_UI = "swagger-ui-dist@5.35.0"
STATIC = "/workbench/_static/api"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{static}/{swagger}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
<script src="{static}/{swagger}/swagger-ui-bundle.js"></script>
<script src="{static}/apidocs.js"></script>
</body>
</html>
"""


def page(title: str, openapi_url: str) -> str:
    return PAGE.format(title=escape(title), static=STATIC, swagger=SWAGGER_UI, openapi_url=escape(openapi_url))


def install(app: FastAPI, *, docs_url: str = "/docs") -> None:
    app.mount(STATIC, StaticFiles(directory=str(STATIC_DIR)), name="api-static")
    html = page(f"{app.title} · docs", app.openapi_url or "/openapi.json")

    @app.get(docs_url, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(html)


__all__ = ["install", "page"]
