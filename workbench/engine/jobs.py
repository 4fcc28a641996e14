"""RQ adapter: queues, job functions and the worker. Job functions take ids and primitives only and use the
JSON serializer (no pickle of application objects). Results live on the run row, not in RQ's result TTL."""

from __future__ import annotations

import logging
import threading
from typing import Any

from rq import Queue, Retry, SimpleWorker, Worker, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from workbench.engine.redis_conn import get_redis
from workbench.engine.settings import Settings, get_settings

log = logging.getLogger(__name__)

QUEUES = ("previews", "runs", "backfills")
RESULT_TTL_S = 24 * 3600
FAILURE_TTL_S = 7 * 24 * 3600


def queue(name: str, settings: Settings | None = None) -> Queue:
    settings = settings or get_settings()
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}; queues are {QUEUES}")
    return Queue(name, connection=get_redis(settings), serializer=JSONSerializer,
                 default_timeout=settings.job_timeout_s)


def enqueue_run(run_id: int, *, queue_name: str = "runs", settings: Settings | None = None) -> str:
    """Queue the execution of a recorded (queued) run. One job per run (job id ``run-<id>``)."""
    job = queue(queue_name, settings).enqueue_call(
        "workbench.engine.jobs.run_job", args=(run_id,), job_id=f"run-{run_id}", result_ttl=RESULT_TTL_S,
        failure_ttl=FAILURE_TTL_S, description=f"run {run_id}",
        # Safe to retry: execute_run is idempotent (a run no longer queued is left alone).
        retry=Retry(max=1),
    )
    return job.id


def ensure_enqueued(run_id: int, *, settings: Settings | None = None) -> bool:
    """Queue a recorded queued run whose job is missing or dead (e.g. after an embedded Redis restart);
    True when it was (re)queued."""
    settings = settings or get_settings()
    redis = get_redis(settings)
    try:
        job = Job.fetch(f"run-{run_id}", connection=redis, serializer=JSONSerializer)
    except NoSuchJobError:
        job = None
    if job is not None and job.get_status() in ("queued", "started", "deferred", "scheduled"):
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
    from workbench.engine import services

    job = get_current_job()

    def progress(info: dict[str, Any]) -> None:
        if job is not None:
            job.meta["progress"] = info
            job.save_meta()

    run = services.execute_run(run_id, progress=progress)
    return {"run_id": run.id, "status": run.status, "qa_status": run.qa_status}


def preview_job(slug: str | None, raw_sha256: str, filename: str, params: dict[str, Any],
                sheet: int | str | None = None) -> dict[str, Any]:
    """Job: compute (or fetch from the cache) the preview of a stored RAW file; returns its cache key."""
    from workbench.engine import previews

    return previews.cached_preview_of_stored(slug, raw_sha256, filename=filename, params=params, sheet=sheet)


def work(queues: list[str] | None = None, *, burst: bool = False, settings: Settings | None = None,
         name: str | None = None, fork: bool = False) -> bool:
    """Run a worker on ``queues`` (all by default) until stopped, or until empty with ``burst``.

    By default jobs run inside the worker process (RQ's SimpleWorker): our jobs are the engine's own code,
    and forking a work horse per job (copying a process that holds pandas and Arrow, then reconnecting to
    the database and Redis) doubled the cost of a typical run. ``fork=True`` isolates each job instead.
    Either way a killed worker is recovered the same way (``services.recover_abandoned``)."""
    settings = settings or get_settings()
    from workbench.engine import services

    services.recover_abandoned(settings)
    if not fork:  # jobs run in this process: import GX (~3 s) while waiting for the first one
        from workbench.engine.validation.runner import warm_up

        threading.Thread(target=warm_up, name="gx-warm-up", daemon=True).start()
    worker_class = Worker if fork else SimpleWorker
    worker = worker_class([queue(q, settings) for q in (queues or list(QUEUES))], connection=get_redis(settings),
                          serializer=JSONSerializer, name=name)
    return worker.work(burst=burst, logging_level="WARNING")
