"""The scheduler: one process (``workbench scheduler``, or under ``workbench serve``) that, every tick, as the
leader only (a Redis lease, ``infra.leader``):

1. **schedules**: compares each scheduled dataset's stored due time with the clock; due fires are recorded as
   triggers with the deterministic key ``schedule:<slug>:<fire time>`` (unique in the store), older ones than
   the grace are missed and the schedule's ``catchup`` decides which run; the stored due time moves on by
   compare-and-set, so two schedulers never record a fire twice;
2. **inboxes**: polls each inbox folder (works on NFS/CIFS, where file events are not delivered); a file is taken
   once its size and modification time stayed unchanged ``stable_seconds``, kept in the RAW store and recorded
   by content (``inbox:<slug>:<sha256>``): the same content again is recorded as a duplicate, never run;
3. **dispatch**: queues pending triggers as RQ jobs (``automation_job``, job id from the trigger key, RQ's unique
   job) while the dataset has fewer than ``max_active_runs`` automated runs queued or running;
4. **follow-up**: triggers whose run ended are closed, and a failure (or failed QA) alerts once.

The clock is injected (``clock``): tests move it by hours without sleeping.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from workbench.engine.app import alerts, drift, publication, tasks
from workbench.engine.app.access import requires
from workbench.engine.app.runs import register_run
from workbench.engine.core.backfill_paths import EXAMPLES_DIR, NoFilesError, inside, list_files, refuse
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.inputs import read_input
from workbench.engine.core.schedule import due_fires, fire_key, job_id_of, next_fires, plan_fires
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.loader import find_spec, load_all, parse_spec
from workbench.engine.core.spec.models import Spec
from workbench.engine.infra import events as ev
from workbench.engine.infra import queue as rq_queue
from workbench.engine.infra.events import EventStream
from workbench.engine.infra.leader import LeaderLease
from workbench.engine.infra.queue import QUEUE_FAILURES
from workbench.engine.infra.redis_conn import get_redis
from workbench.engine.store import automation as store
from workbench.engine.store import runs as run_store
from workbench.engine.store.db import read_scope, session_scope
from workbench.engine.store.files import RawFileStore
from workbench.engine.store.prepare import prepare_store

log = logging.getLogger(__name__)

#: The job function of a trigger, by name (RQ stores it; the worker imports it).
AUTOMATION_JOB = "workbench.engine.app.scheduler.automation_job"
#: Most files one inbox poll looks at (the rest wait for the next polls).
MAX_INBOX_FILES = 1000
#: Where taken files go when the inbox says ``move_processed``.
PROCESSED_DIR = "processed"
#: Pending triggers one tick may dispatch.
MAX_DISPATCH = 200


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


# --- where an automation reads --------------------------------------------------------------------------


def inbox_folder(slug: str, spec: Spec, settings: Settings) -> Path:
    """The inbox: ``folder`` (relative to the data directory) or ``<incoming>/<slug>``; always under the incoming
    folder (``WORKBENCH_INCOMING_DIR``, default ``<data_dir>/incoming``), links resolved."""
    root = Path(settings.incoming).resolve()
    given = spec.automation.inbox.folder if spec.automation and spec.automation.inbox else None
    folder = Path(given) if given else Path(settings.incoming) / slug
    if not folder.is_absolute():
        folder = Path(settings.data_dir) / folder
    if not inside(folder, [root]):
        raise refuse(str(given or folder))
    return folder


def files_pattern(slug: str, spec: Spec, settings: Settings) -> str:
    """The glob a scheduled (or run-now) run takes its file from: the schedule's ``files``, else the inbox."""
    automation = spec.automation
    if automation and automation.schedule:
        given = automation.schedule.files
        return given if Path(given).is_absolute() else str(Path(settings.data_dir) / given)
    return str(inbox_folder(slug, spec, settings) / "*")


def allowed_roots(settings: Settings) -> list[Path]:
    return [Path(settings.incoming).resolve(), EXAMPLES_DIR.resolve()]


