"""``/workbench/health``: each dependency's state and check time; 503 when a required one is down.

Required means nothing useful works without it: the database (sign-in, every list, every run record). Redis, the
workers and the disk are reported but answer 200 ``degraded`` when down, low or missing: previews and reads still
work, runs are refused with their own 503 (``redis-unavailable``) or wait for a worker, uploads get 507 when the
disk is full. A load balancer that takes a server out on 503 thus keeps serving what still works.
Public on purpose (load balancers and probes call it without credentials); it names no host, path or secret,
and only a signed-in caller also gets the workers' names and the free disk space.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from workbench.api.deps import optional_principal, settings_of
from workbench.api.problems import RETRY_AFTER_UNAVAILABLE_S
from workbench.engine import api
from workbench.engine.api import WorkbenchError

router = APIRouter(prefix="/workbench", tags=["health"])

#: Details shown only to signed-in callers: (check, key).
DETAILS = (("workers", "names"), ("disk", "free_bytes"))
#: Dependencies without which the product cannot serve anything useful: down -> 503.
REQUIRED = ("database",)


class HealthReport(BaseModel):
    status: Literal["ok", "degraded", "down"]
    checks: dict[str, dict[str, Any]]


def overall(checks: dict[str, dict[str, Any]]) -> Literal["ok", "degraded", "down"]:
    if any(checks[name]["status"] != "ok" for name in REQUIRED):
        return "down"
    return "ok" if all(c["status"] == "ok" for c in checks.values()) else "degraded"


@router.get("/health", response_model=HealthReport, summary="Database, Redis, workers, queues, disk and storage",
            responses={503: {"model": HealthReport, "description": "The database is down"}})
async def health(request: Request) -> JSONResponse:
    checks = await run_in_threadpool(api.health, settings_of(request))
    database_up = checks.get("database", {}).get("status") == "ok"  # else credentials cannot be checked anyway
    if not (database_up and await _signed_in(request)):
        for check, key in DETAILS:
            checks.get(check, {}).pop(key, None)
    report = HealthReport(status=overall(checks), checks=checks)
    down = report.status == "down"
    return JSONResponse(report.model_dump(mode="json"), status_code=503 if down else 200,
                        headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE_S), "Cache-Control": "no-store"} if down
                        else {"Cache-Control": "no-store"})


async def _signed_in(request: Request) -> bool:
    """Whether the caller sent valid credentials (probes send none: no store lookup for them)."""
    if not (request.headers.get("authorization") or request.cookies):
        return False
    try:
        return await optional_principal(request) is not None
    except WorkbenchError:  # the store is down: answer as to anyone
        return False
