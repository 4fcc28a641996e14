"""One run per dataset at a time: a Redis lock with a TTL, kept alive by a heartbeat while its holder lives.

The lock is ``wb:lock:<slug>`` = JSON ``{token, owner, since, pid, host}``, set with NX and a TTL. A heartbeat
thread extends the TTL every ttl/3 only while the value is still ours, so a holder that dies (even by SIGKILL)
frees the dataset within ``ttl_s``; a holder whose lock expired anyway (a long pause, Redis restarted) sees
``lost`` become True. Release compares and deletes, so it never removes someone else's lock.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

import redis

from workbench.engine.core.errors import RedisUnavailableError, WorkbenchError
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.infra.redis_conn import LOCK_PREFIX, client_location, get_redis
from workbench.engine.infra.redis_embedded import CONNECTION_ERRORS

log = logging.getLogger(__name__)

#: Default lock lifetime without a heartbeat, seconds (settings.lock_ttl_s overrides it).
DEFAULT_TTL_S = 30
#: A waiting acquire polls with exponential backoff between these bounds, seconds.
POLL_MIN_S = 0.05
POLL_MAX_S = 1.0

# KEYS[1] lock; ARGV[1] our value, ARGV[2] ttl ms. 1 when extended, 0 when the lock is no longer ours.
_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
# KEYS[1] lock; ARGV[1] our value. 1 when deleted, 0 when it was not ours (expired, or taken by another run).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class DatasetBusyError(WorkbenchError):
    code = "dataset-busy"
    kind = "conflict"
    title = "Dataset busy"
    template = "dataset '{slug}' is being processed by {owner} (since {since}); try again when it finishes"
    template_es = ("el conjunto de datos '{slug}' está siendo procesado por {owner_es} (desde {since}); "
                   "intente de nuevo cuando termine")

    def __init__(self, *, slug: str, owner: str, since: str, **details: Any) -> None:
        owner = owner or "another process"
        owner_es = re.sub(r"^run\b", "la ejecución", owner).replace("another process", "otro proceso")
        super().__init__(slug=slug, owner=owner, owner_es=owner_es, since=since, **details)


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _wrap(client: redis.Redis, exc: BaseException) -> RedisUnavailableError:
    return RedisUnavailableError(where=client_location(client), reason=str(exc) or type(exc).__name__)


class DatasetLock:
    """``with DatasetLock(r, "dipres_ley", owner="run 42").held(wait=True, timeout_s=600): ...``

    ``with lock:`` acquires without waiting (or reuses an acquire() already done) and always releases.
    Redis errors while acquiring raise RedisUnavailableError (running without the lock is not safe);
    while releasing they are logged only (the TTL frees the lock).
    """

    def __init__(self, redis: redis.Redis, slug: str, *, ttl_s: float = DEFAULT_TTL_S, owner: str = "",
                 prefix: str = LOCK_PREFIX) -> None:
        if ttl_s <= 0:
            raise ValueError("ttl_s must be positive")
        self.redis = redis
        self.slug = slug
        self.prefix = prefix
        self.key = prefix + slug
        self.ttl_s = ttl_s
        self.owner = owner
        self.lost = False
        self.since: str | None = None
        self._value: str | None = None
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self._extend = redis.register_script(_EXTEND)
        self._release = redis.register_script(_RELEASE)

    @classmethod
    def from_settings(cls, slug: str, *, owner: str = "", settings: Settings | None = None) -> DatasetLock:
        """The product's lock for ``slug``: ``get_redis(settings)`` and ``settings.lock_ttl_s``. Callers pass
        ``wait=settings.lock_wait, timeout_s=settings.lock_wait_timeout_s`` to ``held``/``acquire``."""
        settings = settings or get_settings()
        return cls(get_redis(settings), slug, ttl_s=settings.lock_ttl_s, owner=owner)

    @property
    def is_held(self) -> bool:
        """Acquired by this object, not released, and not found lost by the heartbeat."""
        return self._value is not None and not self.lost

    def acquire(self, *, wait: bool, timeout_s: float = 0) -> None:
        """Take the lock, or raise DatasetBusyError naming the holder: at once (``wait=False``) or after waiting
        up to ``timeout_s`` seconds for the holder to finish."""
        if self._value is not None:
            raise RuntimeError(f"lock {self.key} is already held by this object")
        self._token = secrets.token_hex(16)
        started = time.monotonic()
        delay, races = POLL_MIN_S, 0
        while True:
            try:
                value = self._take()
            except CONNECTION_ERRORS as exc:
                raise _wrap(self.redis, exc) from exc
            if value is not None:
                break
            waited = time.monotonic() - started
            if not wait or waited >= timeout_s:
                holder = self.current(self.redis, self.slug, prefix=self.prefix)
                if holder is None and races < 3:  # released between our SET and GET: try again at once
                    races += 1
                    continue
                holder = holder or {}
                raise DatasetBusyError(slug=self.slug, owner=holder.get("owner", ""), since=holder.get("since", "?"),
                                       waited_s=round(waited, 1))
            time.sleep(min(delay * random.uniform(0.5, 1.0), max(0.0, timeout_s - waited)))
            delay = min(delay * 2, POLL_MAX_S)
        self._value, self.since, self.lost = value, json.loads(value).get("since") or _utc_now(), False
        self._start_heartbeat(value)

    def _take(self) -> str | None:
        """One attempt: our value when the lock is now ours, else None."""
        value = json.dumps({"token": self._token, "owner": self.owner, "since": _utc_now(), "pid": os.getpid(),
                            "host": socket.gethostname()}, separators=(",", ":"))
        return value if self.redis.set(self.key, value, nx=True, px=self._ttl_ms) else None

    def release(self) -> None:
        """Stop the heartbeat and delete the lock if it is still ours; idempotent, never raises for Redis."""
        value, self._value = self._value, None
        self._stop.set()
        if self._heartbeat is not None and self._heartbeat is not threading.current_thread():
            self._heartbeat.join(timeout=5)
        self._heartbeat = None
        if value is None:
            return
        try:
            if not self._release(keys=[self.key], args=[value]):
                log.warning("lock %s had already expired or been taken over when released", self.key)
        except CONNECTION_ERRORS as exc:
            log.warning("could not release lock %s (%s); it expires within %s s", self.key, exc, self.ttl_s)

    @contextmanager
    def held(self, *, wait: bool, timeout_s: float = 0) -> Iterator[DatasetLock]:
        """Acquire, yield, and release on every exit path."""
        self.acquire(wait=wait, timeout_s=timeout_s)
        try:
            yield self
        finally:
            self.release()

    def __enter__(self) -> DatasetLock:
        if self._value is None:
            self.acquire(wait=False)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    @staticmethod
    def current(redis: redis.Redis, slug: str, *, prefix: str = LOCK_PREFIX) -> dict[str, Any] | None:
        """Who holds ``slug`` now: ``{owner, since, pid, host, ttl_ms}`` (never the token), or None."""
        try:
            pipe = redis.pipeline(transaction=False)
            pipe.get(prefix + slug)
            pipe.pttl(prefix + slug)
            raw, ttl_ms = pipe.execute()
        except CONNECTION_ERRORS as exc:
            raise _wrap(redis, exc) from exc
        if raw is None:
            return None
        try:
            info = json.loads(raw)
        except ValueError:
            info = {"owner": raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)}
        info.pop("token", None)
        info["ttl_ms"] = ttl_ms
        return info

    def _start_heartbeat(self, value: str) -> None:
        self._stop = threading.Event()
        self._heartbeat = threading.Thread(target=self._beat, args=(value, self._stop),
                                           name=f"lock-heartbeat-{self.slug}", daemon=True)
        self._heartbeat.start()

    @property
    def _ttl_ms(self) -> int:
        return max(1, int(self.ttl_s * 1000))

    def _beat(self, value: str, stop: threading.Event) -> None:
        """Extend every ttl/3 while the lock is ours; give up (``lost``) when it is not, or when Redis has not
        answered for a whole TTL (the lock has expired by then)."""
        interval = self.ttl_s / 3
        last_ok = time.monotonic()
        while not stop.wait(interval):
            try:
                ours = self._extend(keys=[self.key], args=[value, self._ttl_ms])
            except CONNECTION_ERRORS as exc:
                if time.monotonic() - last_ok < self.ttl_s:
                    log.warning("lock %s heartbeat failed (%s); retrying", self.key, exc)
                    continue
                ours = 0
            if not ours:
                self.lost = True
                log.warning("lock %s was lost (expired or taken over) while %s held it", self.key, self.owner or "we")
                return
            last_ok = time.monotonic()


# Shared holding by the runs of one group (a backfill): the lock's value is the same for every member, and
# ``<key>:holders`` counts the members holding it. KEYS[1] lock; ARGV[1] the group's value, ARGV[2] ttl ms.
_GROUP_ACQUIRE = """
local holders = KEYS[1] .. ':holders'
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('SET', holders, 1, 'PX', ARGV[2])
  return 1
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('INCR', holders)
  redis.call('PEXPIRE', holders, ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
_GROUP_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1] .. ':holders', ARGV[2])
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_GROUP_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if redis.call('DECR', KEYS[1] .. ':holders') <= 0 then
    redis.call('DEL', KEYS[1], KEYS[1] .. ':holders')
  end
  return 1
end
return 0
"""


class GroupLock(DatasetLock):
    """The dataset lock held jointly by the runs of one group (``group="backfill 7"``): they run in parallel
    on several workers, while any other run of the dataset waits or is refused. Each member heartbeats; the
    lock goes when the last member releases it, or within the TTL after the last live member died."""

    def __init__(self, redis: redis.Redis, slug: str, *, group: str, ttl_s: float = DEFAULT_TTL_S,
                 prefix: str = LOCK_PREFIX) -> None:
        super().__init__(redis, slug, ttl_s=ttl_s, owner=group, prefix=prefix)
        self.group = group
        self._extend = redis.register_script(_GROUP_EXTEND)
        self._release = redis.register_script(_GROUP_RELEASE)
        self._acquire = redis.register_script(_GROUP_ACQUIRE)

    def _take(self) -> str | None:
        # Every member writes the same value (the scripts compare it), so it carries no per-member facts.
        value = json.dumps({"token": f"group:{self.group}", "owner": self.group, "group": self.group},
                           separators=(",", ":"))
        return value if self._acquire(keys=[self.key], args=[value, self._ttl_ms]) else None


__all__ = ["DatasetBusyError", "DatasetLock", "GroupLock"]
