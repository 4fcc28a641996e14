"""``/workbench/health``: each dependency's state; 503 when the database (without which nothing works) is down.
Public on purpose (load balancers and probes call it without credentials); it names no secrets."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from workbench.api.deps import settings_of
from workbench.engine import catalog

router = APIRouter(prefix="/workbench", tags=["health"])


class HealthReport(BaseModel):
    status: Literal["ok", "degraded", "down"]
    checks: dict[str, dict[str, Any]]


@router.get("/health", response_model=HealthReport, summary="Database, Redis and workers",
            responses={503: {"model": HealthReport, "description": "The database is down"}})
async def health(request: Request) -> JSONResponse:
    checks = await run_in_threadpool(catalog.health, settings_of(request))
    if checks["database"]["status"] != "ok":
        status = "down"
    elif all(c["status"] == "ok" for c in checks.values()):
        status = "ok"
    else:
        status = "degraded"
    report = HealthReport(status=status, checks=checks)
    return JSONResponse(report.model_dump(mode="json"), status_code=503 if status == "down" else 200)
