"""``/workbench/lineage/{slug}``: the lineage graph as JSON, or as JSON-LD (W3C PROV) when asked for."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from workbench.api import problems
from workbench.api.deps import require, settings_of
from workbench.engine import api

router = APIRouter(prefix="/workbench/lineage", tags=["lineage"], dependencies=[Depends(require("read"))])
JSONLD = "application/ld+json"


class LineageGraph(BaseModel):
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    runs: list[dict[str, Any]]


def wants_jsonld(accept: str | None) -> bool:
    """True when the Accept header names JSON-LD (with any parameters, e.g. a profile)."""
    return any(part.split(";")[0].strip().lower() == JSONLD for part in (accept or "").split(","))


@router.get("/{slug}", response_model=LineageGraph, summary="Lineage of a dataset (JSON, or JSON-LD by Accept)",
            responses={200: {"content": {JSONLD: {}}, "description": "nodes/edges/runs, or JSON-LD with "
                                                                     "`Accept: application/ld+json`"},
                       **problems.responses(404, 422, 503)})
def lineage(request: Request, slug: Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,62}$")],
            accept: Annotated[str | None, Header()] = None) -> JSONResponse:
    jsonld = wants_jsonld(accept)
    graph = api.lineage_graph(slug, fmt="jsonld" if jsonld else "json", settings=settings_of(request))
    return JSONResponse(graph, media_type=JSONLD if jsonld else "application/json", headers={"Vary": "Accept"})
