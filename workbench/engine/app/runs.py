"""Runs: record a run of a file (``register_run``), execute it here (``execute_run``, ``run_file``) or queue it for
a worker (``submit_run``), and make the store and the queues agree after a crash (``recover_abandoned``).
Reading runs is ``runs_read``.

A run never ends stuck as ``running``: user errors (bad file, spec, parameters) end it as ``failed`` with the
canonical error JSON; a bug also ends it ``failed`` (code ``internal-error``) and then propagates to the
caller's logged handler. The RAW file is stored before anything can fail, so the user can fix and retry.
"""

from __future__ import annotations

import errno
import getpass
import hashlib
import logging
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from workbench.engine.app import qa, run_queue
from workbench.engine.app.access import acting_name, requires
from workbench.engine.app.runs_read import RunNotFoundError, get_run
from workbench.engine.core.errors import SERVER_SIDE, ParameterError, WorkbenchError, record_of
from workbench.engine.core.limits import sanitize_filename
from workbench.engine.core.memory import releases_after
from workbench.engine.core.params import resolve_params
from workbench.engine.core.preview import ENGINE_VERSION, preview_file
from workbench.engine.core.serialize import jsonable
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.loader import find_spec, parse_spec
from workbench.engine.core.table import Table
from workbench.engine.infra.events import EventStream
from workbench.engine.infra.locks import DatasetLock, GroupLock
from workbench.engine.infra.redis_conn import get_redis
from workbench.engine.store import backfills as backfill_store
from workbench.engine.store import datasets as dataset_store
from workbench.engine.store import lineage as lineage_store
from workbench.engine.store import runs as run_store
from workbench.engine.store.db import read_scope, session_scope
from workbench.engine.store.files import RawFileStore
from workbench.engine.store.objects import LocalObjectStore, ObjectStore, StorageFullError, output_objects
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


