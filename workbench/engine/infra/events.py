"""The product's event stream: what happened to runs and backfills, in order, in the Redis stream ``wb:events``.

Each entry has three fields: ``type`` (one of EVENT_TYPES), ``ts`` (ISO 8601 UTC) and ``data`` (compact JSON
of the publisher's fields: ids, dataset slug, counts). The stream is capped at about ``maxlen`` entries.
Publishing never raises for Redis problems (an event must never break a run); reading does
(RedisUnavailableError), since a consumer has nothing useful to do without Redis.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

import redis

from workbench.engine.core.errors import RedisUnavailableError
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.infra.redis_conn import EVENTS_STREAM, client_location, get_redis
from workbench.engine.infra.redis_embedded import CONNECTION_ERRORS

log = logging.getLogger(__name__)

RUN_QUEUED = "run.queued"
RUN_STARTED = "run.started"
RUN_STEP = "run.step"
RUN_SUCCEEDED = "run.succeeded"
RUN_FAILED = "run.failed"
QA_FAILED = "qa.failed"
BACKFILL_CREATED = "backfill.created"
BACKFILL_PROGRESS = "backfill.progress"
BACKFILL_FINISHED = "backfill.finished"
BACKFILL_CANCELLED = "backfill.cancelled"
AUTOMATION_FIRED = "automation.fired"          # a schedule's fire or an inbox file started (or queued) a run
AUTOMATION_SKIPPED = "automation.skipped"      # a fire with nothing to run, paused, or missed while down
AUTOMATION_DUPLICATE = "automation.duplicate"  # an inbox file whose content already ran
AUTOMATION_FAILED = "automation.failed"        # an automated run (or its QA) failed, or its file was unreadable

#: Every event type, in lifecycle order; publishing any other type is a bug (ValueError).
#: A release's decisions (``app.publication``): approvers are told of a proposal (event + webhooks).
RELEASE_EVENTS = ("release.proposed", "release.approved", "release.rejected", "release.published",
                  "release.rolled_back")
EVENT_TYPES: tuple[str, ...] = (RUN_QUEUED, RUN_STARTED, RUN_STEP, RUN_SUCCEEDED, RUN_FAILED, QA_FAILED,
                                BACKFILL_CREATED, BACKFILL_PROGRESS, BACKFILL_FINISHED, BACKFILL_CANCELLED,
                                *RELEASE_EVENTS, AUTOMATION_FIRED, AUTOMATION_SKIPPED, AUTOMATION_DUPLICATE,
                                AUTOMATION_FAILED)

#: Default approximate cap on the stream length (settings.events_maxlen overrides it).
DEFAULT_MAXLEN = 100_000
#: Entries fetched per XRANGE call by ``tail``.
TAIL_BATCH = 500
#: A blocking read must return before the client's socket timeout; each call blocks at most this much less, ms.
BLOCK_MARGIN_MS = 500


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    ts: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_entry(cls, entry_id: bytes | str, fields: dict[bytes | str, bytes | str]) -> Event:
        text = {_str(k): _str(v) for k, v in fields.items()}
        try:
            data = json.loads(text.get("data") or "{}")
        except ValueError:
            data = {"raw": text.get("data")}
        return cls(id=_str(entry_id), type=text.get("type", ""), ts=text.get("ts", ""), data=data)


def _str(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class EventStream:
    """Publish and read ``wb:events``. ``last_error`` is the failure of the last publish, None when it worked."""

    def __init__(self, redis: redis.Redis, *, stream: str = EVENTS_STREAM, maxlen: int = DEFAULT_MAXLEN) -> None:
        self.redis = redis
        self.stream = stream
        self.maxlen = maxlen
        self.last_error: str | None = None
        timeout_s = redis.connection_pool.connection_kwargs.get("socket_timeout")
        self._max_block_ms = max(100, int(timeout_s * 1000) - BLOCK_MARGIN_MS) if timeout_s else None

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> EventStream:
        """The product's stream: ``get_redis(settings)``, ``wb:events``, capped at ``settings.events_maxlen``."""
        settings = settings or get_settings()
        return cls(get_redis(settings), maxlen=settings.events_maxlen)

    def publish(self, type: str, **fields: Any) -> str | None:
        """Append an event; its id, or None (with a logged warning) when Redis cannot take it."""
        if type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {type!r}; known: {', '.join(EVENT_TYPES)}")
        entry = {"type": type, "ts": _utc_now(),
                 "data": json.dumps(fields, separators=(",", ":"), ensure_ascii=False, default=str)}
        try:
            entry_id = self.redis.xadd(self.stream, entry, maxlen=self.maxlen, approximate=True)
        except (redis.RedisError, OSError) as exc:
            self.last_error = f"event {type} not published: {exc.__class__.__name__}: {exc}"
            log.warning(self.last_error)
            return None
        self.last_error = None
        return _str(entry_id)

    def ensure_group(self, group: str, start: str = "$") -> bool:
        """Create the consumer group (and the stream) if missing; True when it was created now."""
        try:
            self.redis.xgroup_create(self.stream, group, id=start, mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" in str(exc):
                return False
            raise
        except CONNECTION_ERRORS as exc:
            raise self._unavailable(exc) from exc
        return True

    def read_group(self, group: str, consumer: str, *, count: int = 100, block_ms: int | None = 1000) -> list[Event]:
        """New events for ``consumer`` in ``group``, waiting up to ``block_ms`` for the first (None: no wait).
        Read events stay pending until ``ack``."""
        deadline = time.monotonic() + (block_ms or 0) / 1000
        while True:
            block = self._block(block_ms, deadline)
            try:
                reply = self.redis.xreadgroup(group, consumer, {self.stream: ">"}, count=count, block=block)
            except CONNECTION_ERRORS as exc:
                raise self._unavailable(exc) from exc
            events = self._events(reply)
            if events or block is None or time.monotonic() >= deadline:
                return events

    def ack(self, group: str, *ids: str) -> int:
        """Mark events as processed by ``group``; how many were pending."""
        if not ids:
            return 0
        try:
            return int(self.redis.xack(self.stream, group, *ids))
        except CONNECTION_ERRORS as exc:
            raise self._unavailable(exc) from exc

    def pending(self, group: str) -> dict[str, Any]:
        """``{count, min_id, max_id, consumers: {name: count}}`` of events read but not acknowledged."""
        try:
            info = self.redis.xpending(self.stream, group)
        except CONNECTION_ERRORS as exc:
            raise self._unavailable(exc) from exc
        return {"count": int(info["pending"]),
                "min_id": _str(info["min"]) if info["min"] else None,
                "max_id": _str(info["max"]) if info["max"] else None,
                "consumers": {_str(c["name"]): int(c["pending"]) for c in info["consumers"]}}

    def claim_stale(self, group: str, consumer: str, *, min_idle_ms: int, count: int = 100) -> list[Event]:
        """Take over events another consumer read but did not acknowledge for ``min_idle_ms`` (it crashed)."""
        try:
            reply = self.redis.xautoclaim(self.stream, group, consumer, min_idle_ms, start_id="0-0", count=count)
        except CONNECTION_ERRORS as exc:
            raise self._unavailable(exc) from exc
        return [Event.from_entry(i, f) for i, f in reply[1] if f is not None]

    def tail(self, *, last_id: str = "0", follow: bool = False, block_ms: int = 1000,
             last: int | None = None) -> Iterator[Event]:
        """Events after ``last_id`` ("0": from the start, "$": only new ones), or, with ``last``, the newest
        ``last`` events first. Without ``follow``, stops at the end; with it, waits for more forever,
        ``block_ms`` per call (break out of the loop, or close the generator, to stop)."""
        if last_id == "$" and last is None:
            last = 0
        try:
            if last is not None:  # pin "now" to an id, so nothing published between two reads is skipped
                newest = self.redis.xrevrange(self.stream, count=max(last, 1))
                last_id = _str(newest[0][0]) if newest else "0-0"
                for entry_id, fields in reversed(newest[:last]):
                    yield Event.from_entry(entry_id, fields)
            else:
                while True:
                    batch = self.redis.xrange(self.stream, min="-" if last_id in ("0", "-") else f"({last_id}",
                                              count=TAIL_BATCH)
                    for entry_id, fields in batch:
                        event = Event.from_entry(entry_id, fields)
                        last_id = event.id
                        yield event
                    if len(batch) < TAIL_BATCH:
                        break
            while follow:
                block = self._block(block_ms, time.monotonic() + block_ms / 1000)
                reply = self.redis.xread({self.stream: last_id}, count=TAIL_BATCH, block=block)
                for event in self._events(reply):
                    last_id = event.id
                    yield event
        except CONNECTION_ERRORS as exc:
            raise self._unavailable(exc) from exc

    def length(self) -> int:
        try:
            return int(self.redis.xlen(self.stream))
        except CONNECTION_ERRORS as exc:
            raise self._unavailable(exc) from exc

    def _block(self, block_ms: int | None, deadline: float) -> int | None:
        """Milliseconds for the next blocking call: what is left, capped below the socket timeout (redis-py would
        otherwise time out a long BLOCK); None means do not block."""
        if block_ms is None or block_ms <= 0:
            return None
        left = max(1, int((deadline - time.monotonic()) * 1000))
        return min(left, self._max_block_ms) if self._max_block_ms else left

    @staticmethod
    def _events(reply: Any) -> list[Event]:
        if not reply:
            return []
        entries = [e for _, stream_entries in reply for e in stream_entries]
        return [Event.from_entry(i, f) for i, f in entries if f is not None]

    def _unavailable(self, exc: BaseException) -> RedisUnavailableError:
        return RedisUnavailableError(where=client_location(self.redis), reason=str(exc) or type(exc).__name__)


__all__ = [
    "BACKFILL_CANCELLED",
    "BACKFILL_CREATED",
    "BACKFILL_FINISHED",
    "BACKFILL_PROGRESS",
    "EVENT_TYPES",
    "Event",
    "EventStream",
    "QA_FAILED",
    "RUN_FAILED",
    "RUN_QUEUED",
    "RUN_STARTED",
    "RUN_STEP",
    "RUN_SUCCEEDED",
]
