"""The embedded Redis: starts fast on a unix socket only, is shared by a second process, never outlives its owner."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis

from workbench.engine.infra import redis_conn, redis_embedded
from workbench.engine.core.errors import RedisUnavailableError
from workbench.engine.infra.redis_embedded import NOTIFY_KEYSPACE_EVENTS, EmbeddedRedis, _ping, server_binary
from workbench.engine.infra.redis_conn import (
    describe_url,
    ensure_reachable,
    get_redis,
    redis_url,
    state_db_url,
    stop_embedded,
)
from workbench.engine.core.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def ping(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False
    finally:
        client.close()


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not redis_embedded._alive(pid):
            return True
        time.sleep(0.05)
    return False


def start_in_subprocess(data_dir: Path) -> tuple[subprocess.Popen, dict]:
    """A separate Python process that starts (or reuses) the embedded server and then sleeps."""
    code = ("import json, sys, time; from pathlib import Path; from workbench.engine.infra.redis_embedded import EmbeddedRedis\n"
            "e = EmbeddedRedis(); url = e.start(Path(sys.argv[1]))\n"
            "print(json.dumps({'url': url, 'owned': e.owned, 'server_pid': e.server_pid}), flush=True)\n"
            "time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(data_dir)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    line = proc.stdout.readline()
    assert line, "the subprocess did not start the server"
    return proc, json.loads(line)


def test_start_answers_ping_on_a_unix_socket_only(redis_embedded: EmbeddedRedis, tmp_path: Path):
    socket_path = tmp_path.resolve() / "redis" / "redis.sock"
    assert redis_embedded.url == f"unix://{socket_path}?db=0"
    assert redis_embedded.owned and ping(redis_embedded.url)
    client = redis.Redis.from_url(redis_embedded.url, decode_responses=True)
    config = {name: client.config_get(name)[name] for name in ("port", "save", "appendonly", "dir")}
    assert config == {"port": "0", "save": "", "appendonly": "no", "dir": str(socket_path.parent)}


def test_start_takes_well_under_a_second(redis_embedded: EmbeddedRedis):
    assert redis_embedded.start_seconds is not None and redis_embedded.start_seconds < 1.0


def test_owner_file_names_server_and_owner(redis_embedded: EmbeddedRedis, tmp_path: Path):
    owner = json.loads((tmp_path / "redis" / "owner.json").read_text())
    assert owner["server_pid"] == redis_embedded.server_pid
    assert owner["owner_pid"] == os.getpid()
    assert owner["socket"] == str(redis_embedded.socket_path)


def test_stop_ends_the_server_and_removes_its_files(tmp_path: Path):
    server = EmbeddedRedis()
    url = server.start(tmp_path)
    pid = server.server_pid
    server.stop()
    assert gone_within(pid, 2)
    assert not ping(url)
    assert not (tmp_path / "redis" / "redis.sock").exists()
    assert not (tmp_path / "redis" / "owner.json").exists()
    server.stop()  # idempotent


def test_second_owner_in_process_reuses_and_does_not_stop_it(redis_embedded: EmbeddedRedis, tmp_path: Path):
    second = EmbeddedRedis()
    assert second.start(tmp_path) == redis_embedded.url
    assert not second.owned and second.server_pid == redis_embedded.server_pid
    second.stop()
    assert ping(redis_embedded.url)


def test_another_process_reuses_the_running_server(redis_embedded: EmbeddedRedis, tmp_path: Path):
    proc, info = start_in_subprocess(tmp_path)
    try:
        assert info == {"url": redis_embedded.url, "owned": False, "server_pid": redis_embedded.server_pid}
    finally:
        proc.kill()
        proc.wait()
    assert ping(redis_embedded.url)  # the reuser's death does not stop the owner's server


def test_server_dies_with_an_owner_killed_by_sigkill_and_a_new_start_works(tmp_path: Path):
    proc, info = start_in_subprocess(tmp_path)
    assert info["owned"] and ping(info["url"])
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert gone_within(info["server_pid"], 5), "PR_SET_PDEATHSIG did not stop the orphaned server"
    server = EmbeddedRedis()
    try:
        assert server.start(tmp_path) == info["url"]
        assert server.owned and server.server_pid != info["server_pid"] and ping(server.url)
    finally:
        server.stop()


def test_start_kills_a_server_left_behind_by_a_dead_owner(tmp_path: Path):
    folder = tmp_path / "redis"
    folder.mkdir()
    socket_path = folder / "redis.sock"
    orphan = subprocess.Popen([str(server_binary()), "--port", "0", "--unixsocket", str(socket_path), "--save", "",
                               "--dir", str(folder)], stdout=subprocess.DEVNULL)
    dead_owner = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_owner.wait()
    (folder / "owner.json").write_text(json.dumps({"server_pid": orphan.pid, "owner_pid": dead_owner.pid,
                                                   "socket": str(socket_path)}))
    deadline = time.monotonic() + 5
    while not ping(f"unix://{socket_path}") and time.monotonic() < deadline:
        time.sleep(0.01)
    server = EmbeddedRedis()
    try:
        server.start(tmp_path)
        assert orphan.wait(timeout=5) is not None  # SIGTERMed by start()
        assert server.owned and server.server_pid != orphan.pid and ping(server.url)
    finally:
        server.stop()
        if orphan.poll() is None:
            orphan.kill()


def test_a_server_started_from_a_short_lived_thread_outlives_the_thread(tmp_path: Path):
    """PDEATHSIG follows the forking thread: a start from a worker thread must not die when that thread ends."""
    server = EmbeddedRedis()
    thread = threading.Thread(target=server.start, args=(tmp_path,))
    thread.start()
    thread.join()
    try:
        time.sleep(0.3)
        assert ping(server.url)
    finally:
        server.stop()
    assert gone_within(server.server_pid, 2)


def test_a_too_long_socket_path_moves_to_a_short_directory(tmp_path: Path):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    server = EmbeddedRedis()
    try:
        url = server.start(deep)
        assert len(str(server.socket_path)) <= redis_embedded.MAX_SOCKET_PATH and ping(url)
    finally:
        server.stop()
    assert not server.socket_path.parent.exists()


def test_redis_url_prefers_the_configured_url(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:6379/13")
    assert redis_url(settings) == "redis://127.0.0.1:6379/13"
    assert not (tmp_path / "redis").exists()


def test_redis_url_starts_one_embedded_server_per_data_dir(tmp_path: Path):
    settings = Settings(data_dir=tmp_path)
    try:
        with pytest.raises(RedisUnavailableError):
            redis_url(settings, start_embedded=False)
        url = redis_url(settings)
        assert url == redis_url(settings) == redis_url(settings, start_embedded=False)
        client = get_redis(settings)
        assert client is get_redis(settings) and client.ping()
        assert client.connection_pool.connection_kwargs["socket_timeout"] == redis_conn.SOCKET_TIMEOUT_S
    finally:
        stop_embedded()
    assert not ping(url)


def test_state_db_url_is_the_next_database_of_the_same_server(tmp_path: Path):
    def state(url: str) -> str:
        return state_db_url(Settings(data_dir=tmp_path, redis_url=url))

    assert state("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/1"
    assert state("redis://:secret@redis.example:6380/4") == "redis://:secret@redis.example:6380/5"
    assert state("redis://127.0.0.1:6379") == "redis://127.0.0.1:6379/1"
    assert state("unix:///tmp/x/redis.sock?db=0") == "unix:///tmp/x/redis.sock?db=1"
    assert state("redis://127.0.0.1:6379?db=2") == "redis://127.0.0.1:6379?db=3"


def test_messages_name_the_server_but_never_the_password():
    assert describe_url("redis://user:secret@db.internal:6380/2") == "db.internal:6380 (db 2)"
    assert describe_url("unix:///srv/wb/redis/redis.sock?db=0") == "unix socket /srv/wb/redis/redis.sock (db 0)"


def test_unreachable_redis_is_a_typed_error(dead_redis: redis.Redis):
    with pytest.raises(RedisUnavailableError) as info:
        ensure_reachable(dead_redis)
    doc = info.value.to_dict()
    assert doc["code"] == "redis-unavailable"
    assert "127.0.0.1:1" in doc["message"] and "127.0.0.1:1" in doc["message_es"]


def test_the_engine_objects_are_built_from_settings(redis_real):
    from workbench.engine.infra.cache import PreviewCache
    from workbench.engine.infra.events import EventStream
    from workbench.engine.infra.locks import DatasetLock

    settings = Settings(redis_url="redis://127.0.0.1:6379/13", cache_ttl_s=120, cache_max_entry_bytes=4096,
                        cache_max_total_bytes=8192, lock_ttl_s=7, events_maxlen=500)
    cache, stream = PreviewCache.from_settings(settings), EventStream.from_settings(settings)
    lock = DatasetLock.from_settings("dipres_ley", owner="run 1", settings=settings)
    assert (cache.ttl_ms, cache.max_entry_bytes, cache.max_total_bytes, cache.prefix) == (120_000, 4096, 8192, "wb:cache:")
    assert (stream.stream, stream.maxlen) == ("wb:events", 500)
    assert (lock.key, lock.ttl_s, lock.owner) == ("wb:lock:dipres_ley", 7, "run 1")
    assert cache.redis is stream.redis is lock.redis is get_redis(settings)
    assert cache.redis.connection_pool.connection_kwargs["db"] == 13


def test_the_embedded_redis_restarts_on_the_same_socket_with_keyspace_notifications(tmp_path):
    """What `workbench serve` does when its embedded Redis dies (moved from the supervisor's unit tests:
    it starts a real redis-server)."""
    server = EmbeddedRedis()
    url = server.start(tmp_path)
    try:
        assert server.exit_code() is None
        os.kill(server.server_pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while server.exit_code() is None:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        old_pid = server.server_pid
        assert server.restart() == url and server.server_pid != old_pid and _ping(server.socket_path)
        client = redis.Redis.from_url(url)
        flags = client.config_get("notify-keyspace-events")["notify-keyspace-events"]  # in Redis' own order
        assert sorted(flags.decode() if isinstance(flags, bytes) else flags) == sorted(NOTIFY_KEYSPACE_EVENTS)
        owner = json.loads((tmp_path / "redis" / "owner.json").read_text())
        assert owner["server_pid"] == server.server_pid and owner["owner_pid"] == os.getpid()
        client.close()
    finally:
        server.stop()
