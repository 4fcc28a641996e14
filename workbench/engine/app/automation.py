"""Automation as users operate it: each automated dataset's schedule (next fires, last result, paused), pausing
and resuming, a run started now, the inbox's files and what became of each, and recent failures (the banner).
The scheduler itself is ``app/scheduler.py``; the spec's section is ``core/spec/automation.py``."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from workbench.engine.app.access import requires
from workbench.engine.app.runs import current_user
from workbench.engine.app.scheduler import PROCESSED_DIR, automated_specs, inbox_folder
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.schedule import NEXT_FIRES, next_fires
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.models import Spec
from workbench.engine.infra.leader import LeaderLease
from workbench.engine.infra.queue import QUEUE_FAILURES
from workbench.engine.infra.redis_conn import get_redis
from workbench.engine.store import automation as store
from workbench.engine.store.automation import TriggerPublic
from workbench.engine.store.db import read_scope, session_scope
from workbench.engine.store.prepare import prepare_store

#: Triggers listed per dataset, and inbox files listed.
MAX_TRIGGERS = 200
MAX_LISTED_FILES = 200
#: How long an automated failure stays in the Automatización page's banner (and the API's ``alerts``), seconds.
ALERT_SHOWN_S = 24 * 3600


class AutomationNotFoundError(WorkbenchError):
    code = "automation-not-found"
    kind = "not-found"
    title = "No automation for this dataset"
    template = "dataset {slug} has no `automation` section in its spec"
    template_es = "el conjunto {slug} no tiene una sección `automation` en su especificación"


class ScheduleInfo(BaseModel):
    """One automated dataset as ``workbench schedules list`` and the Automatización page show it."""

    dataset: str
    title: str
    cron: str | None
    timezone: str | None
    catchup: str | None
    next_fires: list[datetime]
    paused: bool
    inbox: str | None  # the inbox folder, relative to the data directory when inside it
    max_active_runs: int
    active: int
    last_result: TriggerPublic | None


class InboxFile(BaseModel):
    name: str
    size: int
    modified: datetime
    status: str  # waiting (not taken yet) or the status of its trigger
    message: str = ""
    run_id: int | None = None


class InboxView(BaseModel):
    dataset: str
    folder: str
    files: list[InboxFile]
    history: list[TriggerPublic]


def _spec(slug: str, settings: Settings) -> Spec:
    specs = automated_specs(settings)
    if slug not in specs:
        raise AutomationNotFoundError(slug=slug)
    return specs[slug]


def _shown(path: Path, settings: Settings) -> str:
    try:
        return str(path.resolve().relative_to(Path(settings.data_dir).resolve()))
    except ValueError:
        return str(path)


@requires("read")
def list_schedules(settings: Settings | None = None, *, now: datetime | None = None) -> list[ScheduleInfo]:
    """Every dataset with automation, sorted by slug."""
    settings = settings or get_settings()
    url = prepare_store(settings)
    now = now or datetime.now(timezone.utc)
    specs = automated_specs(settings)
    out = []
    with read_scope(url) as session:
        states = store.all_states(session=session)
        for slug, spec in sorted(specs.items()):
            automation = spec.automation
            assert automation is not None
            schedule, state = automation.schedule, states.get(slug)
            fires: list[datetime] = []
            if schedule is not None:
                start = state.next_fire_at if state and state.cron == schedule.cron \
                    and state.timezone == schedule.timezone and state.next_fire_at else None
                fires = ([start] if start else []) + next_fires(schedule.cron, schedule.timezone, start or now,
                                                                NEXT_FIRES - (1 if start else 0))
            inbox = None
            if automation.inbox is not None:
                try:
                    inbox = _shown(inbox_folder(slug, spec, settings), settings)
                except WorkbenchError as exc:
                    inbox = f"({exc.message})"
            out.append(ScheduleInfo(
                dataset=slug, title=spec.dataset.title, cron=schedule.cron if schedule else None,
                timezone=schedule.timezone if schedule else None, catchup=schedule.catchup if schedule else None,
                next_fires=fires, paused=bool(state and state.paused), inbox=inbox,
                max_active_runs=automation.max_active_runs, active=store.active_count(slug, session=session),
                last_result=store.last_outcome(slug, session=session)))
    return out


def _set_paused(slug: str, paused: bool, settings: Settings | None) -> ScheduleInfo:
    settings = settings or get_settings()
    spec = _spec(slug, settings)
    url = prepare_store(settings)
    schedule = spec.automation.schedule  # type: ignore[union-attr]
    with session_scope(url) as session:
        if store.get_state(slug, session=session) is None:  # never seen by a scheduler yet
            store.save_state(slug, session=session, cron=schedule.cron if schedule else "",
                             timezone=schedule.timezone if schedule else "UTC", next_fire_at=None)
        store.save_state(slug, session=session, paused=paused, paused_by=current_user(settings) if paused else "")
    return next(s for s in list_schedules(settings) if s.dataset == slug)


@requires("backfill")
def pause_schedule(slug: str, settings: Settings | None = None) -> ScheduleInfo:
    """Pause a dataset's automation: its fires are recorded as skipped, its inbox is left alone."""
    return _set_paused(slug, True, settings)


