"""Runs: record a run of a file (``register_run``), execute it here (``execute_run``, ``run_file``) or queue it for
a worker (``submit_run``), and make the store and the queues agree after a crash (``recover_abandoned``).
Reading runs is ``runs_read``.

A run never ends stuck as ``running``: user errors (bad file, spec, parameters) end it as ``failed`` with the
canonical error JSON; a bug also ends it ``failed`` (code ``internal-error``) and then propagates to the
caller's logged handler. The RAW file is stored before anything can fail, so the user can fix and retry.
"""

from __future__ import annotations

import getpass
import logging
import time
from typing import Any, Callable

from workbench.engine.app import openlineage, qa, run_queue
from workbench.engine.app.run_execution import (Heartbeat, backfill_progress, execute_pipeline, ms_since,
                                                 record_failure, record_stages)
from workbench.engine.app.access import acting_name, requires
from workbench.engine.app.runs_read import RunNotFoundError, get_run
from workbench.engine.core.errors import ParameterError, WorkbenchError
from workbench.engine.core.limits import sanitize_filename
from workbench.engine.core.params import resolve_params
from workbench.engine.core.preview import ENGINE_VERSION
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.loader import find_spec, parse_spec
from workbench.engine.infra.events import EventStream
from workbench.engine.infra.locks import DatasetLock, GroupLock
from workbench.engine.infra.redis_conn import get_redis
from workbench.engine.store import automation as automation_store
from workbench.engine.store import backfills as backfill_store
from workbench.engine.store import datasets as dataset_store
from workbench.engine.store import runs as run_store
from workbench.engine.store.db import read_scope, session_scope
from workbench.engine.store.files import RawFileStore
from workbench.engine.store.models import RunPublic
from workbench.engine.store.prepare import prepare_store

log = logging.getLogger(__name__)

#: A run's stages, in order: their times (ms) are keys of the run's ``timings_ms`` (beside ``run_total``, the
#: time up to the run's record, and ``total``, the preview's read to QA). ``header`` is part of reading.


def current_user(settings: Settings | None = None) -> str:
    """Who runs records name: the signed-in user acting now, else the configured or operating-system user (the
    CLI on the server's shell)."""
    if name := acting_name():
        return name
    settings = settings or get_settings()
    if settings.user:
        return settings.user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@requires("run")
def register_run(slug: str, data: bytes, *, filename: str, params: dict[str, Any] | None = None,
                 force: bool = False, triggered_by: str | None = None, backfill_id: int | None = None,
                 sheet: int | str | None = None, settings: Settings | None = None) -> RunPublic:
    """Store the RAW file and record a ``queued`` run of ``slug``'s current spec on it (nothing executes).
    ``sheet``: the workbook sheet the user chose (kept with the run's input; none: the sheet the engine finds,
    as the preview does), so a run reads what the preview showed.
    Returns instead an identical earlier succeeded run (``reused=True``) unless ``force``, or a ``failed``
    run when the parameters are wrong: the file is kept either way, so the user can fix and retry."""
    settings = settings or get_settings()
    filename = sanitize_filename(filename)  # stored, shown and used in messages: never a path or control chars
    url = prepare_store(settings)
    spec_path = find_spec(slug, settings.specs_dir, slug_only=True)
    yaml_text = spec_path.read_text(encoding="utf-8")
    spec = parse_spec(yaml_text, str(spec_path))
    user = triggered_by or current_user(settings)
    sha, key, _ = RawFileStore(settings).put(data)
    given = dict(params or {})
    with session_scope(url) as session:
        dataset, version, _ = dataset_store.sync_spec(spec, yaml_text, session=session, path=str(spec_path))
        file = run_store.record_file(session=session, sha256=sha, size=len(data), storage_key=key,
                                     original_name=filename, uploaded_by=user)
        inputs = [{"file_id": file.id, "sha256": sha, "name": filename, "bytes": len(data),
                   **({"sheet": sheet} if sheet is not None and sheet != "" else {})}]
        common = {"session": session, "dataset_id": dataset.id, "spec_version_id": version.id, "file_id": file.id,
                  "inputs": inputs, "triggered_by": user, "backfill_id": backfill_id, "engine_version": ENGINE_VERSION}
        try:
            resolved = resolve_params(spec, given, filename)
        except ParameterError as exc:
            run_id = run_store.create_run(key=run_store.inputs_key(spec.content_hash(), sha, given, sheet),
                                          params=given, status="failed", **common)
            run_store.update_run(run_id, session=session, status="failed", error=exc.to_dict())
            return run_store.get_run(run_id, session=session)  # type: ignore[return-value]
        key_ = run_store.inputs_key(spec.content_hash(), sha, resolved, sheet)
        if not force and (previous := run_store.find_identical(key_, session=session)):
            found = run_store.get_run(previous, session=session)
            return found.model_copy(update={"reused": True})  # type: ignore[union-attr]
        run_id = run_store.create_run(key=key_, params=resolved, status="queued", **common)
        return run_store.get_run(run_id, session=session)  # type: ignore[return-value]


