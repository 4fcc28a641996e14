"""What the background machinery is doing, read from RQ: each queue's job counts, the workers and their state,
and the latest failed jobs (read-only; for the web app's queues page and health views)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rq import Queue, Worker
from rq.job import Job
from rq.registry import DeferredJobRegistry, FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry, \
    StartedJobRegistry
from rq.serializers import JSONSerializer

from workbench.engine.app.access import require, requires
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.statuses import QUEUES
from workbench.engine.infra.redis_conn import ensure_reachable, get_redis

#: Failed jobs listed per queue (newest first).
FAILED_SHOWN = 20
ERROR_CHARS = 300
#: What non-admins see of a failed job's exception (the run's own record says what failed, in user terms).
HIDDEN_ERROR = "detalle solo para administradores (queda en el registro del servidor)"


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "")[:ERROR_CHARS]


@requires("read")
def queues_overview(settings: Settings | None = None, *, failed_limit: int = FAILED_SHOWN) -> dict[str, Any]:
    """``{"queues": [...], "workers": [...], "failed": [...]}`` with plain values (ints, strings, datetimes).
    Raises RedisUnavailableError when Redis does not answer."""
    settings = settings or get_settings()
    redis = get_redis(settings)
    ensure_reachable(redis)
    queues, failed = [], []
    admin = require("read").can("admin")  # a job's exception may name servers, sockets or paths
    for name in QUEUES:
        queue = Queue(name, connection=redis, serializer=JSONSerializer)
        failed_registry = FailedJobRegistry(queue=queue)
        queues.append({
            "name": name, "queued": queue.count,
            "started": StartedJobRegistry(queue=queue).count, "failed": failed_registry.count,
            "finished": FinishedJobRegistry(queue=queue).count, "deferred": DeferredJobRegistry(queue=queue).count,
            "scheduled": ScheduledJobRegistry(queue=queue).count,
        })
        ids = failed_registry.get_job_ids(0, failed_limit - 1, desc=True)
        for job in Job.fetch_many(ids, connection=redis, serializer=JSONSerializer):
            if job is None:
                continue
            result = job.latest_result()
            error = _last_line(result.exc_string if result else None) if admin else HIDDEN_ERROR
            failed.append({"id": job.id, "queue": name, "description": job.description or "",
                           "ended_at": job.ended_at, "error": error})
    workers = []
    for worker in Worker.all(connection=redis, serializer=JSONSerializer):
        job = worker.get_current_job()
        workers.append({"name": worker.name, "state": str(worker.get_state()), "queues": worker.queue_names(),
                        "current_job": job.description if job else "", "last_heartbeat": worker.last_heartbeat,
                        "successful": getattr(worker, "successful_job_count", 0) or 0,
                        "failed": getattr(worker, "failed_job_count", 0) or 0})
    failed.sort(key=lambda f: (f["ended_at"] or datetime.min).timestamp() if f["ended_at"] else 0.0, reverse=True)
    return {"queues": queues, "workers": workers, "failed": failed[:failed_limit]}


__all__ = ["FAILED_SHOWN", "HIDDEN_ERROR", "queues_overview"]
