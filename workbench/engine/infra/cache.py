"""Preview cache in Redis: content-addressed, compressed, bounded in size, and optional.

A key is the sha256 of (RAW file sha256, spec hash, params, engine version, options), so an entry never goes
stale: nothing to invalidate. Entries are zlib-compressed JSON with a TTL; ``<prefix>index`` (sorted set,
key -> last use), ``<prefix>sizes`` (hash, key -> stored bytes) and ``<prefix>total`` (stored bytes) keep the
whole cache under ``max_total_bytes``: a put evicts the least recently used entries first, in one Lua script.

The cache is an optimisation: when Redis is down, slow or refuses a write, ``get`` returns None and ``put``
returns False, each with one logged warning and ``last_error`` set for the caller's response warnings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any

import redis

from workbench.engine.infra.redis_conn import CACHE_PREFIX, client_location, get_redis
from workbench.engine.core.settings import Settings, get_settings

log = logging.getLogger(__name__)

#: Part of every key: a change in how entries are stored changes every key (2: previews carry ``warnings_es``).
CACHE_FORMAT = 2
#: zlib level: 1 compresses a preview about 6x in about a millisecond per 100 KB; higher levels barely shrink it.
COMPRESS_LEVEL = 1
#: After a failed call, the cache stays off this long, seconds, so a dead Redis costs one timeout, not one per call.
RETRY_AFTER_S = 5.0
#: A failed call that took this long (a timeout, not a refused connection), seconds, pauses the cache of that server
#: for every PreviewCache in the process: previews build one per call, and a hung Redis would otherwise cost its
#: timeouts (about 4 s) on every preview instead of once per pause.
SLOW_FAILURE_S = 0.5
_paused: dict[str, tuple[float, str]] = {}  # server and prefix -> (paused until, monotonic; why)
_paused_lock = threading.Lock()
#: What makes the cache unusable for a call (connection, timeout, OOM/READONLY refusals): never raised to callers.
FAILURES: tuple[type[BaseException], ...] = (redis.RedisError, OSError)

# Shared bookkeeping for both scripts: drop an entry and its accounting.
_DROP = """
local function drop(m)
  local s = tonumber(redis.call('HGET', KEYS[2], m) or '0')
  redis.call('HDEL', KEYS[2], m)
  redis.call('ZREM', KEYS[1], m)
  redis.call('DEL', ARGV[1] .. m)
  if redis.call('DECRBY', KEYS[3], s) < 0 then redis.call('SET', KEYS[3], 0) end
end
local function touch(ttl_ms)
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ttl_ms) end
end
"""

# KEYS: index, sizes, total. ARGV: prefix, member, now, ttl_ms. Returns the entry or nil; a hit refreshes its TTL.
_GET = _DROP + """
local value = redis.call('GET', ARGV[1] .. ARGV[2])
if not value then
  if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then drop(ARGV[2]) end
  return false
end
local ttl_ms = tonumber(ARGV[4])
redis.call('PEXPIRE', ARGV[1] .. ARGV[2], ttl_ms)
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
touch(ttl_ms)
return value
"""

# KEYS: index, sizes, total. ARGV: prefix, member, now, ttl_ms, max_total, blob. Returns the number evicted.
_PUT = _DROP + """
local member, now, ttl_ms, max_total, blob = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local size = string.len(blob)
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - ttl_ms / 1000))) do drop(m) end
if redis.call('HEXISTS', KEYS[2], member) == 1 then drop(member) end
local evicted = 0
while tonumber(redis.call('GET', KEYS[3]) or '0') + size > max_total do
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0)
  if #oldest == 0 then redis.call('SET', KEYS[3], 0) break end
  drop(oldest[1])
  evicted = evicted + 1