@requires("run")
def run_file(slug: str, data: bytes, *, filename: str, params: dict[str, Any] | None = None, force: bool = False,
             triggered_by: str | None = None, backfill_id: int | None = None, sheet: int | str | None = None,
             settings: Settings | None = None) -> RunPublic:
    """Store the RAW file, record a run and execute it here, now (the CLI's ``workbench run``)."""
    run = register_run(slug, data, filename=filename, params=params, force=force, triggered_by=triggered_by,
                       backfill_id=backfill_id, sheet=sheet, settings=settings)
    if run.reused or run.status != "queued":
        return run
    return execute_run(run.id, settings=settings)


@requires("run")
def execute_run(run_id: int, *, settings: Settings | None = None, wait: bool | None = None,
                progress: Callable[[dict[str, Any]], None] | None = None) -> RunPublic:
    """Execute a queued run under its dataset's lock: the stored spec version on the stored RAW bytes, so a
    run reproduces exactly. Idempotent: a run that is no longer queued is returned as it is."""
    settings = settings or get_settings()
    url = prepare_store(settings)
    with read_scope(url) as session:
        run = run_store.get_run(run_id, session=session)
        if run is None:
            raise RunNotFoundError(run_id=run_id)
        version = dataset_store.get_spec_version(run.spec_version_id, session=session)
    if run.status != "queued":
        return run
    bus = EventStream(get_redis(settings), maxlen=settings.events_maxlen)
    lock = (DatasetLock(get_redis(settings), run.dataset_slug, ttl_s=settings.lock_ttl_s, owner=f"run {run_id}")
            if run.backfill_id is None else  # a backfill's runs share the dataset's lock and run in parallel
            GroupLock(get_redis(settings), run.dataset_slug, ttl_s=settings.lock_ttl_s, group=f"backfill {run.backfill_id}"))
    parent = _lineage_parent(run, url, settings)
    try:
        lock.acquire(wait=settings.lock_wait if wait is None else wait, timeout_s=settings.lock_wait_timeout_s)
    except WorkbenchError as exc:  # busy dataset (refused or waited too long) or Redis unavailable
        record_failure(url, run_id, exc)
        bus.publish("run.failed", run_id=run_id, dataset=run.dataset_slug, code=exc.code)
        failed = get_run(run_id, settings)
        spec = _quiet_spec(version, run.dataset_slug)
        openlineage.run_started(failed, spec, settings, parent=parent)
        openlineage.run_ended(failed, spec, settings, parent=parent)
        return failed
    timings: dict[str, float] | None = None
    events_ms = 0.0  # the run's own events (started, the outcome, qa.failed); step events count in its steps
    spec: Any = None
    try:
        with session_scope(url) as session:
            run_store.update_run(run_id, session=session, status="running")
        mark = time.perf_counter()
        bus.publish("run.started", run_id=run_id, dataset=run.dataset_slug, backfill_id=run.backfill_id)
        spec = _quiet_spec(version, run.dataset_slug)
        openlineage.run_started(run, spec, settings, parent=parent)
        events_ms += ms_since(mark)
        if spec is None:  # the stored spec no longer parses: the run fails with that error
            spec = parse_spec(version.yaml_text, f"{run.dataset_slug}.yaml")  # type: ignore[union-attr]
        data = RawFileStore(settings).get(run.inputs[0]["sha256"])

        def on_step(record: Any, done: int, total: int) -> None:
            info = {"run_id": run_id, "dataset": run.dataset_slug, "step": f"{record.layer}[{record.index}] {record.type}",
                    "done": done, "total": total, "rows_out": record.rows_out}
            bus.publish("run.step", **info)
            if progress is not None:
                progress(info)

        with Heartbeat(url, run_id, every_s=max(1.0, settings.lock_ttl_s / 3)):
            timings = execute_pipeline(run_id, spec, data, run.inputs[0]["name"], run.params, run.dataset_id,
                               run.dataset_slug, run.inputs[0]["sha256"], version.version,  # type: ignore[union-attr]
                               url, settings, on_step, sheet=run.inputs[0].get("sheet"))
    finally:
        if lock.lost:  # another process may have taken the dataset meanwhile: say so on the run
            log.warning("run %s lost the lock of %s while running", run_id, run.dataset_slug)
        lock.release()
        final = get_run(run_id, settings)
        spent: dict[str, float] = {}
        if final.status == "succeeded":
            spent = qa.announce(final, settings, bus)
        mark = time.perf_counter()
        bus.publish(f"run.{final.status}" if final.status in ("succeeded", "failed") else "run.failed",
                    run_id=run_id, dataset=run.dataset_slug, backfill_id=run.backfill_id, qa_status=final.qa_status,
                    row_counts=final.row_counts, code=(final.error or {}).get("code"))
        openlineage.run_ended(final, spec if spec is not None else _quiet_spec(version, run.dataset_slug), settings,
                              parent=parent)
        events_ms += ms_since(mark)
        if final.status == "succeeded" and timings is not None:
            events_ms += spent.get("events", 0.0)
            final = record_stages(final, url, {**timings, **spent, "events": round(events_ms, 1)})
        if run.backfill_id is not None:
            backfill_progress(run.backfill_id, url, bus, settings)
    return final


