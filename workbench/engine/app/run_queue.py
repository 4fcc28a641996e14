"""Runs on the queue: a recorded run queued for a worker (job ``run-<id>`` naming ``tasks.run_job``), queued again
when its job was lost, recorded as failed when Redis does not take it, and the runs this machine was executing
and will not finish (found from marker files, so recovery works with the database and Redis down)."""

from __future__ import annotations

import json
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.infra import queue as rq_queue
from workbench.engine.infra.queue import QUEUE_FAILURES, QueueUnavailableError
from workbench.engine.infra.redis_conn import client_location, get_redis
from workbench.engine.infra.redis_embedded import process_alive, process_start
from workbench.engine.store import backfills as backfill_store
from workbench.engine.store import runs as run_store
from workbench.engine.store.db import session_scope

log = logging.getLogger(__name__)

#: The job function of a run, by name: RQ stores it in Redis and the worker imports it.
RUN_JOB = "workbench.engine.app.tasks.run_job"


class RunInterruptedError(WorkbenchError):
    """A run that stopped before its end was recorded: its process died (killed, out of memory) or could not
    write the outcome (the database was unreachable). Recorded on the run; the run is retried once."""

    code = "run-abandoned"
    title = "Run interrupted"
    public = True
    template = "run {run_id} was interrupted: {cause}; it is retried once"
    template_es = "la ejecución {run_id} se interrumpió: {cause_es}; se reintenta una vez"


#: Why a run was interrupted, for its error (English, Spanish).
CAUSES = {
    "process-died": ("the worker process running it stopped (killed, or out of memory) before it finished",
                     "el proceso que la ejecutaba se detuvo (terminado o sin memoria) antes de terminar"),
    "end-not-recorded": ("its end could not be recorded (the database or Redis was unreachable)",
                         "no se pudo registrar su término (la base de datos o Redis no respondía)"),
    "stopped-on-error": ("it stopped on an error ({error}) before its end was recorded",
                         "se detuvo por un error ({error}) antes de registrar su término"),
}
#: Errors that mean a service went away while a run executed (its end is then recorded by recovery).
UNAVAILABLE = ("database-unavailable", "redis-unavailable")
#: ``<data_dir>/executing/<run id>.json``: runs being executed on this machine, with the process executing each.
EXECUTING_DIR = "executing"


@dataclass(frozen=True)
class Interrupted:
    """A run a local process started and will not finish: ``cause`` is a key of ``CAUSES``."""

    run_id: int
    cause: str
    marker: Path
    error_code: str | None = None  # the error that stopped it, when one did

    def error(self) -> RunInterruptedError:
        en, es = (text.format(error=self.error_code) for text in CAUSES[self.cause])
        return RunInterruptedError(run_id=self.run_id, cause=en, cause_es=es, reason=self.cause)


def marker_path(run_id: int, settings: Settings) -> Path:
    """Where the marker of a run executing on this machine is."""
    return Path(settings.data_dir) / EXECUTING_DIR / f"{run_id}.json"


