"""``/workbench/docs/``: the Data Docs site (``settings.site_dir``) served by the app itself, so a run's quality
report opens from its page with nothing loaded from outside (the site's assets are vendored, see
docs/datadocs.md).

Every path is resolved and must stay inside the site directory: ``..``, absolute paths, symlinks leading out,
encoded separators and NUL bytes all end as 404, like a file that does not exist.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response

from workbench.api import files, problems
from workbench.api.deps import require, settings_of

router = APIRouter(prefix="/workbench/docs", tags=["data docs"], dependencies=[Depends(require("read"))])

INDEX = "index.html"
#: Types the site uses that the platform's mimetypes table may lack or get wrong.
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".json": "application/json", ".map": "application/json", ".svg": "image/svg+xml", ".ico": "image/x-icon",
    ".png": "image/png", ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf", ".eot": "application/vnd.ms-fontobject",
}
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}


def site_file(site_dir: Path, relative: str) -> Path | None:
    """The file ``relative`` names inside ``site_dir`` (a directory means its index.html), or None when it
    does not exist or would lie outside the site."""
    if "\x00" in relative or "\\" in relative:
        return None
    base = site_dir.resolve()
    try:
        target = (base / relative.lstrip("/")).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return None
    if not target.is_relative_to(base):
        return None
    if target.is_dir():
        target = target / INDEX
    return target if target.is_file() else None


def media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _not_found(request: Request) -> JSONResponse:
    return problems.problem(404, code="not-found", title="Not Found", instance=request.url.path,
                            detail="no such Data Docs page or file",
                            message_es="no existe esa página o archivo de Data Docs")


def serve(request: Request, relative: str) -> Response:
    found = site_file(settings_of(request).site_dir, relative)
    # opened here, sent from the descriptor: a page rebuilt or removed meanwhile cannot become the server's bare 404
    response = files.opened(found, media_type=media_type(found), headers=HEADERS) if found else None
    return response if response is not None else _not_found(request)


@router.get("/", summary="The Data Docs site's index (every run's quality report)", response_class=Response,
            responses={200: {"content": {"text/html": {}}}, **problems.responses(404)})
def index(request: Request) -> Response:
    return serve(request, INDEX)


@router.get("/{path:path}", summary="A Data Docs page or asset", response_class=Response,
            responses={200: {"content": {"text/html": {}, "text/css": {}, "text/javascript": {}}},
                       **problems.responses(404)})
def site_path(request: Request, path: Annotated[str, PathParam(description="Path inside the site.")]
              ) -> Response:
    return serve(request, path)