def _quiet_spec(version: Any, slug: str) -> Any:
    """The run's stored spec for its lineage events, or None when it does not parse (the run says why)."""
    try:
        return parse_spec(version.yaml_text, f"{slug}.yaml")
    except Exception:  # noqa: BLE001
        return None


def _lineage_parent(run: RunPublic, url: str, settings: Settings) -> dict[str, Any] | None:
    """A backfill's run names the backfill as its OpenLineage parent; an automated run its schedule or inbox."""
    if run.backfill_id is None:
        if not run.triggered_by.startswith("automation"):
            return None
        with read_scope(url) as session:
            trigger = automation_store.trigger_of_run(run.id, session=session)
        return None if trigger is None else openlineage.trigger_parent(trigger.kind, trigger.key, run.dataset_slug,
                                                                       settings)
    with read_scope(url) as session:
        backfill = backfill_store.get_backfill(run.backfill_id, session=session)
    if backfill is None:
        return None
    return openlineage.backfill_parent(backfill.id, run.dataset_slug, backfill.created_at, settings)


@requires("run")
def submit_run(slug: str, data: bytes, *, filename: str, params: dict[str, Any] | None = None, force: bool = False,
               triggered_by: str | None = None, sheet: int | str | None = None,
               settings: Settings | None = None) -> RunPublic:
    """Record a run and queue it for a worker (``workbench run --background``, the web app). When Redis does not
    take the job, the run is recorded as failed (its file kept) and ``QueueUnavailableError``
    (``redis-unavailable``) is raised: the user sees the attempt and submits again; nothing runs later unasked."""
    settings = settings or get_settings()
    run = register_run(slug, data, filename=filename, params=params, force=force, triggered_by=triggered_by,
                       sheet=sheet, settings=settings)
    if run.status == "queued" and not run.reused:
        run_queue.enqueue_run(run.id, queue_name="runs", settings=settings)
        EventStream(get_redis(settings), maxlen=settings.events_maxlen).publish(
            "run.queued", run_id=run.id, dataset=run.dataset_slug)
    return run


@requires("admin")
def recover_abandoned(settings: Settings | None = None, *, full: bool = True,
                      older_than_s: float | None = None) -> list[int]:
    """Make the store and the queues agree (at worker start, and every few seconds under ``serve``):
    - runs that a process of this machine was executing and will not finish (``run_queue.interrupted_runs``: the
      process died, or it could not record the end) end as failed at once, with the cause;
    - with ``full``, also runs left ``running`` by a dead process elsewhere (no heartbeat for 3 lock TTLs, so
      their lock expired too) end as failed, and queued runs whose job is gone (the embedded Redis keeps nothing
      across restarts) are queued again.
    Every run ended here is retried once, as a new queued run with the same inputs (a retry is not retried).
    ``older_than_s``: how long without a heartbeat makes a running run abandoned (default 3 lock TTLs, at least
    6 s; a test that killed the only running process passes 0 instead of waiting). Returns the ids of the runs
    (re)queued."""
    settings = settings or get_settings()
    interrupted = run_queue.interrupted_runs(settings)
    if not full and not interrupted:
        return []
    url = prepare_store(settings)
    with session_scope(url) as session:
        ended = []
        for found in interrupted:
            try:
                if run_store.update_run(found.run_id, session=session, only_if=("running",), status="failed",
                                   error=found.error().to_dict()):
                    ended.append(found.run_id)
            except LookupError:  # a marker of another database's run (the data folder was reused)
                continue
        silent_s = max(3 * settings.lock_ttl_s, 6) if older_than_s is None else older_than_s
        stale = run_store.fail_stale_runs(session=session, older_than_s=silent_s) if full else []
        retries = [retry for run_id in ended + stale if (retry := _retry(run_id, session)) is not None]
        queued = run_store.queued_ids(session=session) if full else retries
    for found in interrupted:  # resolved: failed now, or already ended by its own process or another recovery
        found.marker.unlink(missing_ok=True)
    if ended:
        log.warning("interrupted runs %s marked failed (%s) and retried", ended,
                    ", ".join(sorted({f.cause for f in interrupted if f.run_id in ended})))
    if stale:
        log.warning("abandoned runs %s marked failed and retried", stale)
    return [run_id for run_id in queued if run_queue.ensure_enqueued(run_id, settings=settings)]


def _retry(run_id: int, session: Any) -> int | None:
    """Queue a new run with the inputs of an ended one, unless that one was already a retry."""
    old = run_store.get_run(run_id, session=session)
    if old is None or old.triggered_by.startswith("retry of "):
        return None
    return run_store.create_run(session=session, dataset_id=old.dataset_id, spec_version_id=old.spec_version_id,
                                file_id=old.file_id, inputs=old.inputs,
                                key=run_store.inputs_key_of(run_id, session=session), params=old.params,
                                triggered_by=f"retry of {run_id}", status="queued", backfill_id=old.backfill_id,
                                engine_version=ENGINE_VERSION)


__all__ = ["current_user", "execute_run", "recover_abandoned", "register_run", "run_file", "submit_run"]
