"""``/workbench/automation``: automated datasets (schedules and inboxes): next fires, last results, pause/resume,
run now, inbox contents and triggers (see docs/automation.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from workbench.api import problems
from workbench.api.deps import require, settings_of
from workbench.engine import api
from workbench.engine.api import InboxView, ScheduleInfo, TriggerPublic

router = APIRouter(prefix="/workbench/automation", tags=["automation"], dependencies=[Depends(require("read"))])
SLUG = Path(pattern=r"^[a-z][a-z0-9_]{1,62}$", description="Dataset slug.")


class AutomationOverview(BaseModel):
    schedules: list[ScheduleInfo]
    leader: dict[str, Any] | None  # the scheduler leading now (name, pid, host); null: no scheduler runs
    alerts: list[TriggerPublic]  # failures still unresolved (the page's banner)


@router.get("", response_model=AutomationOverview, summary="Automated datasets, the scheduler and open alerts",
            responses=problems.responses(503))
def overview(request: Request) -> AutomationOverview:
    settings = settings_of(request)
    return AutomationOverview(schedules=api.list_schedules(settings), leader=api.scheduler_leader(settings),
                              alerts=api.automation_alerts(settings))


@router.get("/triggers", response_model=list[TriggerPublic], summary="Fires, inbox files and manual runs, newest first",
            responses=problems.responses(422, 503))
def triggers(request: Request,
             dataset: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{1,62}$")] = None,
             limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[TriggerPublic]:
    return api.automation_triggers(settings_of(request), dataset=dataset, limit=limit)


@router.get("/{slug}/inbox", response_model=InboxView, summary="A dataset's inbox files and what became of each",
            responses=problems.responses(404, 422, 503))
def inbox(request: Request, slug: Annotated[str, SLUG]) -> InboxView:
    return api.inbox_contents(slug, settings_of(request))


@router.post("/{slug}/pause", response_model=ScheduleInfo, summary="Pause a dataset's automation",
             dependencies=[Depends(require("backfill"))], responses=problems.responses(404, 422, 503))
def pause(request: Request, slug: Annotated[str, SLUG]) -> ScheduleInfo:
    return api.pause_schedule(slug, settings_of(request))


@router.post("/{slug}/resume", response_model=ScheduleInfo, summary="Resume a dataset's automation",
             dependencies=[Depends(require("backfill"))], responses=problems.responses(404, 422, 503))
def resume(request: Request, slug: Annotated[str, SLUG]) -> ScheduleInfo:
    return api.resume_schedule(slug, settings_of(request))


@router.post("/{slug}/run-now", status_code=202, response_model=TriggerPublic, summary="Run the newest file now",
             dependencies=[Depends(require("backfill"))], responses=problems.responses(404, 422, 503))
def run_now(request: Request, slug: Annotated[str, SLUG]) -> TriggerPublic:
    return api.run_now(slug, settings_of(request))
