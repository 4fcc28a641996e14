"""``/workbench/runs``: queue a run of an uploaded file, list and show runs, export a run's layer."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BeforeValidator
from starlette.concurrency import run_in_threadpool

from workbench.api import files, problems
from workbench.api.deps import MAX_INT, current_principal, require, settings_of
from workbench.api.uploads import dataset_of, flag, multipart_body, params_of, read_upload, sheet_of
from workbench.engine import api
from workbench.engine.api import QA_STATUSES, RUN_STATUSES, Principal, RunPublic

router = APIRouter(prefix="/workbench/runs", tags=["runs"], dependencies=[Depends(require("read"))])

RunStatus = Literal[RUN_STATUSES]  # type: ignore[valid-type]
QaStatus = Literal[QA_STATUSES]  # type: ignore[valid-type]
RUN_ID = Path(ge=1, le=MAX_INT, description="Run id.")
#: ISO 8601 only: pydantic would also take a number (``0.5``) as seconds since 1970.
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}(:?\d{2})?)?)?", re.ASCII)


def _iso_only(value: object) -> object:
    if isinstance(value, str) and not ISO_DATE.fullmatch(value):
        raise ValueError("use an ISO 8601 date or time (2026-04-30 or 2026-04-30T12:00:00Z)")
    return value


IsoTime = Annotated[datetime | date, BeforeValidator(_iso_only)]


def _utc(value: date | datetime | None) -> datetime | None:
    """A date means its midnight, UTC; a naive time is UTC."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@router.post("", status_code=202, response_model=RunPublic, summary="Queue a run of an uploaded file",
             description="503 `redis-unavailable` when the run could not be queued: the file is kept and the attempt "
                         "is recorded as a failed run (its id in `run_id` and `Location`); submit it again later. "
                         "507 `storage-full` when the RAW file store's disk is full: nothing is stored or recorded.",
             dependencies=[Depends(require("run"))],
             responses={200: {"model": RunPublic, "description": "An identical earlier run (same file, spec and "
                                                                 "parameters) was reused"},
                        **problems.responses(404, 413, 415, 422, 503, 507)},
             openapi_extra=multipart_body(("force", {"type": "boolean", "description": "Run even if identical."}),
                                          ("sheet", {"type": "string", "maxLength": 255,
                                                     "description": "Workbook sheet: name or 0-based index (default: "
                                                                    "the sheet with the spec's header, as the preview "
                                                                    "reads it)."})))
async def submit_run(request: Request, principal: Annotated[Principal, Depends(current_principal)]) -> Response:
    settings = settings_of(request)
    upload = await read_upload(request, max_bytes=settings.max_upload_bytes)
    slug = dataset_of(upload, required=True)
    try:
        run = await run_in_threadpool(api.submit_run, slug, upload.data, filename=upload.filename,
                                      params=params_of(upload), force=flag(upload.one("force")),
                                      sheet=sheet_of(upload.one("sheet")), triggered_by=principal.name,
                                      settings=settings)
    except api.WorkbenchError as exc:
        if exc.code == "redis-unavailable" and isinstance(exc.details.get("run_id"), int):
            # not queued: the file is kept and the attempt recorded as a failed run, named here so it can be found
            run_id = exc.details["run_id"]
            return problems.from_error(problems.public_error(exc, 503), 503, request.url.path, run_id=run_id, headers={
                "Location": f"/workbench/runs/{run_id}", "Retry-After": str(problems.RETRY_AFTER_UNAVAILABLE_S)})
        raise
    location = {"Location": f"/workbench/runs/{run.id}"}
    if run.status == "failed" and run.error:  # rejected before queueing (parameters): the record is kept
        return problems.from_error(run.error, 422, request.url.path, run_id=run.id, headers=location)
    return Response(run.model_dump_json(), status_code=200 if run.reused else 202, media_type="application/json",
                    headers=location)


@router.get("", response_model=api.RunPage, responses=problems.responses(422, 503), summary="List runs")
def list_runs(
    request: Request,
    dataset: Annotated[str | None, Query(max_length=63, description="Dataset slug.")] = None,
    status: RunStatus | None = None,
    qa_status: QaStatus | None = None,
    since: Annotated[IsoTime | None, Query(description="Created at or after (ISO date or time, UTC).")] = None,
    until: Annotated[IsoTime | None, Query(description="Created before (ISO date or time, UTC).")] = None,
    limit: Annotated[int, Query(ge=1, le=api.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
) -> api.RunPage:
    return api.list_runs(settings_of(request), dataset=dataset, status=status, qa_status=qa_status,
                             since=_utc(since), until=_utc(until), limit=limit, offset=offset)


@router.get("/{run_id}", response_model=RunPublic, responses=problems.responses(404, 422, 503), summary="One run")
def get_run(request: Request, run_id: Annotated[int, RUN_ID]) -> RunPublic:
    return api.get_run(run_id, settings_of(request))


@router.get("/{run_id}/export", summary="Download one layer of a run", response_class=Response,
            response_description="The file, as an attachment.",
            responses={200: {"content": {fmt.media_type: {} for fmt in api.EXPORT_FORMATS.values()}},
                       **problems.responses(404, 409, 422, 503)})
def export_run(
    request: Request,
    run_id: Annotated[int, RUN_ID],
    layer: Annotated[Literal["bronze", "silver", "gold"], Query(description="Layer to export.")] = "silver",
    format: Annotated[api.ExportFormatName, Query(description="File format.")] = "csv",
    provenance: Annotated[bool, Query(description="Also the _raw_* provenance columns.")] = False,
) -> Response:
    """The file comes from the export cache (built once per run, layer, format and provenance, never deleted
    by a request) and is sent from a descriptor opened here: every answer for it carries the same bytes."""
    out = api.export_run(run_id, layer, format, settings_of(request), provenance=provenance)
    return files.OpenedFileResponse(out.path, media_type=out.media_type, headers={
        "Content-Disposition": content_disposition(out.filename), "ETag": f'"{out.key}"'})


@router.get("/{run_id}/raw", summary="Download the RAW file a run read", response_class=Response,
            response_description="The RAW bytes, as an attachment under the file's original name.",
            responses={200: {"content": {"application/octet-stream": {}}}, **problems.responses(404, 422, 503)})
def raw_file(request: Request, run_id: Annotated[int, RUN_ID]) -> Response:
    settings = settings_of(request)
    run = api.get_run(run_id, settings)
    data = api.raw_bytes(run_id, settings)  # verified against the run's sha256
    name = (run.inputs[0].get("name") if run.inputs else None) or f"run{run_id}-raw"
    return Response(data, media_type="application/octet-stream",
                    headers={"Content-Disposition": content_disposition(name), "X-Content-Type-Options": "nosniff",
                             "ETag": f'"{run.inputs[0]["sha256"]}"'})


@router.get("/{run_id}/docs", summary="Open a run's Data Docs page (built first if missing)", status_code=307,
            response_class=RedirectResponse, responses=problems.responses(404, 422, 503))
def run_docs(request: Request, run_id: Annotated[int, RUN_ID]) -> RedirectResponse:
    api.run_docs_path(run_id, settings_of(request))
    return RedirectResponse(f"/workbench/docs/runs/{run_id}/index.html", status_code=307)


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the exact name in RFC 5987 form (names carry accents)."""
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
