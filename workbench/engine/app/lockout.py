"""Failed sign-ins per key (user and address) within a window, for the lock-out in ``sessions.authenticate``."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from workbench.engine.core.settings import Settings
from workbench.engine.infra.redis_conn import get_redis

log = logging.getLogger(__name__)


class FailureCounter:
    """Failed sign-ins per key within a window: in Redis (shared by every process) or, when Redis is down,
    in this process (logged: the lock-out then holds per process only). ``clock`` times the in-process
    window (Redis keys expire by their own TTL); a test passes a fake one to step past the window."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._local: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def _redis(self, settings: Settings):
        return get_redis(settings)

    def count(self, key: str, settings: Settings) -> int:
        try:
            return int(self._redis(settings).get(f"wb:auth:fail:{key}") or 0)
        except Exception as exc:  # noqa: BLE001 (any Redis failure: fall back, never fail open silently)
            log.warning("sign-in failures counted in-process (Redis unavailable: %s)", type(exc).__name__)
            with self._lock:
                now = self._clock()
                hits = [t for t in self._local.get(key, []) if now - t < settings.login_lockout_s]
                self._local[key] = hits
                return len(hits)

    def add(self, key: str, settings: Settings) -> None:
        try:
            client = self._redis(settings)
            pipe = client.pipeline()
            pipe.incr(f"wb:auth:fail:{key}")
            pipe.expire(f"wb:auth:fail:{key}", settings.login_lockout_s)
            pipe.execute()
        except Exception:  # noqa: BLE001
            with self._lock:
                self._local.setdefault(key, []).append(self._clock())

    def attempt(self, key: str, settings: Settings) -> int:
        """Count one more attempt for ``key`` *before* checking it and return the count (atomic in Redis:
        parallel guesses cannot all pass the limit); a success clears it."""
        try:
            client = self._redis(settings)
            pipe = client.pipeline()
            pipe.incr(f"wb:auth:fail:{key}")
            pipe.expire(f"wb:auth:fail:{key}", settings.login_lockout_s)
            return int(pipe.execute()[0])
        except Exception as exc:  # noqa: BLE001 (any Redis failure: count here, never fail open)
            log.warning("sign-in attempts counted in-process (Redis unavailable: %s)", type(exc).__name__)
            with self._lock:
                now = self._clock()
                hits = [t for t in self._local.get(key, []) if now - t < settings.login_lockout_s] + [now]
                self._local[key] = hits
                return len(hits)

    def clear(self, key: str, settings: Settings) -> None:
        try:
            self._redis(settings).delete(f"wb:auth:fail:{key}")
        except Exception as exc:  # noqa: BLE001 (Redis down: the key expires by itself)
            log.warning("sign-in failures of a key not cleared in Redis: %s", type(exc).__name__)
        with self._lock:
            self._local.pop(key, None)


FAILURES = FailureCounter()


__all__ = ["FAILURES", "FailureCounter"]
