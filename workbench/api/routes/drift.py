"""``POST /workbench/drift``: how an uploaded file's layout differs from a dataset's spec and its last successful
runs, with the proposed spec patch (docs/drift.md). Nothing is stored, run or changed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from workbench.api import problems
from workbench.api.deps import require, settings_of
from workbench.api.uploads import dataset_of, multipart_body, read_upload, sheet_of
from workbench.engine import api
from workbench.engine.api import Settings

router = APIRouter(prefix="/workbench", tags=["previews"], dependencies=[Depends(require("preview"))])


def _drift(slug: str, data: bytes, filename: str, sheet: int | str | None, settings: Settings) -> dict[str, Any]:
    return api.drift_report(slug, data, filename, sheet=sheet, settings=settings).to_dict()


@router.post("/drift", summary="Compare an uploaded file's layout with a dataset's spec and last runs",
             response_description="The drift report: status (unchanged, compatible, breaking), the changes in English "
                                  "and Spanish, the file's layout, the baseline and the proposed spec patch.",
             responses={200: {"content": {"application/json": {}}}, **problems.responses(404, 413, 415, 422, 503)},
             openapi_extra=multipart_body(("sheet", {"type": "string", "description": "Sheet name or 0-based index."})))
async def drift(request: Request) -> JSONResponse:
    settings = settings_of(request)
    upload = await read_upload(request, max_bytes=settings.max_upload_bytes)
    doc = await run_in_threadpool(_drift, dataset_of(upload, required=True), upload.data, upload.filename,
                                  sheet_of(upload.one("sheet")), settings)
    return JSONResponse(doc)
