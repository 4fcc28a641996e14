"""Rate limits on uploads (``POST /workbench/preview``, ``POST /workbench/runs``): per principal and global.

A sliding window approximated from two fixed windows (the previous window's count weighted by how much of
it still overlaps, plus the current one), counted in Redis under ``wb:ratelimit:*`` so every server process
shares it. With Redis down the counters live in this process: the limit still holds per process (never
fails open) and the fallback is logged once per outage. Over the limit: 429 problem JSON with
``Retry-After``. Limits are settings (``WORKBENCH_UPLOAD_RATE_*``, docs/security.md).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

import redis
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from workbench.api import problems
from workbench.api.deps import current_principal
from workbench.api.drain import drain
from workbench.api.uploads import FORM_OVERHEAD_BYTES
from workbench.engine.api import Settings, WorkbenchError

log = logging.getLogger(__name__)

KEY_PREFIX = "wb:ratelimit:"
#: The upload routes (method, path) the limits apply to.
UPLOAD_ROUTES = frozenset({("POST", "/workbench/preview"), ("POST", "/workbench/runs")})
#: After a Redis failure, the in-process counters are used this long before Redis is tried again.
REDIS_RETRY_AFTER_S = 5.0


class RateLimitedError(WorkbenchError):
    code = "rate-limited"
    kind = "too-many-requests"
    title = "Too many uploads"
    template = "too many uploads ({scope}: {limit} per {window_s} s); try again in {retry_after} s"
    template_es = "demasiadas subidas ({scope_es}: {limit} cada {window_s} s); intente de nuevo en {retry_after} s"


@dataclass(frozen=True)
class Limit:
    scope: str  # "principal" | "global"
    key: str
    limit: int


def _weighted(previous: int, current: int, elapsed: float, window: int) -> float:
    return previous * (1 - elapsed / window) + current


class MemoryCounter:
    """The same two-window counting in this process (the fallback, and tests without Redis)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, window: int, now: float) -> tuple[int, int]:
        index = int(now // window)
        with self._lock:
            for stale in [k for k in self._counts if k[1] < index - 1]:
                del self._counts[stale]
            self._counts[(key, index)] = self._counts.get((key, index), 0) + 1
            return self._counts.get((key, index - 1), 0), self._counts[(key, index)]

    def undo(self, key: str, window: int, now: float) -> None:
        index = int(now // window)
        with self._lock:
            if self._counts.get((key, index)):
                self._counts[(key, index)] -= 1


class RedisCounter:
    def __init__(self, client: Any) -> None:
        self.client = client

    def hit(self, key: str, window: int, now: float) -> tuple[int, int]:
        index = int(now // window)
        current, previous = f"{KEY_PREFIX}{key}:{index}", f"{KEY_PREFIX}{key}:{index - 1}"
        pipe = self.client.pipeline(transaction=False)
        pipe.incr(current)
        pipe.expire(current, window * 2 + 1)
        pipe.get(previous)
        count, _, before = pipe.execute()
        return int(before or 0), int(count)

    def undo(self, key: str, window: int, now: float) -> None:
        self.client.decr(f"{KEY_PREFIX}{key}:{int(now // window)}")


class UploadLimiter:
    """Counts one upload against each limit; a refused upload is not counted (the caller retries later)."""

    def __init__(self, settings: Settings, redis_client: Any = None) -> None:
        self.settings = settings
        self.window = settings.upload_rate_window_s
        self._redis = redis_client
        self._memory = MemoryCounter()
        self._redis_down_until = 0.0
        self._lock = threading.Lock()

    def limits_for(self, principal: str) -> list[Limit]:
        out = []
        if self.settings.upload_rate_per_principal:
            digest = hashlib.sha256(principal.encode("utf-8", "surrogatepass")).hexdigest()[:32]
            out.append(Limit("principal", f"uploads:principal:{digest}", self.settings.upload_rate_per_principal))
        if self.settings.upload_rate_global:
            out.append(Limit("global", "uploads:global", self.settings.upload_rate_global))
        return out

    def _client(self) -> Any:
        if self._redis is None:
            from workbench.engine.infra.redis_conn import get_redis

            self._redis = get_redis(self.settings)
        return self._redis

    def _counter(self, now: float) -> Any:
        if now < self._redis_down_until:
            return self._memory
        try:
            return RedisCounter(self._client())
        except (WorkbenchError, OSError) as exc:  # the embedded Redis cannot start, or no socket
            self._redis_failed(exc, now)
            return self._memory

    def _redis_failed(self, exc: BaseException, now: float) -> None:
        with self._lock:
            first = self._redis_down_until == 0.0 or now >= self._redis_down_until + REDIS_RETRY_AFTER_S
            self._redis_down_until = now + REDIS_RETRY_AFTER_S
        if first:
            log.warning("upload rate limits: Redis unreachable (%s); counting in this process instead",
                        type(exc).__name__)

    def check(self, principal: str, now: float | None = None) -> None:
        """Count an upload of ``principal``; raise RateLimitedError (nothing counted) when over a limit."""
        now = time.time() if now is None else now
        limits = self.limits_for(principal)
        if not limits:
            return
        counter = self._counter(now)
        try:
            self._count(counter, limits, now)
        except (redis.RedisError, OSError) as exc:  # down, timed out, out of memory, read-only replica
            self._redis_failed(exc, now)
            self._count(self._memory, limits, now)

    def _count(self, counter: Any, limits: list[Limit], now: float) -> None:
        elapsed = now % self.window
        counted: list[Limit] = []
        for item in limits:
            previous, current = counter.hit(item.key, self.window, now)
            counted.append(item)
            if _weighted(previous, current, elapsed, self.window) > item.limit:
                for done in counted:
                    counter.undo(done.key, self.window, now)
                raise self._refused(item, previous, current, elapsed)

    def _refused(self, item: Limit, previous: int, current: int, elapsed: float) -> RateLimitedError:
        """Retry-After: when the previous window's weight has decayed enough, else the next window."""
        window = self.window
        if previous and current < item.limit:
            # ``current`` counts this refused upload, so a retry fits once
            # previous * (1 - t/window) + current <= limit, i.e. t >= window * (1 - (limit - current) / previous)
            wait = window * (1 - (item.limit - current) / previous) - elapsed
        else:
            wait = window - elapsed
        retry = max(1, math.ceil(wait))
        return RateLimitedError(scope=item.scope, scope_es="por usuario" if item.scope == "principal" else "en total",
                                limit=item.limit, window_s=window, retry_after=retry)


class UploadRateLimit:
    """ASGI middleware: the upload routes count against the limits before their body is read."""

    def __init__(self, app: ASGIApp, *, settings: Settings, limiter: UploadLimiter | None = None) -> None:
        self.app = app
        self.limiter = limiter or UploadLimiter(settings)
        #: A refused upload's body is read (and dropped) up to what an accepted one may be.
        self.drain_limit = settings.max_upload_bytes + FORM_OVERHEAD_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"].rstrip("/")) not in UPLOAD_ROUTES:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            principal = await current_principal(request)
        except Exception:  # noqa: BLE001 - the route runs the same dependency and answers its error properly
            await self.app(scope, receive, send)
            return
        try:
            await run_in_threadpool(self.limiter.check, principal.name)
        except RateLimitedError as exc:
            headers = {"Retry-After": str(exc.details["retry_after"])}
            declared = dict(scope.get("headers", [])).get(b"content-length", b"")
            too_long = declared.isdigit() and int(declared) > self.drain_limit
            if too_long or not await drain(receive, self.drain_limit):
                headers["Connection"] = "close"  # too much left to read: the connection ends after the answer
            response = problems.from_error(exc.to_dict(), 429, scope["path"], headers=headers)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

