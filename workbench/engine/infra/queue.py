"""The RQ queue: named queues, jobs enqueued by the dotted name of their function (so this module imports no use
case), job lookups and the worker process. Job functions take ids and primitives only and use the JSON
serializer (no pickle of application objects). Results live on the run row, not in RQ's result TTL."""

from __future__ import annotations

import logging
from typing import Any

import redis
from rq import Queue, Retry, SimpleWorker, Worker, worker_registration
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from workbench.engine.core.errors import RedisUnavailableError
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.statuses import QUEUES
from workbench.engine.infra.redis_conn import client_location, get_redis

log = logging.getLogger(__name__)

RESULT_TTL_S = 24 * 3600
FAILURE_TTL_S = 7 * 24 * 3600

#: What means "Redis did not take the job": down, timed out, out of memory, a read-only replica.
QUEUE_FAILURES: tuple[type[BaseException], ...] = (redis.RedisError, OSError, RedisUnavailableError)


class QueueUnavailableError(RedisUnavailableError):
    """A recorded run could not be queued (Redis down or refusing writes). The run is then recorded as failed
    with this error, its RAW file kept, so the user sees the attempt and submits again: a run is never left
    queued with no job, nor executed later behind the user's back when Redis returns."""

    code = "redis-unavailable"
    kind = "unavailable"
    title = "Run not queued: Redis unavailable"
    public = True  # its messages name no server (where and why are logged when it is raised)
    template = ("run {run_id} could not be queued: Redis is not reachable; the file {filename} was kept and the "
                "run is recorded as failed: submit it again when Redis is back")
    template_es = ("no se pudo encolar la ejecución {run_id}: el servicio de colas (Redis) no responde. El archivo "
                   "{filename} quedó guardado y la ejecución quedó registrada como fallida; vuelva a enviarlo en "
                   "unos momentos")


def queue(name: str, settings: Settings | None = None) -> Queue:
    settings = settings or get_settings()
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}; queues are {QUEUES}")
    return Queue(name, connection=get_redis(settings), serializer=JSONSerializer,
                 default_timeout=settings.job_timeout_s)


def enqueue(function: str, *, args: tuple[Any, ...], job_id: str, description: str, queue_name: str,
            settings: Settings, retries: int = 0, unique: bool = False) -> str:
    """Queue ``function`` (a dotted name, resolved by the worker) with primitive ``args``; raises one of
    ``QUEUE_FAILURES`` when Redis does not take the job. ``unique``: RQ refuses a second job with the same id
    instead of replacing it, and the existing job's id is returned."""
    try:
        job = queue(queue_name, settings).enqueue_call(
            function, args=args, job_id=job_id, result_ttl=RESULT_TTL_S, failure_ttl=FAILURE_TTL_S,
            description=description, retry=Retry(max=retries) if retries else None, unique=unique,
        )
    except DuplicateJobError:
        log.warning("job %s is already queued: not queued twice", job_id)
        return job_id
    return job.id


def job_state(job_id: str, settings: Settings) -> tuple[Job | None, str | None]:
    """The job and its status (``(None, None)`` when Redis has no such job); raises one of ``QUEUE_FAILURES``."""
    try:
        job = Job.fetch(job_id, connection=get_redis(settings), serializer=JSONSerializer)
        return job, job.get_status()
    except NoSuchJobError:
        return None, None


def cancel_jobs(job_ids: list[str], *, settings: Settings | None = None) -> None:
    """Drop queued jobs (a job already running finishes)."""
    client = get_redis(settings or get_settings())
    for job_id in job_ids:
        try:
            Job.fetch(job_id, connection=client, serializer=JSONSerializer).cancel()
        except NoSuchJobError:
            continue


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


def start_worker(queues: list[str], *, burst: bool, settings: Settings, name: str | None, fork: bool,
                 stamped: bool) -> bool:
    """Run an RQ worker on ``queues`` until stopped, or until empty with ``burst``."""
    worker_class = _ForkingWorker if fork else _SimpleWorker
    worker = worker_class([queue(q, settings) for q in queues], connection=get_redis(settings),
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
