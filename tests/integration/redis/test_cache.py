"""The preview cache: content keys, compressed entries with a TTL, a size bound kept by LRU eviction, and a
Redis outage that degrades to misses instead of errors."""

from __future__ import annotations

import json
import logging
import os
import time

import pytest
import redis

from workbench.engine.infra.cache import PreviewCache
from workbench.engine.infra.redis_embedded import EmbeddedRedis

from .conftest import FakeClock, wait_until_gone

MB = 1024 * 1024


def make_cache(client: redis.Redis, prefix: str, **overrides) -> PreviewCache:
    options = {"ttl_s": 60, "max_entry_bytes": MB, "max_total_bytes": 8 * MB} | overrides
    return PreviewCache(client, prefix=prefix + "cache:", **options)


def noise_doc(n_chars: int = 2000) -> dict:
    """A document that barely compresses (random hex), so its stored size is predictable."""
    return {"layers": {"raw": {"sample": [{"A": os.urandom(n_chars // 2).hex()}]}}}


def key(n: int) -> str:
    return PreviewCache.key("a" * 64, "b" * 64, {"anio": n}, "0.1.0")


def test_key_is_canonical_and_covers_every_input():
    base = PreviewCache.key("f" * 64, "s" * 64, {"anio": 2024, "mes": 3}, "0.1.0", sheet="Hoja1", sample_rows=20)
    assert base == PreviewCache.key("f" * 64, "s" * 64, {"mes": 3, "anio": 2024}, "0.1.0", sample_rows=20, sheet="Hoja1")
    assert len(base) == 64 and int(base, 16) >= 0
    others = {
        PreviewCache.key("e" * 64, "s" * 64, {"anio": 2024, "mes": 3}, "0.1.0", sheet="Hoja1", sample_rows=20),
        PreviewCache.key("f" * 64, None, {"anio": 2024, "mes": 3}, "0.1.0", sheet="Hoja1", sample_rows=20),
        PreviewCache.key("f" * 64, "s" * 64, {"anio": 2025, "mes": 3}, "0.1.0", sheet="Hoja1", sample_rows=20),
        PreviewCache.key("f" * 64, "s" * 64, {"anio": 2024, "mes": 3}, "0.2.0", sheet="Hoja1", sample_rows=20),
        PreviewCache.key("f" * 64, "s" * 64, {"anio": 2024, "mes": 3}, "0.1.0", sheet="Hoja2", sample_rows=20),
        PreviewCache.key("f" * 64, "s" * 64, {"anio": 2024, "mes": 3}, "0.1.0", sheet="Hoja1", sample_rows=50),
    }
    assert base not in others and len(others) == 6


def test_an_option_set_to_none_is_the_same_as_no_option():
    assert PreviewCache.key("f" * 64, None, {}, "0.1.0", sheet=None) == PreviewCache.key("f" * 64, None, {}, "0.1.0")


def test_miss_then_hit_returns_the_same_document(redis_client, prefix):
    cache = make_cache(redis_client, prefix)
    doc = {"dataset": {"slug": "dipres_ley"}, "raw": {"sample": [{"A": "Subtítulo 21", "_row": 7}]},
           "control_totals": {"monto": 1234.5, "n": None}, "warnings": ["año ñandú"]}
    assert cache.get(key(1)) is None
    assert cache.put(key(1), doc) is True
    assert cache.get(key(1)) == doc
    assert json.loads(cache.get_json(key(1))) == doc
    assert cache.last_error is None


def test_entries_are_compressed_and_carry_a_ttl(redis_client, prefix):
    cache = make_cache(redis_client, prefix, ttl_s=60)
    doc = {"sample": [{"partida": "01", "nombre": "Presidencia de la República", "monto": 1000 + i} for i in range(500)]}
    cache.put(key(1), doc)
    stored = redis_client.strlen(cache.prefix + key(1))
    assert 0 < stored < len(json.dumps(doc)) / 4
    assert 0 < redis_client.pttl(cache.prefix + key(1)) <= 60_000
    assert cache.stats() == {"entries": 1, "total_bytes": stored, "max_total_bytes": 8 * MB}


def bookkeeping(cache: PreviewCache) -> list[str]:
    return [cache.prefix + name for name in ("index", "sizes", "total")]


def test_an_entry_expires_after_its_ttl(redis_client, prefix):
    """Redis expires the entry (PX: no Python clock can fake it), so the test reads the TTL Redis reports and
    waits, with a deadline, until Redis has dropped the key."""
    cache = make_cache(redis_client, prefix, ttl_s=0.2)
    cache.put(key(1), {"x": 1})
    assert 0 < redis_client.pttl(cache.prefix + key(1)) <= 200
    for name in bookkeeping(cache):  # as if another entry's use kept the accounting alive meanwhile
        redis_client.pexpire(name, 60_000)
    wait_until_gone(redis_client, cache.prefix + key(1))
    assert cache.get(key(1)) is None
    assert cache.stats()["entries"] == 0  # the miss also dropped its accounting
    assert not redis_client.hexists(cache.prefix + "sizes", key(1))


def test_a_hit_extends_the_ttl(redis_client, prefix):
    """The TTL is Redis's (PEXPIRE), so instead of sleeping past it the test shortens it as time would and reads
    the TTL Redis reports after a hit: the entry and its bookkeeping are back to the full TTL, and the index
    records the hit's time (the LRU order)."""
    clock = FakeClock()
    cache = make_cache(redis_client, prefix, ttl_s=60, wall_clock=clock)
    cache.put(key(1), {"x": 1})
    names = [cache.prefix + key(1), *bookkeeping(cache)]
    for name in names:
        redis_client.pexpire(name, 5_000)  # as if 55 s had passed since the put
    clock.advance(55)
    assert cache.get(key(1)) == {"x": 1}
    assert all(50_000 < redis_client.pttl(name) <= 60_000 for name in names), [redis_client.pttl(n) for n in names]
    assert redis_client.zscore(cache.prefix + "index", key(1)) == clock.now


def test_total_size_stays_under_the_bound_by_evicting_the_least_recently_used(redis_client, prefix):
    probe = make_cache(redis_client, prefix + "probe:")
    probe.put(key(0), noise_doc())
    size = probe.stats()["total_bytes"]
    cache = make_cache(redis_client, prefix, max_total_bytes=int(size * 3.5))
    for n in (1, 2, 3):
        assert cache.put(key(n), noise_doc())
    assert cache.get(key(1)) is not None  # 1 is now more recently used than 2
    assert cache.put(key(4), noise_doc())
    assert [cache.get(key(n)) is not None for n in (1, 2, 3, 4)] == [True, False, True, True]
    stats = cache.stats()
    assert stats["entries"] == 3 and stats["total_bytes"] <= int(size * 3.5)
    assert cache.evicted == 1


def test_replacing_an_entry_does_not_count_it_twice(redis_client, prefix):
    cache = make_cache(redis_client, prefix)
    cache.put(key(1), noise_doc())
    cache.put(key(1), noise_doc())
    stored = redis_client.strlen(cache.prefix + key(1))
    assert cache.stats() == {"entries": 1, "total_bytes": stored, "max_total_bytes": 8 * MB}


def test_expired_entries_leave_the_accounting_at_the_next_put(redis_client, prefix):
    """A put drops the entries its index says were unused for a TTL, by the cache's wall clock (faked here)."""
    clock = FakeClock()
    cache = make_cache(redis_client, prefix, ttl_s=60, wall_clock=clock)
    cache.put(key(1), noise_doc())
    cache.put(key(2), noise_doc())
    clock.advance(59)
    cache.put(key(3), {"x": 3})
    assert cache.stats()["entries"] == 3  # within their TTL: kept
    clock.advance(2)  # 61 s after 1 and 2, 2 s after 3
    cache.put(key(4), {"x": 4})
    stats = cache.stats()
    assert stats["entries"] == 2
    assert stats["total_bytes"] == redis_client.strlen(cache.prefix + key(3)) + redis_client.strlen(cache.prefix + key(4))
    assert not redis_client.exists(cache.prefix + key(1)) and not redis_client.exists(cache.prefix + key(2))


def test_an_entry_over_the_entry_limit_is_refused(redis_client, prefix):
    cache = make_cache(redis_client, prefix, max_entry_bytes=1024)
    assert cache.put(key(1), noise_doc(10_000)) is False
    assert cache.get(key(1)) is None
    assert cache.last_error is None  # a refusal is not an outage
    assert cache.put(key(2), {"small": True}) is True


def test_an_unreadable_entry_is_a_miss_and_is_dropped(redis_client, prefix):
    cache = make_cache(redis_client, prefix)
    redis_client.set(cache.prefix + key(1), b"not zlib")
    assert cache.get(key(1)) is None
    assert "unreadable" in cache.last_error
    assert not redis_client.exists(cache.prefix + key(1))


def test_clear_deletes_only_this_caches_keys(redis_client, prefix):
    cache = make_cache(redis_client, prefix)
    cache.put(key(1), {"x": 1})
    redis_client.set(prefix + "other", b"kept")
    assert cache.clear() >= 2
    assert cache.get(key(1)) is None and redis_client.get(prefix + "other") == b"kept"


def test_a_dead_redis_gives_misses_and_a_warning_never_an_exception(dead_redis, caplog):
    cache = PreviewCache(dead_redis, ttl_s=60, max_entry_bytes=MB, max_total_bytes=8 * MB)
    with caplog.at_level(logging.WARNING, logger="workbench.engine.infra.cache"):
        assert cache.get(key(1)) is None
    assert cache.last_error == "preview cache unavailable (get: Redis not reachable)"
    assert len(caplog.records) == 1 and "ConnectionError" in caplog.records[0].getMessage()  # the detail: log only
    started = time.perf_counter()
    assert cache.put(key(1), {"x": 1}) is False  # within the retry window: no new attempt, no new warning
    assert time.perf_counter() - started < 0.05
    assert cache.last_error is not None and len(caplog.records) == 1


def test_a_hung_redis_times_out_into_a_miss(hung_redis):
    cache = PreviewCache(hung_redis, ttl_s=60, max_entry_bytes=MB, max_total_bytes=8 * MB)
    started = time.perf_counter()
    assert cache.get(key(1)) is None
    assert time.perf_counter() - started < 2  # two attempts of 0.3 s plus a short backoff
    assert cache.last_error == "preview cache unavailable (get: Redis timed out)"


def test_put_on_a_dead_redis_returns_false(dead_redis):
    cache = PreviewCache(dead_redis, ttl_s=60, max_entry_bytes=MB, max_total_bytes=8 * MB, retry_after_s=0)
    assert cache.put(key(1), {"x": 1}) is False
    assert cache.last_error == "preview cache unavailable (put: Redis not reachable)"


def test_a_stopped_embedded_server_degrades_the_same_way(redis_embedded: EmbeddedRedis):
    client = redis.Redis.from_url(redis_embedded.url, socket_timeout=0.5, socket_connect_timeout=0.5)
    cache = PreviewCache(client, ttl_s=60, max_entry_bytes=MB, max_total_bytes=8 * MB, retry_after_s=0)
    assert cache.put(key(1), {"x": 1}) is True
    redis_embedded.stop()
    assert cache.get(key(1)) is None and cache.last_error is not None
    assert cache.last_error == "preview cache unavailable (get: Redis not reachable)"  # reaches clients: no socket
    assert cache.put(key(2), {"x": 2}) is False


def test_the_cache_comes_back_after_the_retry_window(tmp_path):
    clock = FakeClock()
    server = EmbeddedRedis()
    client = redis.Redis.from_url(server.start(tmp_path), socket_timeout=0.5, socket_connect_timeout=0.5)
    cache = PreviewCache(client, ttl_s=60, max_entry_bytes=MB, max_total_bytes=8 * MB, retry_after_s=5, clock=clock)
    server.stop()
    assert cache.get(key(1)) is None and cache.last_error
    restarted = EmbeddedRedis()
    try:
        assert restarted.start(tmp_path) == f"unix://{server.socket_path}?db=0"  # the client reconnects there
        clock.advance(4.9)
        assert cache.put(key(1), {"x": 1}) is False and cache.last_error  # still within the window: not tried
        clock.advance(0.2)
        assert cache.put(key(1), {"x": 1}) is True and cache.last_error is None
        assert cache.get(key(1)) == {"x": 1}
    finally:
        restarted.stop()


def test_a_document_that_is_not_json_is_a_bug_and_raises(redis_client, prefix):
    with pytest.raises(TypeError):
        make_cache(redis_client, prefix).put(key(1), {"when": object()})
