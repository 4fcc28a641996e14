"""``/workbench/datasets``: the catalogue (fast, cached under the store's change marker) and one dataset."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from workbench.api import problems
from workbench.api.deps import MAX_INT, require, settings_of
from workbench.engine import api

router = APIRouter(prefix="/workbench/datasets", tags=["datasets"], dependencies=[Depends(require("read"))])


class DatasetQuery(BaseModel):
    """The list's query parameters (one model: validated in one call, the list's hot path)."""

    model_config = ConfigDict(extra="ignore")

    q: str | None = Field(default=None, max_length=200, description="Text searched in slug, title and description.")
    sort: api.DatasetSort = Field(default="slug", description="Sort key; a leading '-' sorts descending.")
    limit: int = Field(default=50, ge=1, le=api.MAX_PAGE, description="Page size.")
    offset: int = Field(default=0, ge=0, le=MAX_INT, description="Datasets skipped before the page.")


SLUG = Path(pattern=r"^[a-z][a-z0-9_]{0,62}$", description="Dataset slug (the spec's file stem).")


def _query_parameters() -> list[dict[str, Any]]:
    """The model's fields as OpenAPI query parameters (the route validates them itself, see ``list_datasets``)."""
    schema = DatasetQuery.model_json_schema()
    return [{"name": name, "in": "query", "required": False, "schema": prop, "description": prop.get("description", "")}
            for name, prop in schema["properties"].items()]


def _parse_query(request: Request) -> DatasetQuery:
    try:
        return DatasetQuery.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in exc.errors()]) from None


@router.get("", response_model=api.DatasetPage, responses=problems.responses(422, 503),
            summary="List datasets with their last run", openapi_extra={"parameters": _query_parameters()})
async def list_datasets(request: Request) -> Response:
    """The hot path: its answers are cached by ``cache.StoreCachedGet`` (see ``app.CACHED_PATHS``); here,
    the query is validated in one model call (FastAPI's per-parameter machinery cost more than the query)."""
    query = _parse_query(request)
    page = await run_in_threadpool(api.list_datasets, settings_of(request), q=query.q, sort=query.sort,
                                   limit=query.limit, offset=query.offset)
    return Response(page.model_dump_json(), media_type="application/json")


@router.get("/{slug}", response_model=api.DatasetDetail, responses=problems.responses(404, 422, 503),
            summary="One dataset: spec, parameters, layers, expectations, recent runs")
def get_dataset(request: Request, slug: Annotated[str, SLUG]) -> api.DatasetDetail:
    return api.dataset_detail(slug, settings_of(request))


specs_router = APIRouter(prefix="/workbench/specs", tags=["datasets"], dependencies=[Depends(require("sync_specs"))])


class SyncReportModel(BaseModel):
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    deactivated: list[str]
    errors: dict[str, dict[str, Any]] = Field(description="Specs that did not load, with their located error.")


@specs_router.post("/sync", response_model=SyncReportModel, responses=problems.responses(503),
                   summary="Load the specs folder into the store (admins): new versions, deactivated datasets")
def sync_specs(request: Request) -> SyncReportModel:
    return SyncReportModel(**api.sync_specs(settings_of(request)).to_dict())