def mark(path: Path, state: str, error: str | None = None) -> None:
    """Write a run's marker: this process executes it (``executing``), or could not record its end
    (``unrecorded``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps({"pid": os.getpid(), "start": process_start(os.getpid()), "host": socket.gethostname(),
                               "state": state, "error": error}))
    os.replace(tmp, path)


def interrupted_runs(settings: Settings | None = None) -> list[Interrupted]:
    """Runs that a process of this machine started executing and will not finish: the process is gone, or it
    could not record the end. Found from files, so this works with the database and Redis down or restarted
    (nothing in them tells which process holds a run), within a second of the death instead of waiting for
    the run's heartbeat to go stale."""
    settings = settings or get_settings()
    found = []
    for path in sorted((Path(settings.data_dir) / EXECUTING_DIR).glob("*.json")):
        try:
            info = json.loads(path.read_text())
            run_id, pid, start, state = int(path.stem), int(info["pid"]), info.get("start"), info["state"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # being written (renamed into place atomically), or not ours
        if info.get("host", socket.gethostname()) != socket.gethostname():
            continue  # a data folder shared with another machine: its pids mean nothing here
        if state == "unrecorded":
            cause = "end-not-recorded" if info.get("error") in (None, *UNAVAILABLE) else "stopped-on-error"
            found.append(Interrupted(run_id, cause, path, info.get("error")))
        elif not process_alive(pid, start):
            found.append(Interrupted(run_id, "process-died", path))
    return found


def enqueue_run(run_id: int, *, queue_name: str = "runs", settings: Settings | None = None) -> str:
    """Queue the execution of a recorded (queued) run. One job per run (job id ``run-<id>``). When Redis does not
    take the job, the run is recorded as failed (QueueUnavailableError, raised)."""
    settings = settings or get_settings()
    try:
        # Safe to retry: execute_run is idempotent (a run no longer queued is left alone).
        return rq_queue.enqueue(RUN_JOB, args=(run_id,), job_id=f"run-{run_id}", description=f"run {run_id}",
                                queue_name=queue_name, settings=settings, retries=1)
    except QUEUE_FAILURES as exc:
        raise _not_queued(run_id, exc, settings) from exc


def _not_queued(run_id: int, exc: BaseException, settings: Settings) -> QueueUnavailableError:
    """Record a run that Redis did not take as failed (only if still queued: a job that did reach a worker in
    spite of the error finds it failed and leaves it alone), and end its backfill when nothing else is left."""
    try:
        where = client_location(get_redis(settings))
    except WorkbenchError:
        where = "the embedded server"
    reason = exc.details.get("reason", exc.message) if isinstance(exc, WorkbenchError) else (
        str(exc).strip() or type(exc).__name__)
    filename = "?"
    try:
        with session_scope(settings.db_url) as session:
            run = run_store.get_run(run_id, session=session)
            filename = run.inputs[0]["name"] if run and run.inputs else filename
            error = QueueUnavailableError(run_id=run_id, filename=filename)
            run_store.update_run(run_id, session=session, only_if=("queued",), status="failed", error=error.to_dict())
            if run is not None and run.backfill_id is not None:
                backfill_store.finish_if_done(run.backfill_id, session=session)
    except WorkbenchError as store_exc:  # the store is down too: the run stays queued until recovered
        log.error("run %s was not queued (%s) and could not be recorded as failed: %s", run_id, reason,
                  store_exc.message)
    log.warning("run %s not queued: Redis at %s: %s", run_id, where, reason)
    return QueueUnavailableError(run_id=run_id, filename=filename)


def ensure_enqueued(run_id: int, *, settings: Settings | None = None) -> bool:
    """Queue a recorded queued run whose job is missing or dead (e.g. after an embedded Redis restart);
    True when it was (re)queued. With Redis unreachable nothing can be checked: the run is left queued for the
    next recovery (False, with a warning), so a periodic recovery (``workbench serve``) outlives the outage."""
    settings = settings or get_settings()
    client = get_redis(settings)
    try:
        job, status = rq_queue.job_state(f"run-{run_id}", settings)
    except QUEUE_FAILURES as exc:
        log.warning("run %s: cannot check its job, Redis at %s: %s", run_id, client_location(client),
                    str(exc) or type(exc).__name__)
        return False
    if status in ("queued", "started", "deferred", "scheduled"):
        return False
    if job is not None:
        job.delete()
    enqueue_run(run_id, queue_name="runs", settings=settings)
    return True


def cancel_runs(run_ids: list[int], *, settings: Settings | None = None) -> None:
    """Drop the queued jobs of cancelled runs (a job already running finishes)."""
    rq_queue.cancel_jobs([f"run-{run_id}" for run_id in run_ids], settings=settings)


__all__ = ["CAUSES", "EXECUTING_DIR", "Interrupted", "RUN_JOB", "RunInterruptedError", "UNAVAILABLE", "cancel_runs",
           "enqueue_run", "ensure_enqueued", "interrupted_runs", "mark", "marker_path"]
