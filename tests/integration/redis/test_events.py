"""The event stream: typed events with JSON data, tail and follow, consumer groups, a length cap, and a publish
that never breaks a run."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from workbench.engine.infra import events
from workbench.engine.infra.events import EVENT_TYPES, Event, EventStream
from workbench.engine.core.errors import RedisUnavailableError


def stream(client, prefix, **options) -> EventStream:
    return EventStream(client, stream=prefix + "events", **options)


def test_the_event_types_are_the_documented_nineteen():
    assert EVENT_TYPES == ("run.queued", "run.started", "run.step", "run.succeeded", "run.failed", "qa.failed",
                           "backfill.created", "backfill.progress", "backfill.finished", "backfill.cancelled",
                           "release.proposed", "release.approved", "release.rejected", "release.published",
                           "release.rolled_back",
                           "automation.fired", "automation.skipped", "automation.duplicate", "automation.failed")
    assert events.RUN_QUEUED == "run.queued" and events.BACKFILL_CANCELLED == "backfill.cancelled"


def test_publish_stores_type_timestamp_and_json_data(redis_client, prefix):
    s = stream(redis_client, prefix)
    entry_id = s.publish(events.RUN_SUCCEEDED, run_id=42, dataset="dipres_ley", rows={"silver": 1500}, note="año")
    assert entry_id and "-" in entry_id and s.last_error is None
    (raw_id, fields), = redis_client.xrange(prefix + "events")
    assert raw_id.decode() == entry_id
    assert fields[b"type"] == b"run.succeeded" and fields[b"ts"].endswith(b"Z")
    assert fields[b"data"].decode() == '{"run_id":42,"dataset":"dipres_ley","rows":{"silver":1500},"note":"año"}'


def test_an_unknown_type_is_a_bug(dead_redis):
    with pytest.raises(ValueError, match="unknown event type 'run.exploded'"):
        EventStream(dead_redis).publish("run.exploded")


def test_tail_yields_what_is_there_in_order_and_stops(redis_client, prefix):
    s = stream(redis_client, prefix)
    ids = [s.publish(events.RUN_STEP, run_id=1, step=n) for n in range(3)]
    got = list(s.tail())
    assert [e.id for e in got] == ids and [e.data["step"] for e in got] == [0, 1, 2]
    assert [e.data["step"] for e in s.tail(last_id=ids[0])] == [1, 2]
    assert got[0].to_dict() == {"id": ids[0], "type": "run.step", "ts": got[0].ts, "data": {"run_id": 1, "step": 0}}


def test_tail_pages_through_a_long_stream(redis_client, prefix):
    s = stream(redis_client, prefix)
    for n in range(events.TAIL_BATCH + 20):
        s.publish(events.BACKFILL_PROGRESS, done=n)
    assert [e.data["done"] for e in s.tail()] == list(range(events.TAIL_BATCH + 20))


@contextmanager
def published_once_following(monkeypatch, s: EventStream, type: str, **fields) -> Iterator[threading.Thread]:
    """Publish from another thread once the follower has read what was there and waits for new events (its
    first XREAD, seen by a spy): the order is guaranteed by an event, not by a timer."""
    following = threading.Event()
    xread = s.redis.xread

    def spy(*args, **kwargs):
        following.set()
        return xread(*args, **kwargs)

    monkeypatch.setattr(s.redis, "xread", spy)
    publisher = threading.Thread(target=lambda: following.wait(10) and s.publish(type, **fields))
    publisher.start()
    try:
        yield publisher
    finally:
        following.set()  # a follower that never followed: let the thread end (the test has failed already)
        publisher.join(timeout=10)


def test_tail_follow_waits_for_new_events(redis_client, prefix, monkeypatch):
    s = stream(redis_client, prefix)
    s.publish(events.RUN_QUEUED, run_id=5)
    seen = []
    with published_once_following(monkeypatch, s, events.RUN_STARTED, run_id=5):
        for event in s.tail(follow=True, block_ms=100):
            seen.append(event.type)
            if len(seen) == 2:
                break
    assert seen == ["run.queued", "run.started"]


def test_tail_from_now_skips_history(redis_client, prefix, monkeypatch):
    s = stream(redis_client, prefix)
    s.publish(events.RUN_QUEUED, run_id=1)
    follower = s.tail(last_id="$", follow=True, block_ms=100)
    with published_once_following(monkeypatch, s, events.RUN_FAILED, run_id=1):  # after "now" is pinned
        assert next(follower).type == "run.failed"
    follower.close()


def test_tail_last_starts_with_the_newest_events_then_follows(redis_client, prefix, monkeypatch):
    s = stream(redis_client, prefix)
    for n in range(5):
        s.publish(events.RUN_STEP, n=n)
    assert [e.data["n"] for e in s.tail(last=2)] == [3, 4]
    assert list(s.tail(last=0)) == []
    follower = s.tail(last=1, follow=True, block_ms=100)
    assert next(follower).data == {"n": 4}
    with published_once_following(monkeypatch, s, events.RUN_STEP, n=5):
        assert next(follower).data == {"n": 5}
    follower.close()


def test_a_consumer_group_reads_acks_and_tracks_pending(redis_client, prefix):
    s = stream(redis_client, prefix)
    assert s.ensure_group("notifier", start="0") is True
    assert s.ensure_group("notifier", start="0") is False
    s.publish(events.QA_FAILED, run_id=3, failed=2)
    s.publish(events.RUN_FAILED, run_id=3)
    got = s.read_group("notifier", "worker-1", count=10, block_ms=100)
    assert [e.type for e in got] == ["qa.failed", "run.failed"]
    pending = s.pending("notifier")
    assert pending["count"] == 2 and pending["consumers"] == {"worker-1": 2} and pending["min_id"] == got[0].id
    assert s.ack("notifier", got[0].id) == 1
    assert s.pending("notifier")["count"] == 1
    assert s.read_group("notifier", "worker-1", block_ms=50) == []  # nothing new
    s.ack("notifier", got[1].id)
    assert s.pending("notifier") == {"count": 0, "min_id": None, "max_id": None, "consumers": {}}


def test_a_group_created_at_the_end_sees_only_new_events(redis_client, prefix):
    s = stream(redis_client, prefix)
    s.publish(events.RUN_QUEUED, run_id=1)
    s.ensure_group("ui")
    s.publish(events.RUN_STARTED, run_id=1)
    assert [e.type for e in s.read_group("ui", "c", block_ms=None)] == ["run.started"]


def test_a_blocking_read_longer_than_the_socket_timeout_does_not_time_out(redis_client, prefix):
    s = stream(redis_client, prefix)
    s.ensure_group("g")
    s._max_block_ms = 100  # as if the client's socket timeout were 0.6 s
    assert s.read_group("g", "c", block_ms=350) == []


def test_stale_events_of_a_crashed_consumer_can_be_claimed(redis_client, prefix):
    s = stream(redis_client, prefix)
    s.ensure_group("g", start="0")
    s.publish(events.BACKFILL_CREATED, backfill_id=1)
    crashed = s.read_group("g", "dead-worker", block_ms=None)
    claimed = s.claim_stale("g", "live-worker", min_idle_ms=0)
    assert [e.id for e in claimed] == [e.id for e in crashed]
    assert s.pending("g")["consumers"] == {"live-worker": 1}


def test_the_stream_is_trimmed_to_about_maxlen(redis_client, prefix):
    s = stream(redis_client, prefix, maxlen=100)
    for n in range(1000):
        s.publish(events.RUN_STEP, n=n)
    assert 100 <= s.length() < 300  # approximate trimming removes whole internal nodes only
    assert list(s.tail())[-1].data == {"n": 999}


def test_publish_on_a_dead_redis_returns_none_and_warns(dead_redis, caplog):
    s = EventStream(dead_redis)
    with caplog.at_level(logging.WARNING, logger="workbench.engine.infra.events"):
        assert s.publish(events.RUN_FAILED, run_id=1) is None
    assert "run.failed not published" in s.last_error and len(caplog.records) == 1


def test_publish_on_a_hung_redis_returns_none(hung_redis):
    assert EventStream(hung_redis).publish(events.RUN_STEP, run_id=1) is None


def test_reading_a_dead_redis_is_a_typed_error(dead_redis):
    with pytest.raises(RedisUnavailableError):
        list(EventStream(dead_redis).tail())


def test_an_event_with_unreadable_data_keeps_the_raw_text():
    event = Event.from_entry(b"1-0", {b"type": b"run.step", b"ts": b"2024-01-01T00:00:00Z", b"data": b"{oops"})
    assert event.data == {"raw": "{oops"} and event.type == "run.step"
