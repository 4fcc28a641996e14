"""``/workbench/backfills``: run one dataset over many server-side files; follow, cancel, resume."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from workbench.api import problems
from workbench.api.deps import MAX_INT, current_principal, require, settings_of
from workbench.engine import api
from workbench.engine.api import BackfillPublic, Principal

router = APIRouter(prefix="/workbench/backfills", tags=["backfills"], dependencies=[Depends(require("read"))])
BACKFILL_ID = Path(ge=1, le=MAX_INT, description="Backfill id.")
#: A run parameter's whole-number value fits the store's integers.
ParamValue = str | Annotated[int, Field(ge=-MAX_INT, le=MAX_INT)]


class BackfillRequest(BaseModel):
    dataset: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$", description="Dataset slug.")
    files: str = Field(min_length=1, max_length=1000, description="A directory or a glob pattern on the server, under the incoming folder (`WORKBENCH_INCOMING_DIR`, default <data_dir>/incoming) or `examples/`; relative paths start at the product's folder.")
    params: dict[str, ParamValue] = Field(default_factory=dict, description="Parameters for every file.")
    param_from_filename: str | None = Field(default=None, max_length=1000, description=r"Named groups, e.g. (?P<anio>\d{4}).")
    force: bool = Field(default=False, description="Also run files already run with the same spec and parameters.")


@router.post("", status_code=202, response_model=BackfillPublic, summary="Start a backfill",
             dependencies=[Depends(require("backfill"))],
             responses=problems.responses(404, 422, 503))
def start_backfill(request: Request, body: BackfillRequest,
                   principal: Annotated[Principal, Depends(current_principal)]) -> Response:
    settings = settings_of(request)
    files = api.backfill_files(body.files, settings)  # only under the incoming folder or examples/
    result = api.start_backfill(body.dataset, files, params=dict(body.params),
                                param_from_filename=body.param_from_filename, force=body.force,
                                triggered_by=principal.name, settings=settings)
    return Response(result.model_dump_json(), status_code=202, media_type="application/json",
                    headers={"Location": f"/workbench/backfills/{result.id}"})


@router.get("/{backfill_id}", response_model=BackfillPublic, summary="A backfill's status and progress",
            responses=problems.responses(404, 422, 503))
def backfill_status(request: Request, backfill_id: Annotated[int, BACKFILL_ID]) -> BackfillPublic:
    return api.backfill_status(backfill_id, settings_of(request))


@router.post("/{backfill_id}/cancel", response_model=BackfillPublic, summary="Cancel the runs not started yet",
             dependencies=[Depends(require("backfill"))],
             responses=problems.responses(404, 422, 503))
def cancel_backfill(request: Request, backfill_id: Annotated[int, BACKFILL_ID]) -> BackfillPublic:
    return api.cancel_backfill(backfill_id, settings_of(request))


@router.post("/{backfill_id}/resume", response_model=BackfillPublic, summary="Queue again the failed files",
             dependencies=[Depends(require("backfill"))],
             responses=problems.responses(404, 422, 503))
def resume_backfill(request: Request, backfill_id: Annotated[int, BACKFILL_ID]) -> BackfillPublic:
    return api.resume_backfill(backfill_id, settings_of(request))