end
redis.call('SET', ARGV[1] .. member, blob, 'PX', ttl_ms)
redis.call('ZADD', KEYS[1], now, member)
redis.call('HSET', KEYS[2], member, size)
redis.call('INCRBY', KEYS[3], size)
touch(ttl_ms)
return evicted
"""


class PreviewCache:
    """Preview documents by content key. ``last_error`` is the failure of the last call, None when it worked."""

    def __init__(self, redis: redis.Redis, *, ttl_s: float, max_entry_bytes: int, max_total_bytes: int,
                 prefix: str = CACHE_PREFIX, retry_after_s: float = RETRY_AFTER_S,
                 clock: Callable[[], float] = time.monotonic, wall_clock: Callable[[], float] = time.time) -> None:
        """``clock`` times the retry window after a failure; ``wall_clock`` stamps each entry's last use in the
        index, which every process shares (so wall time, not monotonic): a put drops entries unused for a TTL.
        Tests pass fake ones to step past a window without sleeping."""
        self.redis = redis
        self.ttl_ms = int(ttl_s * 1000)
        self.max_entry_bytes = max_entry_bytes
        self.max_total_bytes = max_total_bytes
        self.prefix = prefix
        self.retry_after_s = retry_after_s
        self.last_error: str | None = None
        self.evicted = 0
        self._keys = [prefix + "index", prefix + "sizes", prefix + "total"]
        self._get = redis.register_script(_GET)
        self._put = redis.register_script(_PUT)
        self._off_until = 0.0
        self._clock = clock
        self._wall_clock = wall_clock
        self._where = f"{client_location(redis)}|{prefix}"

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> PreviewCache:
        """The product's cache: ``get_redis(settings)`` and the ``cache_*`` settings."""
        settings = settings or get_settings()
        return cls(get_redis(settings), ttl_s=settings.cache_ttl_s, max_entry_bytes=settings.cache_max_entry_bytes,
                   max_total_bytes=settings.cache_max_total_bytes)

    @staticmethod
    def key(raw_sha256: str, spec_hash: str | None, params: dict, engine_version: str, **options: Any) -> str:
        """sha256 of a canonical JSON of everything the preview depends on; options set to None are left out,
        so ``sheet=None`` and no sheet give the same key."""
        payload = {"format": CACHE_FORMAT, "raw": raw_sha256, "spec": spec_hash, "params": params,
                   "engine": engine_version, "options": {k: v for k, v in options.items() if v is not None}}
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def get(self, key: str) -> dict | None:
        """The cached document, or None on a miss or when Redis cannot answer."""
        raw = self.get_json(key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            self._unreadable(key, exc)
            return None

    def get_json(self, key: str) -> bytes | None:
        """The cached document as JSON bytes, for a caller that sends it on as is (skips parsing, most of a hit's
        cost); None on a miss or when Redis cannot answer."""
        if not self._available():
            return None
        started = time.monotonic()  # a measure of the call, not a window: real time
        try:
            blob = self._get(keys=self._keys, args=[self.prefix, key, self._wall_clock(), self.ttl_ms])
        except FAILURES as exc:
            self._failed("get", exc, time.monotonic() - started)
            return None
        if blob is None:
            return None
        try:
            return zlib.decompress(blob)
        except zlib.error as exc:
            self._unreadable(key, exc)
            return None

    def put(self, key: str, doc: dict) -> bool:
        """Store ``doc``; False when it is larger than ``max_entry_bytes`` compressed or Redis cannot take it.
        A document that is not JSON-serialisable is a bug and raises TypeError."""
        blob = zlib.compress(json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8"),
                             COMPRESS_LEVEL)
        if not self._available():
            return False
        if len(blob) > min(self.max_entry_bytes, self.max_total_bytes):
            log.info("preview %s not cached: %d bytes compressed, limit %d", key[:12], len(blob), self.max_entry_bytes)
            return False
        started = time.monotonic()  # a measure of the call, not a window: real time
        try:
            self.evicted += int(self._put(keys=self._keys, args=[self.prefix, key, self._wall_clock(), self.ttl_ms,
                                                                  self.max_total_bytes, blob]))
        except FAILURES as exc:
            self._failed("put", exc, time.monotonic() - started)
            return False
        return True

    def delete(self, key: str) -> None:
        """Forget one entry (and its accounting); raises on Redis errors, unlike get/put (an operator action)."""
        self.redis.eval(_DROP + "drop(ARGV[2]) return 1", 3, *self._keys, self.prefix, key)

    def stats(self) -> dict[str, int]:
        """Entries and stored bytes now, and the bound."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.zcard(self._keys[0])
        pipe.get(self._keys[2])
        entries, total = pipe.execute()
        return {"entries": int(entries), "total_bytes": int(total or 0), "max_total_bytes": self.max_total_bytes}

    def clear(self) -> int:
        """Delete every key under this cache's prefix (only ours: never FLUSHDB); returns how many."""
        keys = list(self.redis.scan_iter(match=self.prefix + "*", count=1000))
        for i in range(0, len(keys), 500):
            self.redis.delete(*keys[i:i + 500])
        return len(keys)

    def _unreadable(self, key: str, exc: Exception) -> None:
        """An entry this class did not write (or a different format): a miss; drop it so the next put replaces it."""
        self.last_error = f"preview cache entry {key[:12]} unreadable"
        log.warning("%s (%s: %s); dropping it", self.last_error, type(exc).__name__, exc)
        try:
            self.delete(key)
        except FAILURES as drop_exc:
            log.warning("could not drop unreadable cache entry %s (%s); it expires by its TTL", key[:12], drop_exc)

    def _available(self) -> bool:
        now = self._clock()
        if now < self._off_until:
            return False  # last_error still says why
        paused = _paused.get(self._where)
        if paused is not None and now < paused[0] and self.retry_after_s > 0:
            self.last_error = paused[1]  # another call found this server hung a moment ago
            return False
        self.last_error = None
        return True

    def _failed(self, operation: str, exc: BaseException, elapsed_s: float = 0.0) -> None:
        # last_error reaches clients (a preview's warnings): the server's address and the driver's text only the log
        self.last_error = f"preview cache unavailable ({operation}: {_kind(exc)})"
        self._off_until = self._clock() + self.retry_after_s
        if elapsed_s >= SLOW_FAILURE_S and self.retry_after_s > 0:
            with _paused_lock:
                _paused[self._where] = (self._off_until, self.last_error)
        log.warning("%s: %s: %s; continuing without the cache for %.0f s", self.last_error, type(exc).__name__, exc,
                    self.retry_after_s)


def _kind(exc: BaseException) -> str:
    """What went wrong, in words that name no server: Redis down, slow, or refusing the call."""
    if isinstance(exc, (redis.TimeoutError, TimeoutError)):
        return "Redis timed out"
    if isinstance(exc, (redis.ConnectionError, OSError)):
        return "Redis not reachable"
    return "Redis refused the call"


__all__ = ["CACHE_FORMAT", "PreviewCache"]
