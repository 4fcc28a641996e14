"""The rule editor over HTTP (issue 19, docs/editor.md): ``/workbench/editor/catalog`` (the forms) and
``/workbench/drafts``: a draft of a dataset's spec (or of a new dataset from a file), edited one operation at a
time with undo and redo, previewed step by step on a sample file, reviewed as a diff and published as the
dataset's new current version. Every call is a use case of ``workbench.engine.api`` (which checks the role
again); the bodies (``api/editor_bodies.py``) are strict and bounded: a malformed edit is a 422, never a 500 in the engine."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from workbench.api import problems
from workbench.api.deps import MAX_INT, require, settings_of
from workbench.api.editor_bodies import (MAX_SHEET_CHARS, MAX_STEP_INDEX, SLUG, DraftEdit, DraftFromDrift,
                                         DraftFromFile, DraftPublication, DraftSample, Layer, NewDraft, SampleFile)
from workbench.api.uploads import UploadFormError, read_upload, sheet_of
from workbench.engine import api
from workbench.engine.api import DraftSummary, DraftView, PublishResult, Settings

router = APIRouter(prefix="/workbench", tags=["editor"], dependencies=[Depends(require("read"))])

EDIT = [Depends(require("edit_specs"))]
DRAFT_ID = Path(ge=1, le=MAX_INT, description="Draft id.")

def _created(response: Response, view: DraftView) -> DraftView:
    response.headers["Location"] = f"/workbench/drafts/{view.id}"
    return view


# --- the catalogue and drafts ---------------------------------------------------------------------------------

@router.get("/editor/catalog", summary="The editor's forms: every step type and spec section",
            description="`steps`: one entry per step type (`type`, `summary`, `help` from docs/steps.md, its JSON "
                        "`schema`, `fields` with the input each needs, an `example`); `sections`: the spec-level "
                        "parts (`dataset`, `source`, `parameters`, `expectations`, `automation`, `publication`, "
                        "`exposures`) the same way. Generated from the models: a new step appears here by itself.",
            responses=problems.responses(503))
def catalog() -> dict[str, Any]:
    return api.editor_catalog()


@router.get("/drafts", response_model=list[DraftSummary], summary="Open drafts",
            description="Open drafts of every author, most recently edited first.",
            responses=problems.responses(422, 503))
def list_drafts(request: Request, dataset: Annotated[str | None, Query(pattern=SLUG, description="Dataset slug.")]
                = None) -> list[DraftSummary]:
    return api.list_drafts(dataset, settings_of(request))


@router.post("/drafts", status_code=201, response_model=DraftView, dependencies=EDIT,
             summary="Start a draft of a dataset's current spec",
             description="The draft starts from the dataset's current version (the specs folder is synced first). "
                         "Without `fresh`, your open draft of that dataset is answered instead of a new one. "
                         "404 `dataset-not-found` for an unknown or inactive dataset.",
             responses=problems.responses(404, 422, 503))
def create_draft(request: Request, response: Response, body: NewDraft) -> DraftView:
    view = api.create_draft(body.dataset, settings_of(request), fresh=body.fresh)
    return _created(response, view)


def _propose(data: bytes, filename: str, sheet: int | str | None, settings: Settings) -> dict[str, Any]:
    sha = api.keep_upload(data, settings)
    return api.propose_spec(sha, filename=filename, sheet=sheet, settings=settings)


@router.post("/editor/proposal", dependencies=EDIT, summary="Propose a new spec for an uploaded file",
             description="The file is kept in the RAW store (content-addressed) and read as the readers sniff it: "
                         "the proposal's `source` options and `header_row`, each column's `name` (its label), "
                         "`snake` name, `kind` (code, text, number, empty), suggested role (`suggest`: key, "
                         "measure, attribute, drop) and examples, the RAW grid's head (`raw`), the number "
                         "separators, and the `sha256` to give `POST /workbench/editor/from-file`.",
             responses={200: {"content": {"application/json": {}}},
                        **problems.responses(413, 415, 422, 429, 503, 507)},
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file"], "properties": {
                     "file": {"type": "string", "format": "binary", "description": "The RAW file (CSV or Excel)."},
                     # no "type": a form field is text whatever it looks like (`false` is a sheet's name)
                     "sheet": {"maxLength": MAX_SHEET_CHARS,
                               "description": "Workbook sheet: name or 0-based index (default: the first)."}}}}}}})
async def propose(request: Request) -> JSONResponse:
    settings = settings_of(request)
    upload = await read_upload(request, max_bytes=settings.max_upload_bytes)
    sheet = upload.one("sheet")
    if sheet is not None and len(sheet) > MAX_SHEET_CHARS:
        raise UploadFormError(f"'sheet' is longer than {MAX_SHEET_CHARS} characters",
                              message_es=f"'sheet' tiene más de {MAX_SHEET_CHARS} caracteres", field="sheet")
    doc = await run_in_threadpool(_propose, upload.data, upload.filename, sheet_of(sheet), settings)
    return JSONResponse(doc)


@router.post("/editor/from-file", status_code=201, response_model=DraftView, dependencies=EDIT,
             summary="Start a new dataset's first draft from a proposed file",
             description="The spec is made from your choices (keys, measures, types, names, dropped columns, source "
                         "options) and validated; the file becomes the draft's sample. 422 `proposal-invalid` for a "
                         "column not in the file or a column both key and measure, `edit-invalid` when the slug is "
                         "taken.",
             responses=problems.responses(404, 422, 503))
def create_from_file(request: Request, response: Response, body: DraftFromFile) -> DraftView:
    view = api.create_draft_from_file(body.sha256, filename=body.filename, slug=body.slug, title=body.title,
                                      keys=body.keys, measures=body.measures, types=body.types or None,
                                      names=body.names or None, drop=body.drop or None,
                                      source=body.source.model_dump(exclude_unset=True) if body.source else None,
                                      sheet=body.sheet, params=body.params, settings=settings_of(request))
    return _created(response, view)


@router.post("/editor/from-drift", status_code=201, response_model=DraftView, dependencies=EDIT,
             summary="Open a drifted file's proposed spec patch as a draft",
             description="The drift report of the file against the dataset (docs/drift.md) proposes a spec patch; the "
                         "draft's first edit applies it (undo shows the spec before it) and the file is its sample. "
                         "422 `edit-invalid` when the report proposes no change or the file is not stored.",
             responses=problems.responses(404, 422, 503))
def create_from_drift(request: Request, response: Response, body: DraftFromDrift) -> DraftView:
    view = api.draft_from_drift(body.dataset, body.sha256, filename=body.filename, sheet=body.sheet,
                                params=body.params, settings=settings_of(request))
    return _created(response, view)


@router.get("/drafts/{draft_id}", response_model=DraftView, summary="One draft",
            description="The draft's YAML, its layers' steps (0-based `index`, `label`, `disabled`, the step as "
                        "data), the spec-level sections as data, the sample file, `revision` (give it back with "
                        "edits), undo/redo depths and `stale` (the dataset's current version moved since). A "
                        "published draft stays readable (`status: published`); a discarded one is gone (404).",
            responses=problems.responses(404, 422, 503))
def get_draft(request: Request, draft_id: Annotated[int, DRAFT_ID]) -> DraftView:
    view = api.get_draft(draft_id, settings_of(request))
    if view.status == "discarded":  # DELETE made it gone: the store keeps the row, the resource is no more
        raise api.DraftNotFoundError(draft_id=draft_id)
    return view


@router.delete("/drafts/{draft_id}", status_code=204, response_class=Response, dependencies=EDIT,
               summary="Discard a draft", responses=problems.responses(404, 422, 503))
def discard_draft(request: Request, draft_id: Annotated[int, DRAFT_ID]) -> Response:
    api.discard_draft(draft_id, settings_of(request))
    return Response(status_code=204)


# --- edits ----------------------------------------------------------------------------------------------------

@router.post("/drafts/{draft_id}/edits", response_model=DraftView, dependencies=EDIT,
             summary="Apply one edit to a draft",
             description="`op` is one of `add_step`, `update_step`, `move_step`, `delete_step`, `toggle_step` "
                         "(layer and 0-based index), `set_section` (a spec-level section as data) or `replace_yaml` "
                         "(the whole text). The edit is applied whole or not at all: 422 `edit-invalid` or "
                         "`spec-invalid` (with `details.problems`: line, path, message) leaves the draft as it was. "
                         "Only the lines the edit touches change (comments and key order stay). 409 "
                         "`draft-conflict` when `revision` is not the draft's (another tab saved meanwhile).",
             responses=problems.responses(404, 409, 422, 503))
def edit_draft(request: Request, draft_id: Annotated[int, DRAFT_ID], body: DraftEdit) -> DraftView:
    return api.edit_draft(draft_id, body.op.model_dump(), revision=body.revision, settings=settings_of(request))


@router.post("/drafts/{draft_id}/undo", response_model=DraftView, dependencies=EDIT,
             summary="Undo a draft's last edit",
             description="422 `edit-invalid` when there is nothing to undo (the last 100 edits can be undone).",
             responses=problems.responses(404, 422, 503))
def undo_draft(request: Request, draft_id: Annotated[int, DRAFT_ID]) -> DraftView:
    return api.undo_draft(draft_id, settings_of(request))


@router.post("/drafts/{draft_id}/redo", response_model=DraftView, dependencies=EDIT,
             summary="Redo the edit last undone", description="422 `edit-invalid` when there is nothing to redo.",
             responses=problems.responses(404, 422, 503))
def redo_draft(request: Request, draft_id: Annotated[int, DRAFT_ID]) -> DraftView:
    return api.redo_draft(draft_id, settings_of(request))


# --- the sample and the step preview ---------------------------------------------------------------------------

@router.put("/drafts/{draft_id}/sample", response_model=DraftView, dependencies=EDIT,
            summary="Choose the file a draft is previewed on",
            description="A stored file by its sha256: an upload (`POST /workbench/editor/proposal` keeps it) or "
                        "one of the dataset's runs' files (`GET /workbench/drafts/{draft_id}/sample-files`), with "
                        "run parameters. 422 `edit-invalid` when no such file is stored.",
            responses=problems.responses(404, 422, 503))
def set_sample(request: Request, draft_id: Annotated[int, DRAFT_ID], body: DraftSample) -> DraftView:
    return api.set_draft_sample(draft_id, body.sha256, filename=body.filename, params=body.params,
                                settings=settings_of(request))


@router.get("/drafts/{draft_id}/sample-files", response_model=list[SampleFile],
            summary="Files a draft can be previewed on",
            description="The files the dataset's runs read, newest first, one per content (at most 20): `sha256`, "
                        "`filename`, `bytes`, `used_at`, `params`.",
            responses=problems.responses(404, 422, 503))
def sample_files(request: Request, draft_id: Annotated[int, DRAFT_ID]) -> list[dict[str, Any]]:
    return api.draft_sample_files(draft_id, settings_of(request))


@router.get("/drafts/{draft_id}/preview", dependencies=EDIT, summary="Preview one step of a draft on its sample",
            description="Step `index` (0-based) of `layer` over the first `rows` rows of the draft's sample file: "
                        "rows and columns in and out, columns added and removed, cells changed, the table `before` "
                        "and `after` (20 rows each), the step's `error` when it cannot run (e.g. a missing column, "
                        "named before running), step-specific `help` (map_categories: `values` with counts, "
                        "`unmapped`, `coverage` %; type_cast: failures with examples; melt: columns taken, kept and "
                        "new) and every step's status. Only steps from the first changed one on are recomputed. "
                        "422 `edit-invalid` when the draft has no sample or the step does not exist.",
            responses={200: {"content": {"application/json": {}}}, **problems.responses(404, 422, 503)})
def preview_step(
    request: Request,
    draft_id: Annotated[int, DRAFT_ID],
    layer: Annotated[Layer, Query(description="The step's layer.")] = "bronze",
    index: Annotated[int, Query(ge=0, le=MAX_STEP_INDEX, description="The step's 0-based position.")] = 0,
    rows: Annotated[int, Query(ge=1, le=10_000, description="Sample rows read from the file.")] = 1000,
) -> JSONResponse:
    doc = api.preview_draft_step(draft_id, layer=layer, index=index, rows=rows, settings=settings_of(request))
    return JSONResponse(doc)


# --- review and publication ------------------------------------------------------------------------------------

@router.get("/drafts/{draft_id}/diff", response_class=PlainTextResponse,
            summary="The draft's YAML diff against the dataset's current version",
            description="A unified diff (`text/plain`), from `specs/<slug>.yaml (vigente)` to `(borrador)`; empty "
                        "when the draft changes nothing, every line added for a new dataset.",
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
                       **problems.responses(404, 422, 503)})
def draft_diff(request: Request, draft_id: Annotated[int, DRAFT_ID]) -> PlainTextResponse:
    return PlainTextResponse(api.draft_diff(draft_id, settings_of(request)))


@router.post("/drafts/{draft_id}/publish", response_model=PublishResult,
             dependencies=[Depends(require("publish_specs"))], summary="Publish a draft as the dataset's current spec",
             description="Validates the draft (the spec, and every step over the sample file when it has one), writes "
                         "`specs/<slug>.yaml` atomically and records it as the dataset's new current version: the "
                         "next run uses it. Answers the new `version`, `spec_hash`, `path`, the `diff` and `outcome`. "
                         "422 `draft-invalid` (with `step` or `details.problems`) when it does not validate; 409 "
                         "`draft-conflict` when `revision` is not the draft's or the dataset's version moved since "
                         "the draft was made (publish with `force` after reviewing the diff).",
             responses=problems.responses(404, 409, 422, 503))
def publish_draft(request: Request, draft_id: Annotated[int, DRAFT_ID], body: DraftPublication | None = None
                  ) -> PublishResult:
    body = body or DraftPublication()
    return api.publish_draft(draft_id, revision=body.revision, force=body.force, settings=settings_of(request))
