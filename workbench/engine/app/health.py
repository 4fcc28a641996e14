"""Health of each dependency for ``GET /workbench/health``: the database, Redis, the workers and queues, and the
disk, each with its status and how long its check took. Public: failures say what kind, never where."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rq import Worker

from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.statuses import QUEUES
from workbench.engine.infra import queue as rq_queue
from workbench.engine.infra.redis_conn import ensure_reachable, get_redis
from workbench.engine.infra.redis_embedded import CONNECTION_ERRORS
from workbench.engine.store.db import DatabaseNotMigratedError, read_scope
from workbench.engine.store.objects import output_objects, raw_objects
from workbench.engine.store.prepare import prepare_store

log = logging.getLogger(__name__)


#: Below this much free space where uploads and run outputs are written, the disk check says ``low``, bytes.
DISK_LOW_BYTES = 1024**3


def health(settings: Settings | None = None) -> dict[str, dict[str, Any]]:
    """Each dependency with its ``status`` and the time its check took (``latency_ms``):

    - ``database``: ``ok`` / ``down`` (``SELECT 1``, connecting first when the pool has no live connection);
    - ``redis``: ``ok`` / ``down`` (PING);
    - ``workers``: ``ok`` / ``none`` (no RQ worker registered) / ``unknown`` (Redis down);
    - ``queues``: ``ok`` / ``unknown``, with the jobs waiting in each queue;
    - ``disk``: ``ok`` / ``low`` (under DISK_LOW_BYTES free) / ``full`` (an upload of the largest allowed size
      would not fit), the least free space among the data, RAW and outputs folders;
    - ``storage``: ``ok`` / ``down``, where RAW files and run outputs are kept (``kind``: ``local`` or ``s3``;
      the bucket is reachable, or the folders writable).

    Public (probes call it without credentials), so a failure says what kind (a code and a few words), never
    a host, a URL, a path or a password: those are in the server's log."""
    settings = settings or get_settings()
    out: dict[str, dict[str, Any]] = {"database": _timed(_database_check, settings)}
    redis_check = _timed(_redis_check, settings)
    client = redis_check.pop("client", None)
    out["redis"] = redis_check
    if client is None:
        out["workers"] = {"status": "unknown", "count": 0, "detail": "Redis is down"}
        out["queues"] = {"status": "unknown", "detail": "Redis is down"}
    else:
        out["workers"] = _workers_check(client)
        out["queues"] = _timed(_queues_check, settings)
    out["disk"] = _timed(_disk_check, settings)
    out["storage"] = _timed(_storage_check, settings)
    return out


def _timed(check: Any, settings: Settings) -> dict[str, Any]:
    started = time.perf_counter()
    result = check(settings)
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database_check(settings: Settings) -> dict[str, Any]:
    try:
        url = prepare_store(settings)
        with read_scope(url) as session:
            session.execute(sa.text("SELECT 1"))
    except DatabaseNotMigratedError as exc:
        return {"status": "down", "code": exc.code, "detail": "schema not current: run `workbench db upgrade`"}
    except WorkbenchError as exc:
        log.warning("health: database down: %s", exc.message)
        return {"status": "down", "code": exc.code, "detail": "not reachable"}
    return {"status": "ok"}


def _redis_check(settings: Settings) -> dict[str, Any]:
    try:
        client = get_redis(settings)
        ensure_reachable(client)
    except WorkbenchError as exc:
        log.warning("health: Redis down: %s", exc.message)
        return {"status": "down", "code": exc.code, "detail": "not reachable"}
    return {"status": "ok", "client": client}


def _workers_check(client: Any) -> dict[str, Any]:
    try:
        names = sorted(w.name for w in Worker.all(connection=client))
    except CONNECTION_ERRORS as exc:  # Redis went away between the ping and this call
        return {"status": "unknown", "count": 0, "detail": type(exc).__name__}
    return {"status": "ok" if names else "none", "count": len(names), "names": names[:20]}


def _queues_check(settings: Settings) -> dict[str, Any]:
    try:
        depth = {name: rq_queue.queue(name, settings).count for name in QUEUES}
    except CONNECTION_ERRORS as exc:
        return {"status": "unknown", "detail": type(exc).__name__}
    return {"status": "ok", "waiting": depth}


def _disk_check(settings: Settings) -> dict[str, Any]:
    free = min(_free_bytes(Path(p)) for p in (settings.data_dir, settings.raw_dir, settings.outputs_dir))
    status = "full" if free < settings.max_upload_bytes else "low" if free < DISK_LOW_BYTES else "ok"
    return {"status": status, "free_bytes": free}


def _storage_check(settings: Settings) -> dict[str, Any]:
    kind = "s3" if settings.storage_url else "local"
    try:
        for objects in (raw_objects(settings), output_objects(settings)):
            objects.check()
    except WorkbenchError as exc:
        log.warning("health: object storage down: %s", exc.message)
        return {"status": "down", "kind": kind, "code": exc.code, "detail": "not reachable"}
    return {"status": "ok", "kind": kind}


def _free_bytes(path: Path) -> int:
    """Free space (for an unprivileged writer) on the file system that holds ``path`` or its nearest parent."""
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return 0


__all__ = ["DISK_LOW_BYTES", "health"]