def automated_specs(settings: Settings) -> dict[str, Spec]:
    """Specs with an ``automation`` section (specs that do not load are left out, as everywhere)."""
    good, _ = load_all(settings.specs_dir)
    return {slug: spec for slug, spec in good.items() if spec.automation is not None}


def file_key(entry: os.DirEntry | Path, size: int, mtime_ns: int) -> str:
    """One version of an inbox file: its name, size and modification time."""
    return f"{size}:{mtime_ns}:{entry.name}"


def _short(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


# --- the scheduler -------------------------------------------------------------------------------------


@dataclass
class Seen:
    size: int
    mtime_ns: int
    since: datetime


@dataclass
class Scheduler:
    """One scheduler process's state: the lease and what the inbox polls saw (a new leader looks again)."""

    settings: Settings
    clock: Callable[[], datetime] = utc_now
    name: str = ""
    seen: dict[tuple[str, str], Seen] = field(default_factory=dict)
    leading: bool = False

    def __post_init__(self) -> None:
        self.url = prepare_store(self.settings)
        self.lease = LeaderLease(get_redis(self.settings), lease_s=self.settings.scheduler_lease_s, name=self.name)
        self.bus = EventStream(get_redis(self.settings), maxlen=self.settings.events_maxlen)

    def tick(self) -> bool:
        """One round; True when this scheduler led it. Never raises for a dataset's problem (logged)."""
        now = self.clock()
        try:
            leading = self.lease.hold()
        except QUEUE_FAILURES as exc:
            log.warning("scheduler: Redis unreachable, not leading: %s", str(exc) or type(exc).__name__)
            leading = False
        if leading != self.leading:
            log.warning("scheduler %s %s", self.name or os.getpid(), "leads" if leading else "no longer leads")
            self.leading = leading
        if not leading:
            return False
        specs = automated_specs(self.settings)
        with read_scope(self.url) as session:
            states = store.all_states(session=session)
        for slug, spec in specs.items():
            for part in (self._schedule, self._inbox):
                try:
                    part(slug, spec, states.get(slug), now)
                except WorkbenchError as exc:
                    log.warning("automation of %s: %s", slug, exc.message)
                except Exception:  # a bug must not stop the other datasets' automation
                    log.exception("automation of %s failed", slug)
        for step in (self._dispatch, self._follow_up):
            try:
                step(specs)
            except WorkbenchError as exc:
                log.warning("scheduler: %s", exc.message)
        return True

    def stop(self) -> None:
        self.lease.release()

    # --- schedules ---------------------------------------------------------------------------------------

    def _schedule(self, slug: str, spec: Spec, state: Any, now: datetime) -> None:
        schedule = spec.automation.schedule  # type: ignore[union-attr]
        if schedule is None:
            return
        if state is None or state.cron != schedule.cron or state.timezone != schedule.timezone \
                or state.next_fire_at is None:
            first = next_fires(schedule.cron, schedule.timezone, now, 1)[0]
            with session_scope(self.url) as session:
                store.save_state(slug, session=session, cron=schedule.cron, timezone=schedule.timezone,
                                 next_fire_at=first)
            return
        if state.next_fire_at > now:
            return
        # the stored due time is authoritative (an operator or an older cron may have set it), then the cron's
        due = [state.next_fire_at, *due_fires(schedule.cron, schedule.timezone, state.next_fire_at, now)]
        following = next_fires(schedule.cron, schedule.timezone, now, 1)[0]
        plan = plan_fires(due, now, catchup=schedule.catchup, grace_s=self.settings.scheduler_grace_s)
        published = []
        with session_scope(self.url) as session:
            if not store.advance(slug, expected=state.next_fire_at, next_fire_at=following, session=session):
                return  # another scheduler recorded these fires
            for fire in plan.missed:
                why = "missed: no scheduler was running (catchup: %s)" % schedule.catchup
                if store.insert_trigger(session=session, key=fire_key(slug, fire), dataset_slug=slug,
                                        kind="schedule", fire_at=fire, status="missed", message=why):
                    published.append((ev.AUTOMATION_SKIPPED, fire, why))
            for fire in plan.run:
                if state.paused:
                    why = "skipped: the schedule is paused"
                    if store.insert_trigger(session=session, key=fire_key(slug, fire), dataset_slug=slug,
                                            kind="schedule", fire_at=fire, status="skipped", message=why):
                        published.append((ev.AUTOMATION_SKIPPED, fire, why))
                else:
                    store.insert_trigger(session=session, key=fire_key(slug, fire), dataset_slug=slug,
                                         kind="schedule", fire_at=fire, status="pending")
        for kind, fire, why in published:
            self.bus.publish(kind, dataset=slug, key=fire_key(slug, fire), fire_at=fire.isoformat(), reason=why)

    # --- inboxes -----------------------------------------------------------------------------------------

    def _inbox(self, slug: str, spec: Spec, state: Any, now: datetime) -> None:
        inbox = spec.automation.inbox  # type: ignore[union-attr]
        if inbox is None or (state is not None and state.paused):
            return
        folder = inbox_folder(slug, spec, self.settings)
        folder.mkdir(parents=True, exist_ok=True, mode=0o750)
        stable: list[tuple[Path, str]] = []
        present = set()
        with os.scandir(folder) as entries:
            for n, entry in enumerate(entries):
                if n >= MAX_INBOX_FILES:
                    break
                if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                    continue
                info = entry.stat(follow_symlinks=False)
                present.add(entry.name)
                seen = self.seen.get((slug, entry.name))
                if seen is None or (seen.size, seen.mtime_ns) != (info.st_size, info.st_mtime_ns):
                    self.seen[(slug, entry.name)] = Seen(info.st_size, info.st_mtime_ns, now)
                    if inbox.stable_seconds > 0:
                        continue
                    seen = self.seen[(slug, entry.name)]
                if (now - seen.since).total_seconds() >= inbox.stable_seconds:
                    stable.append((Path(entry.path), file_key(entry, info.st_size, info.st_mtime_ns)))
        for key in [k for k in self.seen if k[0] == slug and k[1] not in present]:
            del self.seen[key]
        if not stable:
            return
        with read_scope(self.url) as session:
            done = store.seen_file_keys(slug, [k for _, k in stable], session=session)
        for path, key in stable:
            if key not in done:
                self._take(slug, path, key, inbox.move_processed)

    def _take(self, slug: str, path: Path, key: str, move: bool) -> None:
        """Record one stable inbox file: taken (pending), a duplicate of content already taken, or unreadable."""
        try:
            data = read_input(path, max_bytes=self.settings.max_upload_bytes)
        except WorkbenchError as exc:
            with session_scope(self.url) as session:
                tid = store.insert_trigger(session=session, key=f"inbox-error:{slug}:{_short(key)}", dataset_slug=slug,
                                           kind="inbox", file_name=path.name, file_key=key, status="failed",
                                           message=exc.message, error=exc.to_dict())
            if tid is not None:
                self._alert_trigger(tid, spec_alerts(self.settings, slug))
            return
        sha, _, _ = RawFileStore(self.settings).put(data)
        with session_scope(self.url) as session:
            tid = None
            if sha not in store.taken_shas(slug, session=session):
                tid = store.insert_trigger(session=session, key=f"inbox:{slug}:{sha}", dataset_slug=slug, kind="inbox",
                                           file_name=path.name, file_key=key, sha256=sha, status="pending")
            if tid is None:
                first = store.find_by_key(f"inbox:{slug}:{sha}", session=session)
                why = f"duplicate: the same content as {first.file_name if first else 'an earlier file'} already ran"
                store.insert_trigger(session=session, key=f"inbox-dup:{slug}:{sha[:16]}:{_short(key)}",
                                     dataset_slug=slug, kind="inbox", file_name=path.name, file_key=key, sha256=sha,
                                     status="duplicate", message=why, run_id=first.run_id if first else None)
        if tid is None:
            self.bus.publish(ev.AUTOMATION_DUPLICATE, dataset=slug, file=path.name, sha256=sha, reason=why)
            log.warning("inbox of %s: %s is a duplicate (%s)", slug, path.name, sha[:12])
        if move:
            _move_processed(path)

    # --- dispatch and follow-up ----------------------------------------------------------------------------

    def _dispatch(self, specs: dict[str, Spec]) -> None:
        with read_scope(self.url) as session:
            pending = store.triggers(session=session, statuses=("pending",), limit=MAX_DISPATCH, oldest_first=True)
        for trigger in pending:
            spec = specs.get(trigger.dataset_slug)
            if spec is None:
                with session_scope(self.url) as session:
                    store.update_trigger(trigger.id, session=session, only_if=("pending",), status="skipped",
                                         message="skipped: the dataset's spec has no automation any more")
                continue
            with read_scope(self.url) as session:
                active = store.active_count(trigger.dataset_slug, session=session)
            if active >= spec.automation.max_active_runs:  # type: ignore[union-attr]
                continue
            dispatch(trigger, self.settings, self.bus)

    def _follow_up(self, specs: dict[str, Spec]) -> None:
        """Close triggers whose run ended (their job may have died before it could), and put back on the
        queue the queued triggers whose job Redis lost."""
        with read_scope(self.url) as session:
            active = store.triggers(session=session, statuses=("queued", "running"), limit=MAX_DISPATCH)
            ended = {}
            for trigger in active:
                if trigger.run_id is not None:
                    run = run_store.get_run(trigger.run_id, session=session)
                    if run is not None and run.status in ("succeeded", "failed", "cancelled"):
                        ended[trigger.id] = run
        for trigger in active:
            if trigger.id in ended:
                finish(trigger.id, ended[trigger.id], self.settings, self.bus)
            elif trigger.run_id is None:
                self._job_gone(trigger)

    def _job_gone(self, trigger: Any) -> None:
        """A trigger without a run whose job is gone: queued again when it never started (Redis lost it); failed,
        with one alert, when its job stopped before recording a run (a killed worker, a bug)."""
        try:
            job, status = rq_queue.job_state(job_id_of(trigger.key), self.settings)
        except QUEUE_FAILURES:
            return
        if status is not None and status not in ("failed", "stopped", "canceled"):
            return
        if job is not None:
            job.delete()  # a dead job keeps its id: RQ's unique enqueue would refuse the next one
        with session_scope(self.url) as session:
            if trigger.status == "queued":
                store.update_trigger(trigger.id, session=session, only_if=("queued",), status="pending")
                return
            failed = store.update_trigger(trigger.id, session=session, only_if=("running",), status="failed",
                                          message="its job stopped before a run was recorded (worker killed?)")
        if failed:
            self._alert_trigger(trigger.id, spec_alerts(self.settings, trigger.dataset_slug))

    def _alert_trigger(self, trigger_id: int, enabled: bool) -> None:
        alert(trigger_id, self.settings, self.bus, webhooks=enabled)


def spec_alerts(settings: Settings, slug: str) -> bool:
    """Whether the dataset's automation alerts on failure (``on_failure: alert``)."""
    try:
        spec = parse_spec(find_spec(slug, settings.specs_dir, slug_only=True).read_text(encoding="utf-8"), f"{slug}.yaml")
    except WorkbenchError:
        return True
    return spec.automation is None or spec.automation.on_failure == "alert"


def _move_processed(path: Path) -> None:
    target_dir = path.parent / PROCESSED_DIR
    try:
        target_dir.mkdir(exist_ok=True, mode=0o750)
        target = target_dir / path.name
        n = 1
        while target.exists():
            target = target_dir / f"{path.stem}.{n}{path.suffix}"
            n += 1
        os.replace(path, target)
    except OSError as exc:
        log.warning("inbox: %s not moved to %s/: %s", path.name, PROCESSED_DIR, exc)


def dispatch(trigger: Any, settings: Settings, bus: EventStream) -> bool:
    """Queue one pending trigger's job (RQ job id from its key, unique); back to pending when Redis refuses."""
    url = settings.db_url
    with session_scope(url) as session:
        if not store.update_trigger(trigger.id, session=session, only_if=("pending",), status="queued"):
            return False
    try:
        rq_queue.enqueue(AUTOMATION_JOB, args=(trigger.id,), job_id=job_id_of(trigger.key), description=trigger.key,
                         queue_name="runs", settings=settings, unique=True)
    except QUEUE_FAILURES as exc:
        log.warning("trigger %s not queued (%s); tried again at the next tick", trigger.key, str(exc) or type(exc).__name__)
        with session_scope(url) as session:
            store.update_trigger(trigger.id, session=session, only_if=("queued",), status="pending")
        return False
    bus.publish(ev.AUTOMATION_FIRED, dataset=trigger.dataset_slug, key=trigger.key, kind=trigger.kind,
                file=trigger.file_name or None, fire_at=trigger.fire_at.isoformat() if trigger.fire_at else None)
    return True


def finish(trigger_id: int, run: Any, settings: Settings, bus: EventStream) -> None:
    """Close a trigger from its ended run (once: the status moves only from queued/running); alert on failure."""
    ok = run.status == "succeeded"
    qa_failed = ok and run.qa_status == "failed"
    if not ok:
        error = run.error or {}
        message = error.get("message") or f"the run ended {run.status}"
    elif qa_failed:
        message = "QA failed: " + ", ".join(r["id"] for r in (run.qa or {}).get("results", [])
                                          if not r.get("success") and r.get("severity", "error") == "error")
    else:
        message = f"run {run.id} succeeded"
    with session_scope(settings.db_url) as session:
        closed = store.update_trigger(trigger_id, session=session, only_if=("queued", "running"),
                                      status="succeeded" if ok else "failed", run_id=run.id, message=message,
                                      error=None if ok else run.error)
    if closed and (not ok or qa_failed):
        alert(trigger_id, settings, bus, webhooks=spec_alerts(settings, run.dataset_slug))


def alert(trigger_id: int, settings: Settings, bus: EventStream, *, webhooks: bool = True) -> None:
    """A failed automated run, failed QA or unreadable file: one ``automation.failed`` event and (with
    ``on_failure: alert``) one webhook call, naming the dataset, the file and the reason."""
    with session_scope(settings.db_url) as session:
        if not store.mark_alerted(trigger_id, session=session):
            return
        trigger = store.get_trigger(trigger_id, session=session)
    assert trigger is not None
    payload = {"dataset": trigger.dataset_slug, "file": trigger.file_name or None, "reason": trigger.message,
               "run_id": trigger.run_id, "trigger": trigger.key, "kind": trigger.kind,
               "code": (trigger.error or {}).get("code")}
    if (trigger.error or {}).get("drift"):  # a file that drifted: the report and the spec patch that fixes it
        payload["drift"] = trigger.error["drift"]
    bus.publish(ev.AUTOMATION_FAILED, **payload)
    if webhooks:
        alerts.notify("automation.failed", payload, settings)


# --- the job ----------------------------------------------------------------------------------------------


def automation_job(trigger_id: int) -> dict[str, Any]:
    """Job: run one trigger: take its file (an inbox file's stored bytes, or the newest matching file for a
    fire), record the run and execute it here; the trigger ends with the run's outcome."""
    settings = get_settings()
    url = prepare_store(settings)
    bus = EventStream(get_redis(settings), maxlen=settings.events_maxlen)
    with session_scope(url) as session:
        if not store.update_trigger(trigger_id, session=session, only_if=("queued",), status="running"):
            return {"trigger_id": trigger_id, "status": "not-queued"}
        trigger = store.get_trigger(trigger_id, session=session)
    assert trigger is not None
    try:
        spec = parse_spec(find_spec(trigger.dataset_slug, settings.specs_dir, slug_only=True)
                          .read_text(encoding="utf-8"), f"{trigger.dataset_slug}.yaml")
        picked = _pick(trigger, spec, settings)
        if picked is None:
            why = "skipped: no new file matches the schedule's files"
            with session_scope(url) as session:
                store.update_trigger(trigger_id, session=session, status="skipped", message=why)
            bus.publish(ev.AUTOMATION_SKIPPED, dataset=trigger.dataset_slug, key=trigger.key, reason=why)
            return {"trigger_id": trigger_id, "status": "skipped"}
        name, data = picked
        automation = spec.automation
        if automation is not None and automation.on_drift == "stop" and _drifted(trigger, name, data, settings, bus):
            return {"trigger_id": trigger_id, "status": "failed", "reason": "layout-drift"}
        params = dict((automation.inbox.params if trigger.kind == "inbox" and automation and automation.inbox
                       else automation.schedule.params if automation and automation.schedule else {}))
        run = register_run(trigger.dataset_slug, data, filename=name, params=params,
                           triggered_by=f"automation ({trigger.kind})", settings=settings)
    except WorkbenchError as exc:
        with session_scope(url) as session:
            store.update_trigger(trigger_id, session=session, status="failed", message=exc.message, error=exc.to_dict())
        alert(trigger_id, settings, bus, webhooks=spec_alerts(settings, trigger.dataset_slug))
        return {"trigger_id": trigger_id, "status": "failed"}
    with session_scope(url) as session:
        store.update_trigger(trigger_id, session=session, run_id=run.id, file_name=name,
                             sha256=run.inputs[0]["sha256"] if run.inputs else None)
    if run.reused:
        why = f"skipped: identical to run {run.id} (same file, spec and parameters)"
        with session_scope(url) as session:
            store.update_trigger(trigger_id, session=session, status="skipped", message=why)
        bus.publish(ev.AUTOMATION_SKIPPED, dataset=trigger.dataset_slug, key=trigger.key, reason=why, run_id=run.id)
        return {"trigger_id": trigger_id, "status": "skipped", "run_id": run.id}
    if run.status == "queued":
        try:
            tasks.run_job(run.id)
        except WorkbenchError as exc:  # recorded on the run; the follow-up below reads it
            log.warning("automated run %s: %s", run.id, exc.message)
    with read_scope(url) as session:
        final = run_store.get_run(run.id, session=session)
    finish(trigger_id, final, settings, bus)
    if final is not None and automation is not None and automation.publish == "propose":
        _propose(trigger_id, final, spec, settings)
    return {"trigger_id": trigger_id, "status": final.status if final else "unknown", "run_id": run.id}


#: Who proposes an automated run's rows for publication: a publisher (another account) approves them.
AUTOMATION_PROPOSER = "automatización"


def _drifted(trigger: Any, name: str, data: bytes, settings: Settings, bus: EventStream) -> bool:
    """A file whose layout drifted so the spec no longer reads it right does not run: the trigger fails with the
    drift report and the proposed spec patch, and alerts once. A drift check that cannot run lets the file run
    (the run itself then says what is wrong)."""
    try:
        report = drift.drift_report(trigger.dataset_slug, data, name, settings=settings)
    except Exception:  # noqa: BLE001
        log.warning("drift check of %s failed; the file runs", name, exc_info=True)
        return False
    if not report.breaking:
        return False
    document = report.to_dict()
    reasons = "; ".join(report.messages("en")) or "the layout changed"
    message = f"layout drift: {reasons}"[:1000]
    error = {"code": "layout-drift", "message": message, "message_es":
             ("el formato del archivo cambió: " + "; ".join(report.messages("es")))[:1000],
             "drift": {"status": document.get("status"), "changes": document.get("changes"),
                       "patch": (document.get("patch") or {}).get("diff")}}
    with session_scope(settings.db_url) as session:
        store.update_trigger(trigger.id, session=session, status="failed", file_name=name,
                             sha256=hashlib.sha256(data).hexdigest(), message=message, error=error)
    alert(trigger.id, settings, bus, webhooks=spec_alerts(settings, trigger.dataset_slug))
    return True


def _propose(trigger_id: int, run: Any, spec: Spec, settings: Settings) -> None:
    """``automation.publish: propose``: a run whose QA passed becomes a release proposal; approvers hear of it
    (``release.proposed`` event and webhooks). A refusal (no publication block, duplicate keys) is logged on the
    trigger; it never fails the run."""
    if run.status != "succeeded" or run.qa_status not in ("passed",) or spec.publication is None:
        return
    try:
        release = publication.propose_release(run.id, proposer=AUTOMATION_PROPOSER, settings=settings)
        note = f"; proposed as release {release.id}"
    except WorkbenchError as exc:
        note = f"; not proposed: {exc.message}"
    with session_scope(settings.db_url) as session:
        current = store.get_trigger(trigger_id, session=session)
        if current is not None:
            store.update_trigger(trigger_id, session=session, message=((current.message or "") + note)[:1000])


def _pick(trigger: Any, spec: Spec, settings: Settings) -> tuple[str, bytes] | None:
    """The file a trigger runs: an inbox file's (or a sibling's) stored bytes; for a fire, the newest matching
    file whose content did not run yet (run-now: the newest matching file). With ``schedule.take: all`` a fire
    runs the oldest new file and records one pending sibling trigger per other new file (its bytes stored), which
    the scheduler queues like any other (``max_active_runs`` at a time)."""
    if trigger.sha256:
        return trigger.file_name, RawFileStore(settings).get(trigger.sha256)
    try:
        files = list_files(files_pattern(trigger.dataset_slug, spec, settings), allowed_roots(settings))
    except NoFilesError:
        return None
    schedule = spec.automation.schedule if spec.automation else None
    every = trigger.kind == "schedule" and schedule is not None and schedule.take == "all"
    files = sorted((p for p in files if p.parent.name != PROCESSED_DIR), key=lambda p: (p.stat().st_mtime_ns, p.name),
                   reverse=not every)
    with read_scope(settings.db_url) as session:
        taken = store.taken_shas(trigger.dataset_slug, session=session)
    picked: tuple[str, bytes] | None = None
    for path in files:
        data = read_input(path, max_bytes=settings.max_upload_bytes)
        sha = hashlib.sha256(data).hexdigest()
        if trigger.kind != "manual" and sha in taken:
            continue
        if picked is None:
            picked = path.name, data
            taken.add(sha)
            if not every:
                break
            continue
        taken.add(sha)
        _sibling(trigger, path.name, data, sha, settings)
    return picked


def _sibling(trigger: Any, name: str, data: bytes, sha: str, settings: Settings) -> None:
    """One more new file of a ``take: all`` fire: its bytes stored, a pending trigger keyed by the fire and the
    content (a second scheduler, or the same fire retried, records it once)."""
    RawFileStore(settings).put(data)
    with session_scope(settings.db_url) as session:
        store.insert_trigger(session=session, key=f"{trigger.key}:{sha[:16]}", dataset_slug=trigger.dataset_slug,
                             kind="schedule", fire_at=trigger.fire_at, file_name=name, sha256=sha, status="pending",
                             message=f"one of the new files of {trigger.key}")


@requires("admin")
def run_scheduler(settings: Settings | None = None, *, stop: threading.Event | None = None,
                  clock: Callable[[], datetime] = utc_now, name: str = "") -> None:
    """The scheduler's loop until ``stop`` is set (``workbench scheduler``; ``workbench serve`` starts one)."""
    settings = settings or get_settings()
    stop = stop or threading.Event()
    scheduler = Scheduler(settings, clock=clock, name=name)
    try:
        while not stop.is_set():
            try:
                scheduler.tick()
            except WorkbenchError as exc:  # the store is down: again at the next tick
                log.warning("scheduler: %s", exc.message)
            stop.wait(settings.scheduler_tick_s)
    finally:
        scheduler.stop()


__all__ = ["AUTOMATION_JOB", "Scheduler", "alert", "automated_specs", "automation_job", "dispatch", "files_pattern",
           "finish", "inbox_folder", "run_scheduler"]