@requires("backfill")
def resume_schedule(slug: str, settings: Settings | None = None) -> ScheduleInfo:
    """Resume: the next fire runs; fires of the pause are not replayed; files waiting in the inbox are taken."""
    return _set_paused(slug, False, settings)


@requires("backfill")
def run_now(slug: str, settings: Settings | None = None) -> TriggerPublic:
    """Record a run of the dataset's newest matching file, started by the scheduler at its next tick (as a
    trigger like any fire, so ``max_active_runs`` holds)."""
    settings = settings or get_settings()
    _spec(slug, settings)
    url = prepare_store(settings)
    stamp = datetime.now(timezone.utc)
    key = f"manual:{slug}:{stamp.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"
    with session_scope(url) as session:
        tid = store.insert_trigger(session=session, key=key, dataset_slug=slug, kind="manual", status="pending",
                                   message=f"started by {current_user(settings)}")
        found = store.get_trigger(tid, session=session) if tid else store.find_by_key(key, session=session)
    assert found is not None
    return found


@requires("read")
def automation_triggers(settings: Settings | None = None, *, dataset: str | None = None,
                        limit: int = 50) -> list[TriggerPublic]:
    """Triggers newest first (fires, inbox files, runs started by hand) with what became of each."""
    url = prepare_store(settings)
    with read_scope(url) as session:
        return store.triggers(session=session, slug=dataset, limit=max(1, min(limit, MAX_TRIGGERS)))


@requires("read")
def automation_alerts(settings: Settings | None = None, *, limit: int = 10,
                      now: datetime | None = None) -> list[TriggerPublic]:
    """Automated failures that alerted within ``ALERT_SHOWN_S`` (the page's banner), newest first."""
    url = prepare_store(settings)
    since = (now or datetime.now(timezone.utc)) - timedelta(seconds=ALERT_SHOWN_S)
    with read_scope(url) as session:
        found = store.triggers(session=session, statuses=("failed", "succeeded"), limit=MAX_TRIGGERS)
    return [t for t in found if t.alerted_at is not None and t.alerted_at >= since][:limit]


@requires("read")
def inbox_contents(slug: str, settings: Settings | None = None) -> InboxView:
    """The inbox's files now (each with what became of it, or ``waiting``) and its recent history."""
    settings = settings or get_settings()
    spec = _spec(slug, settings)
    if spec.automation.inbox is None:  # type: ignore[union-attr]
        raise AutomationNotFoundError(slug=slug)
    folder = inbox_folder(slug, spec, settings)
    url = prepare_store(settings)
    entries: list[tuple[str, int, int, float]] = []
    if folder.is_dir():
        with os.scandir(folder) as found:
            for entry in found:
                if len(entries) >= MAX_LISTED_FILES:
                    break
                if not entry.name.startswith(".") and entry.is_file(follow_symlinks=False):
                    info = entry.stat(follow_symlinks=False)
                    entries.append((entry.name, info.st_size, info.st_mtime_ns, info.st_mtime))
    keys = {f"{size}:{mtime_ns}:{name}": name for name, size, mtime_ns, _ in entries}
    with read_scope(url) as session:
        history = [t for t in store.triggers(session=session, slug=slug, limit=MAX_TRIGGERS) if t.kind == "inbox"]
    by_key: dict[str, Any] = {}
    for trigger in history:
        file_key = trigger.file_key
        if file_key in keys and file_key not in by_key:
            by_key[file_key] = trigger
    files = []
    for name, size, mtime_ns, mtime in sorted(entries, key=lambda e: -e[3]):
        trigger = by_key.get(f"{size}:{mtime_ns}:{name}")
        files.append(InboxFile(name=name, size=size, modified=datetime.fromtimestamp(mtime, timezone.utc),
                               status=trigger.status if trigger else "waiting",
                               message=trigger.message if trigger else "",
                               run_id=trigger.run_id if trigger else None))
    return InboxView(dataset=slug, folder=_shown(folder, settings), files=files, history=history[:50])


@requires("read")
def scheduler_leader(settings: Settings | None = None) -> dict[str, Any] | None:
    """Which scheduler leads now (name, pid, host), or None: no scheduler is running."""
    try:
        return LeaderLease.holder(get_redis(settings or get_settings()))
    except QUEUE_FAILURES:
        return None


__all__ = ["AutomationNotFoundError", "InboxFile", "InboxView", "PROCESSED_DIR", "ScheduleInfo",
           "automation_alerts", "automation_triggers", "inbox_contents", "list_schedules", "pause_schedule",
           "resume_schedule", "run_now", "scheduler_leader"]
