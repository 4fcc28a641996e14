"""RQ adapter: queues, job functions and the worker. Job functions take ids and primitives only and use the
JSON serializer (no pickle of application objects). Results live on the run row, not in RQ's result TTL."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from rq import Queue, Retry, SimpleWorker, Worker, get_current_job, worker_registration
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from workbench.engine.core.errors import RedisUnavailableError, WorkbenchError
from workbench.engine.infra.redis_conn import client_location, get_redis
from workbench.engine.infra.redis_embedded import process_alive, process_start
from workbench.engine.core.settings import Settings, get_settings

log = logging.getLogger(__name__)

QUEUES = ("previews", "runs", "backfills")
RESULT_TTL_S = 24 * 3600
FAILURE_TTL_S = 7 * 24 * 3600
#: What means "Redis did not take the job": down, timed out, out of memory, a read-only replica.
QUEUE_FAILURES: tuple[type[BaseException], ...] = (redis.RedisError, OSError, RedisUnavailableError)


class QueueUnavailableError(RedisUnavailableError):
    """A recorded run could not be queued (Redis down or refusing writes). The run is then recorded as failed
    with this error, its RAW file kept, so the user sees the attempt and submits again: a run is never left
    queued with no job, nor executed later behind the user's back when Redis returns."""

    code = "redis-unavailable"
    title = "Run not queued: Redis unavailable"
    public = True  # its messages name no server (where and why are logged when it is raised)
    template = ("run {run_id} could not be queued: Redis is not reachable; the file {filename} was kept and the "
                "run is recorded as failed: submit it again when Redis is back")
    template_es = ("no se pudo encolar la ejecución {run_id}: el servicio de colas (Redis) no responde. El archivo "
                   "{filename} quedó guardado y la ejecución quedó registrada como fallida; vuelva a enviarlo en "
                   "unos momentos")


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


def _marker(run_id: int, settings: Settings) -> Path:
    return Path(settings.data_dir) / EXECUTING_DIR / f"{run_id}.json"


def _mark(path: Path, state: str, error: str | None = None) -> None:
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


def queue(name: str, settings: Settings | None = None) -> Queue:
    settings = settings or get_settings()
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}; queues are {QUEUES}")
    return Queue(name, connection=get_redis(settings), serializer=JSONSerializer,
                 default_timeout=settings.job_timeout_s)


def enqueue_run(run_id: int, *, queue_name: str = "runs", settings: Settings | None = None) -> str:
    """Queue the execution of a recorded (queued) run. One job per run (job id ``run-<id>``). When Redis does not
    take the job, the run is recorded as failed (QueueUnavailableError, raised)."""
    settings = settings or get_settings()
    try:
        job = queue(queue_name, settings).enqueue_call(
            "workbench.engine.app.jobs.run_job", args=(run_id,), job_id=f"run-{run_id}", result_ttl=RESULT_TTL_S,
            failure_ttl=FAILURE_TTL_S, description=f"run {run_id}",
            # Safe to retry: execute_run is idempotent (a run no longer queued is left alone).
            retry=Retry(max=1),
        )
    except QUEUE_FAILURES as exc:
        raise _not_queued(run_id, exc, settings) from exc
    return job.id


def _not_queued(run_id: int, exc: BaseException, settings: Settings) -> QueueUnavailableError:
    """Record a run that Redis did not take as failed (only if still queued: a job that did reach a worker in
    spite of the error finds it failed and leaves it alone), and end its backfill when nothing else is left."""
    from workbench.engine.store import backfills, runs
    from workbench.engine.store.db import session_scope

    try:
        where = client_location(get_redis(settings))
    except WorkbenchError:
        where = "the embedded server"
    reason = exc.details.get("reason", exc.message) if isinstance(exc, WorkbenchError) else (
        str(exc).strip() or type(exc).__name__)
    filename = "?"
    try:
        with session_scope(settings.db_url) as session:
            run = runs.get_run(run_id, session=session)
            filename = run.inputs[0]["name"] if run and run.inputs else filename
            error = QueueUnavailableError(run_id=run_id, filename=filename)
            runs.update_run(run_id, session=session, only_if=("queued",), status="failed", error=error.to_dict())
            if run is not None and run.backfill_id is not None:
                backfills.finish_if_done(run.backfill_id, session=session)
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
        job = Job.fetch(f"run-{run_id}", connection=client, serializer=JSONSerializer)
        status = job.get_status()
    except NoSuchJobError:
        job, status = None, None
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
    redis = get_redis(settings or get_settings())
    for run_id in run_ids:
        try:
            Job.fetch(f"run-{run_id}", connection=redis, serializer=JSONSerializer).cancel()
        except NoSuchJobError:
            continue


