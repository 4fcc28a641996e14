"""Dataset locks: one holder at a time, refuse or wait, always released, kept alive by a heartbeat, and freed
within the TTL when the holder is killed."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis

from workbench.engine.infra.locks import DatasetBusyError, DatasetLock
from workbench.engine.core.errors import RedisUnavailableError

from .conftest import client_url

ROOT = Path(__file__).resolve().parents[3]


def lock(client, prefix, owner="run 1", ttl_s=5.0, slug="dipres_ley") -> DatasetLock:
    return DatasetLock(client, slug, ttl_s=ttl_s, owner=owner, prefix=prefix + "lock:")


def test_the_first_holder_gets_it_and_a_second_is_refused_naming_the_first(redis_client, prefix):
    first = lock(redis_client, prefix, owner="run 41")
    first.acquire(wait=False)
    with pytest.raises(DatasetBusyError) as info:
        lock(redis_client, prefix, owner="run 42").acquire(wait=False)
    err = info.value
    assert err.code == "dataset-busy"
    assert err.message == (f"dataset 'dipres_ley' is being processed by run 41 (since {first.since}); "
                           "try again when it finishes")
    assert err.message_es == (f"el conjunto de datos 'dipres_ley' está siendo procesado por la ejecución 41 "
                              f"(desde {first.since}); intente de nuevo cuando termine")
    assert err.to_dict()["details"]["owner"] == "run 41"
    first.release()


def test_locks_of_different_datasets_are_independent(redis_client, prefix):
    with lock(redis_client, prefix, slug="a").held(wait=False), lock(redis_client, prefix, slug="b").held(wait=False):
        assert DatasetLock.current(redis_client, "a", prefix=prefix + "lock:") is not None
        assert DatasetLock.current(redis_client, "b", prefix=prefix + "lock:") is not None


def test_current_shows_the_holder_but_not_the_token(redis_client, prefix):
    assert DatasetLock.current(redis_client, "dipres_ley", prefix=prefix + "lock:") is None
    with lock(redis_client, prefix, owner="run 7", ttl_s=5).held(wait=False) as held:
        info = DatasetLock.current(redis_client, "dipres_ley", prefix=prefix + "lock:")
        assert info["owner"] == "run 7" and info["since"] == held.since
        assert 0 < info["ttl_ms"] <= 5000 and "token" not in info and info["pid"] > 0


def test_release_frees_it_and_is_idempotent(redis_client, prefix):
    first = lock(redis_client, prefix)
    first.acquire(wait=False)
    first.release()
    first.release()
    assert DatasetLock.current(redis_client, "dipres_ley", prefix=prefix + "lock:") is None
    second = lock(redis_client, prefix)
    second.acquire(wait=False)
    second.release()


def test_released_on_an_exception(redis_client, prefix):
    with pytest.raises(ValueError):
        with lock(redis_client, prefix).held(wait=False):
            raise ValueError("step failed")
    assert DatasetLock.current(redis_client, "dipres_ley", prefix=prefix + "lock:") is None


def test_with_statement_acquires_without_waiting_and_releases(redis_client, prefix):
    with lock(redis_client, prefix, owner="run 1") as held:
        assert held.is_held
        with pytest.raises(DatasetBusyError):
            with lock(redis_client, prefix, owner="run 2"):
                pass
    assert not held.is_held
    assert DatasetLock.current(redis_client, "dipres_ley", prefix=prefix + "lock:") is None


def refusals(waiter: DatasetLock) -> threading.Event:
    """Set when ``waiter`` tries to take the lock and is refused: a spy on its one attempt (``_take``)."""
    refused = threading.Event()
    take = waiter._take

    def spy() -> str | None:
        value = take()
        if value is None:
            refused.set()
        return value

    waiter._take = spy
    return refused


def extensions(held: DatasetLock, count: int) -> threading.Event:
    """Set once the heartbeat of ``held`` has extended its lock ``count`` times: a spy on ``_extend``."""
    done, seen = threading.Event(), []
    extend = held._extend

    def spy(**kwargs):
        ours = extend(**kwargs)
        if ours:
            seen.append(time.monotonic())
            if len(seen) >= count:
                done.set()
        return ours

    held._extend = spy
    return done


def test_a_waiting_run_gets_the_lock_when_the_holder_finishes(redis_client, prefix):
    """The holder lets go only once the waiter has been refused (an event, not a timer): the waiter cannot have
    got the lock before the release, and it gets it soon after."""
    holder = lock(redis_client, prefix, owner="run 1")
    holder.acquire(wait=False)
    waiter = lock(redis_client, prefix, owner="run 2")
    refused = refusals(waiter)
    released_at: list[float] = []

    def release_once_refused() -> None:
        if refused.wait(10):
            holder.release()
            released_at.append(time.monotonic())

    releaser = threading.Thread(target=release_once_refused)
    releaser.start()
    try:
        with waiter.held(wait=True, timeout_s=10):
            acquired_at = time.monotonic()
            assert refused.is_set() and not holder.is_held  # it waited: refused while run 1 held it
            assert DatasetLock.current(redis_client, "dipres_ley", prefix=prefix + "lock:")["owner"] == "run 2"
    finally:
        releaser.join(timeout=15)
    assert acquired_at - released_at[0] < 2  # polls back off to at most POLL_MAX_S


def test_a_waiting_run_gives_up_after_its_timeout(redis_client, prefix):
    with lock(redis_client, prefix, owner="run 1").held(wait=False):
        started = time.monotonic()
        with pytest.raises(DatasetBusyError) as info:
            lock(redis_client, prefix, owner="run 2").acquire(wait=True, timeout_s=0.4)
        assert 0.4 <= time.monotonic() - started < 1.5
        assert info.value.details["owner"] == "run 1" and info.value.details["waited_s"] >= 0.4


def test_the_heartbeat_keeps_it_beyond_its_ttl(redis_client, prefix):
    """Six extensions at least ttl/3 apart span twice the TTL: the test waits for them (an event), not for a
    guessed time, then reads the TTL Redis reports."""
    held = lock(redis_client, prefix, ttl_s=0.6)
    extended = extensions(held, 6)
    with held.held(wait=False):
        acquired_at = time.monotonic()
        assert extended.wait(10), "the heartbeat did not extend the lock 6 times in 10 s"
        assert time.monotonic() - acquired_at > held.ttl_s  # past the TTL it was set with
        assert held.is_held and not held.lost
        assert 0 < redis_client.pttl(held.key) <= 600
        assert DatasetLock.current(redis_client, "dipres_ley", prefix=prefix + "lock:") is not None


def test_the_heartbeat_notices_a_lost_lock_and_release_leaves_the_new_holder_alone(redis_client, prefix):
    held = lock(redis_client, prefix, ttl_s=0.6, owner="run 1")
    held.acquire(wait=False)
    redis_client.delete(held.key)  # e.g. Redis restarted, or the process paused longer than the TTL
    thief = lock(redis_client, prefix, owner="run 2")
    thief.acquire(wait=False)
    heartbeat = held._heartbeat  # it ends when it finds the lock is no longer ours: join it, do not guess a time
    heartbeat.join(timeout=10)
    assert not heartbeat.is_alive()
    assert held.lost and not held.is_held
    held.release()
    assert DatasetLock.current(redis_client, "dipres_ley", prefix=prefix + "lock:")["owner"] == "run 2"
    thief.release()


def test_the_lock_of_a_holder_killed_with_sigkill_expires_within_its_ttl(redis_client, prefix):
    code = ("import sys, time, redis\n"
            "from workbench.engine.infra.locks import DatasetLock\n"
            "lock = DatasetLock(redis.Redis.from_url(sys.argv[1]), 'dipres_ley', ttl_s=1, owner='run 9',"
            " prefix=sys.argv[2])\n"
            "extend = lock._extend\n"
            "def beat(**kwargs):\n"
            "    ours = extend(**kwargs)\n"
            "    print('extended' if ours else 'lost', flush=True)\n"
            "    return ours\n"
            "lock._extend = beat\n"
            "lock.acquire(wait=False)\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, client_url(redis_client), prefix + "lock:"],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == "held"
        started = time.monotonic()
        # six extensions, at least ttl/3 apart: twice the TTL (the child exits after 60 s, ending the reads)
        assert [proc.stdout.readline().strip() for _ in range(6)] == ["extended"] * 6
        assert time.monotonic() - started > 1
        assert DatasetLock.current(redis_client, "dipres_ley", prefix=prefix + "lock:")["owner"] == "run 9"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed = time.monotonic()
        assert redis_client.pttl(prefix + "lock:dipres_ley") <= 1000  # nothing extends it any more
        while DatasetLock.current(redis_client, "dipres_ley", prefix=prefix + "lock:") is not None:
            assert time.monotonic() - killed < 1.5, "the dead holder's lock outlived its TTL"
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lock(redis_client, prefix).acquire(wait=False)


def test_a_stored_value_is_json_with_owner_and_since(redis_client, prefix):
    with lock(redis_client, prefix, owner="run 3").held(wait=False) as held:
        value = json.loads(redis_client.get(held.key))
        assert set(value) == {"token", "owner", "since", "pid", "host"} and value["owner"] == "run 3"


def test_acquiring_on_a_dead_redis_is_a_typed_error(dead_redis):
    with pytest.raises(RedisUnavailableError):
        DatasetLock(dead_redis, "dipres_ley").acquire(wait=False)


def test_releasing_on_a_dead_redis_does_not_raise(redis_embedded):
    client = redis.Redis.from_url(redis_embedded.url, socket_timeout=0.5, socket_connect_timeout=0.5)
    held = DatasetLock(client, "dipres_ley", ttl_s=5)
    held.acquire(wait=False)
    redis_embedded.stop()
    held.release()
    assert not held.is_held


def test_group_members_share_the_lock_and_others_wait(redis_client, prefix):
    from workbench.engine.infra.locks import DatasetBusyError, DatasetLock, GroupLock

    a = GroupLock(redis_client, "ds", group="backfill 1", ttl_s=5, prefix=prefix)
    b = GroupLock(redis_client, "ds", group="backfill 1", ttl_s=5, prefix=prefix)
    a.acquire(wait=False)
    b.acquire(wait=False)  # same group: joins
    with pytest.raises(DatasetBusyError) as info:
        DatasetLock(redis_client, "ds", ttl_s=5, owner="run 9", prefix=prefix).acquire(wait=False)
    assert "backfill 1" in info.value.message
    with pytest.raises(DatasetBusyError):
        GroupLock(redis_client, "ds", group="backfill 2", ttl_s=5, prefix=prefix).acquire(wait=False)
    a.release()
    assert DatasetLock.current(redis_client, "ds", prefix=prefix)["owner"] == "backfill 1"  # b still holds it
    b.release()
    assert DatasetLock.current(redis_client, "ds", prefix=prefix) is None
    solo = DatasetLock(redis_client, "ds", ttl_s=5, owner="run 9", prefix=prefix)
    solo.acquire(wait=False)
    solo.release()
