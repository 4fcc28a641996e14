"""``POST /workbench/preview``: what an uploaded file becomes under a dataset's spec (cached by content)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from workbench.api import problems
from workbench.api.deps import require, settings_of
from workbench.api.uploads import dataset_of, multipart_body, params_of, read_upload, sheet_of
from workbench.engine import api
from workbench.engine.api import Settings

router = APIRouter(prefix="/workbench", tags=["previews"], dependencies=[Depends(require("preview"))])

#: Sample rows per layer in a preview document.
SAMPLE_ROWS = 20


def _preview(slug: str | None, data: bytes, filename: str, params: dict[str, Any], sheet: int | str | None,
             settings: Settings) -> dict[str, Any]:
    spec = api.load_spec(api.find_spec(slug, settings.specs_dir, slug_only=True)) if slug else None
    return api.preview_cached(data, spec, filename=filename, params=params, sheet=sheet, sample_rows=SAMPLE_ROWS,
                              settings=settings)


@router.post("/preview", summary="Preview an uploaded file under a dataset's spec",
             response_description="The preview document: source facts, per-layer samples, timeline, QA, warnings.",
             responses={200: {"content": {"application/json": {}}}, **problems.responses(404, 413, 415, 422, 503)},
             openapi_extra=multipart_body(("sheet", {"type": "string", "description": "Sheet name or 0-based index."}),
                                          dataset_required=False))
async def preview(request: Request) -> JSONResponse:
    settings = settings_of(request)
    upload = await read_upload(request, max_bytes=settings.max_upload_bytes)
    doc = await run_in_threadpool(_preview, dataset_of(upload, required=False), upload.data, upload.filename, params_of(upload),
                                  sheet_of(upload.one("sheet")), settings)
    return JSONResponse(doc)