def _write_outputs(run_id: int, tables: dict[str, Table], root: Path, report: Any = None, *,
                   objects: ObjectStore | None = None) -> dict[str, Any]:
    """Each layer's full table (with provenance) as Parquet in a folder of its own (``<run_id>-<random>``:
    several stores may share one data directory or bucket and number their runs alike), with its sha256; plus
    the QA report's failing rows and GX results. The folder is written under ``root`` (local scratch) and then
    handed to ``objects`` (default: ``root`` itself, where it is renamed into place)."""
    name = f"{run_id}-{uuid.uuid4().hex[:12]}"
    folder = root / f".{name}.partial"  # renamed into place only when every file is written (disk full: no trace)
    folder.mkdir(parents=True, exist_ok=False)
    try:
        out: dict[str, Any] = {}
        for layer, table in tables.items():
            path = folder / f"{layer}.parquet"
            table.df.to_parquet(path, index=False)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            path.chmod(0o444)
            out[layer] = {"path": f"{name}/{layer}.parquet", "sha256": digest, "rows": len(table.df),
                          "columns": table.data_columns, "origins": table.origins, "sheet": table.sheet}
        written = {"layers": out, **(qa.write_qa_outputs(report, folder, name) if report is not None else {})}
        (objects or LocalObjectStore(root)).put_folder(name, folder)
        return written
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


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
    try:
        lock.acquire(wait=settings.lock_wait if wait is None else wait, timeout_s=settings.lock_wait_timeout_s)
    except WorkbenchError as exc:  # busy dataset (refused or waited too long) or Redis unavailable
        _failed(url, run_id, exc)
        bus.publish("run.failed", run_id=run_id, dataset=run.dataset_slug, code=exc.code)
        return get_run(run_id, settings)
    timings: dict[str, float] | None = None
    events_ms = 0.0  # the run's own events (started, the outcome, qa.failed); step events count in its steps
    try:
        with session_scope(url) as session:
            run_store.update_run(run_id, session=session, status="running")
        mark = time.perf_counter()
        bus.publish("run.started", run_id=run_id, dataset=run.dataset_slug, backfill_id=run.backfill_id)
        events_ms += _ms_since(mark)
        spec = parse_spec(version.yaml_text, f"{run.dataset_slug}.yaml")  # type: ignore[union-attr]
        data = RawFileStore(settings).get(run.inputs[0]["sha256"])

        def on_step(record: Any, done: int, total: int) -> None:
            info = {"run_id": run_id, "dataset": run.dataset_slug, "step": f"{record.layer}[{record.index}] {record.type}",
                    "done": done, "total": total, "rows_out": record.rows_out}
            bus.publish("run.step", **info)
            if progress is not None:
                progress(info)

        with _Heartbeat(url, run_id, every_s=max(1.0, settings.lock_ttl_s / 3)):
            timings = _execute(run_id, spec, data, run.inputs[0]["name"], run.params, run.dataset_id,
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
        events_ms += _ms_since(mark)
        if final.status == "succeeded" and timings is not None:
            events_ms += spent.get("events", 0.0)
            final = _record_stages(final, url, {**timings, **spent, "events": round(events_ms, 1)})
        if run.backfill_id is not None:
            _backfill_progress(run.backfill_id, url, bus)
    return final


def _record_stages(run: RunPublic, url: str, timings: dict[str, float]) -> RunPublic:
    """Complete the run's stage breakdown with what followed its record (the commit, Data Docs, events,
    alerts). ``run_total`` stays the run's own time up to its record. One small write; a failure to make it is
    logged and leaves the run as it is."""
    timings = {**(run.timings_ms or {}), **timings}
    try:
        with session_scope(url) as session:
            run_store.update_run(run.id, session=session, timings_ms=timings)
    except WorkbenchError as exc:
        log.warning("stage times of run %s not recorded: %s", run.id, exc.message)
        return run
    return run.model_copy(update={"timings_ms": timings})


class _Heartbeat:
    """Stamps the run's heartbeat while it executes, so a run whose process died is recognised."""

    def __init__(self, url: str, run_id: int, every_s: float) -> None:
        self.url, self.run_id, self.every_s = url, run_id, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"run-{run_id}-heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                with session_scope(self.url) as session:
                    run_store.touch(self.run_id, session=session)
            except WorkbenchError as exc:
                log.warning("heartbeat of run %s failed: %s", self.run_id, exc.message)

    def __enter__(self) -> "_Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _backfill_progress(backfill_id: int, url: str, bus: EventStream) -> None:
    with session_scope(url) as session:
        finished = backfill_store.finish_if_done(backfill_id, session=session)
        counts = backfill_store.progress(backfill_id, session=session)
    bus.publish("backfill.finished" if finished else "backfill.progress", backfill_id=backfill_id, **counts)


@releases_after  # the run's tables are freed inside malloc: handed back to the system once the process is idle
def _execute(run_id: int, spec: Any, data: bytes, filename: str, params: dict[str, Any], dataset_id: int, slug: str,
             sha: str, spec_version: int, url: str, settings: Settings,
             on_step: Callable[[Any, int, int], None] | None = None, *,
             sheet: int | str | None = None) -> dict[str, float] | None:
    """Run the pipeline and record the outcome. Every exit path ends the run: user errors as ``failed`` with
    their error JSON, anything else as ``failed`` (internal-error) and re-raised for the logged handler.
    Returns what each stage took (ms) when the run is recorded succeeded. The record holds them already, except
    the commit's share of ``store``; ``execute_run`` adds that and what follows the record (Data Docs, events,
    alerts)."""
    started = time.perf_counter()
    try:
        result = preview_file(data, spec, filename=filename, params=params, sheet=sheet, sample_rows=5,
                              on_step=on_step)
        mark = time.perf_counter()
        outputs = _write_outputs(run_id, result.tables, settings.outputs_dir, result.qa_report,
                                  objects=output_objects(settings))
        report = result.qa_report
        timings = {**result.timings_ms, "outputs": _ms_since(mark)}
        with session_scope(url) as session:  # the run's record, its file's facts and its lineage: one transaction
            mark = time.perf_counter()
            lineage_store.record_run_lineage(session=session, run_id=run_id, dataset_id=dataset_id, slug=slug,
                                             file_sha256=sha, file_name=filename, layers=list(result.tables),
                                             spec_version=spec_version)
            timings["lineage"] = _ms_since(mark)
            mark = time.perf_counter()
            run_store.set_file_facts(sha, result.source, session=session)
            run_store.update_run(
                run_id, session=session, only_if=("running",), status="succeeded", error=None,
                timings_ms=dict(timings, store=_ms_since(mark), run_total=_ms_since(started)),
                row_counts={name: t["row_count"] for name, t in result.layers.items()},
                timeline=jsonable(result.timeline), control_totals=jsonable(result.control_totals),
                warnings=[str(w) for w in result.warnings], warnings_es=result.warnings_es, outputs=outputs,
                qa_status=report.status if report is not None else "not_run",
                qa=jsonable(report.to_dict(page_size=qa.RUN_PAGE_SIZE)) if report is not None else None)
        timings["store"] = _ms_since(mark)  # the commit included
        return timings
    except WorkbenchError as exc:
        _failed(url, run_id, exc)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            _internal_error(url, run_id, exc)
            raise
        full = StorageFullError("the disk is full: the run's tables were not written; free space and run it again",
                                message_es="el disco está lleno: no se guardaron las tablas de la ejecución; libere "
                                           "espacio y vuelva a ejecutarla")
        _finish(url, run_id, status="failed", error=full.to_dict())
    except BaseException as exc:
        _internal_error(url, run_id, exc)
        raise


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _internal_error(url: str, run_id: int, exc: BaseException) -> None:
    """A bug: the record (readable by every viewer) gets a generic text and a reference; the log gets the rest."""
    reference = uuid.uuid4().hex[:12]
    log.error("run %s failed with an internal error (reference %s)", run_id, reference, exc_info=exc)
    _finish(url, run_id, status="failed", error=record_of(exc, reference=reference))


def _failed(url: str, run_id: int, exc: WorkbenchError) -> None:
    """A typed failure: a user error is recorded as it is; a server-side one (Redis, the database, the file store)
    with a generic text (``record_of``), its detail (addresses, paths, the driver's text) only in the log."""
    if exc.code in SERVER_SIDE and not getattr(exc, "public", False):
        reference = uuid.uuid4().hex[:12]
        log.warning("run %s failed: %s (%s, reference %s)", run_id, exc.message, exc.code, reference)
        _finish(url, run_id, status="failed", error=record_of(exc, reference=reference))
    else:
        _finish(url, run_id, status="failed", error=exc.to_dict())


def _finish(url: str, run_id: int, **values: Any) -> None:
    with session_scope(url) as session:
        run_store.update_run(run_id, session=session, **values)


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