def run_job(run_id: int) -> dict[str, Any]:
    """Job: execute one recorded run; progress goes to the job's meta and to the event stream."""
    from workbench.engine.app import services

    job = get_current_job()

    def progress(info: dict[str, Any]) -> None:
        """Best effort, like the events: a Redis restarting under a run must not fail the run."""
        if job is not None:
            job.meta["progress"] = info
            try:
                job.save_meta()
            except QUEUE_FAILURES as exc:
                log.warning("run %s: progress not saved (%s)", run_id, str(exc) or type(exc).__name__)

    # A marker says which process executes the run (``interrupted_runs``): written before, removed once the end
    # is recorded, marked "unrecorded" when the run could not be finished (so recovery ends it, with no wait).
    marker = _marker(run_id, get_settings())
    ours = not marker.exists()  # an earlier attempt's marker is left for recovery until the run is resolved
    if ours:
        _mark(marker, "executing")
    try:
        run = services.execute_run(run_id, progress=progress)
    except WorkbenchError as exc:
        if ours:
            _mark(marker, "unrecorded", error=exc.code)
        if exc.code not in UNAVAILABLE:  # a run that does not exist, a missing file: the job fails, with its trace
            raise
        # the store (or Redis) went away: a known condition, one line, no traceback
        log.warning("run %s: its end could not be recorded (%s: %s); recovery ends it when the service is back",
                    run_id, exc.code, exc.message)
        return {"run_id": run_id, "status": "unrecorded", "error": exc.code}
    except BaseException as exc:  # a bug (recorded as internal-error by the run if it got that far), a shutdown
        if ours:
            _mark(marker, "unrecorded", error=type(exc).__name__)
        raise
    if ours or run.status != "running":
        marker.unlink(missing_ok=True)
    return {"run_id": run.id, "status": run.status, "qa_status": run.qa_status}


def preview_job(slug: str | None, raw_sha256: str, filename: str, params: dict[str, Any],
                sheet: int | str | None = None) -> dict[str, Any]:
    """Job: compute (or fetch from the cache) the preview of a stored RAW file; returns its cache key."""
    from workbench.engine.app import previews

    return previews.cached_preview_of_stored(slug, raw_sha256, filename=filename, params=params, sheet=sheet)


class _RegistersAgain:
    """A worker that registers itself again when Redis lost its registration (a Redis without persistence was
    restarted): RQ reconnects by itself and goes on taking jobs, but would stay invisible to ``Worker.all``, so
    health and the queues page would report no worker while one is running."""

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        if pipeline is None and self.birth_date is not None and not self.connection.hexists(self.key, "birth"):
            log.warning("worker %s: Redis lost its registration (restarted?); registering again", self.name)
            with self.connection.pipeline() as pipe:
                pipe.hset(self.key, mapping=self.serialize())
                worker_registration.register(self, pipe)
                pipe.execute()
        super().heartbeat(timeout, pipeline)  # type: ignore[misc]


class _SimpleWorker(_RegistersAgain, SimpleWorker):
    pass


class _ForkingWorker(_RegistersAgain, Worker):
    pass


def work(queues: list[str] | None = None, *, burst: bool = False, settings: Settings | None = None,
         name: str | None = None, fork: bool = False, stamped: bool = True) -> bool:
    """Run a worker on ``queues`` (all by default) until stopped, or until empty with ``burst``.

    By default jobs run inside the worker process (RQ's SimpleWorker): our jobs are the engine's own code,
    and forking a work horse per job (copying a process that holds pandas and Arrow, then reconnecting to
    the database and Redis) doubled the cost of a typical run. ``fork=True`` isolates each job instead.
    Either way a killed worker is recovered the same way (``services.recover_abandoned``). ``stamped=False``
    leaves the time out of RQ's log lines (``workbench serve`` stamps every line of its processes)."""
    settings = settings or get_settings()
    from workbench.engine.app import services

    services.recover_abandoned(settings)
    if not fork:  # jobs run in this process: import GX (~3 s) while waiting for the first one
        from workbench.engine.core.validation.runner import warm_up

        threading.Thread(target=warm_up, name="gx-warm-up", daemon=True).start()
    worker_class = _ForkingWorker if fork else _SimpleWorker
    worker = worker_class([queue(q, settings) for q in (queues or list(QUEUES))], connection=get_redis(settings),
                          serializer=JSONSerializer, name=name)
    return worker.work(burst=burst, logging_level="WARNING",
                       log_format=STAMPED_LOG_FORMAT if stamped else PLAIN_LOG_FORMAT)


#: RQ's log lines: with the time (a worker on its own), or without (under ``workbench serve``, which stamps them).
STAMPED_LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"
PLAIN_LOG_FORMAT = "%(levelname)s %(message)s"


def forget_worker(name: str, settings: Settings | None = None) -> bool:
    """Remove the registration of a worker that died without unregistering (SIGKILL), so health and the queues
    page stop counting it at once instead of after RQ's worker TTL. False when it was not registered or Redis
    is unreachable (a restarted Redis forgot it anyway)."""
    client = get_redis(settings or get_settings())
    try:
        worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + name, connection=client,
                                    serializer=JSONSerializer)
        if worker is None:
            return False
        with client.pipeline() as pipe:
            worker_registration.unregister(worker, pipe)
            pipe.delete(worker.key)
            pipe.execute()
    except QUEUE_FAILURES as exc:
        log.warning("worker %s: registration not removed, Redis at %s: %s", name, client_location(client),
                    str(exc) or type(exc).__name__)
        return False
    return True
