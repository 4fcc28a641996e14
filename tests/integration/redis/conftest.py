"""Redis fixtures: the real server (127.0.0.1:6379, DB 13) and an embedded one, each test under its own key prefix.

Never FLUSHDB: the real database is shared with other test runs; a test deletes only ``<prefix>*``.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from workbench.engine.infra.redis_conn import client_retry
from workbench.engine.infra.redis_embedded import EmbeddedRedis

REAL_HOST, REAL_PORT, REAL_DB = "127.0.0.1", 6379, 13


class FakeClock:
    """A clock a test moves by hand (``clock.advance(61)``), for modules that take ``clock=``/``wall_clock=``."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def wait_until_gone(client: redis.Redis, key: str, within_s: float = 5.0) -> None:
    """Poll until Redis has expired ``key`` (a Redis-side TTL: no Python clock can move it), failing after
    ``within_s``: a deadline, not a guessed sleep."""
    deadline = time.monotonic() + within_s
    while client.exists(key):
        assert time.monotonic() < deadline, f"{key} still exists {within_s} s later (pttl {client.pttl(key)} ms)"
        time.sleep(0.01)


def client_url(client: redis.Redis) -> str:
    """The URL of a client, for handing the same server to a subprocess."""
    kwargs = client.connection_pool.connection_kwargs
    if kwargs.get("path"):
        return f"unix://{kwargs['path']}?db={kwargs.get('db', 0)}"
    return f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs.get('db', 0)}"


@pytest.fixture(scope="session")
def redis_real() -> Iterator[redis.Redis]:
    client = redis.Redis(host=REAL_HOST, port=REAL_PORT, db=REAL_DB, socket_timeout=2, socket_connect_timeout=1,
                         retry=client_retry())
    try:
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        pytest.fail(f"the test Redis at {REAL_HOST}:{REAL_PORT} (db {REAL_DB}) is not reachable: {exc}; "
                    "start one there (apt install redis-server)", pytrace=False)
    yield client
    client.close()


@pytest.fixture
def redis_embedded(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A started EmbeddedRedis of its own in tmp_path, stopped at teardown."""
    server = EmbeddedRedis()
    server.start(tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _embedded_shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis()
    server.start(tmp_path_factory.mktemp("embedded"))
    yield server
    server.stop()


@pytest.fixture(params=["real", "embedded"])
def redis_client(request: pytest.FixtureRequest) -> Iterator[redis.Redis]:
    """The same test against the real server and the embedded one."""
    if request.param == "real":
        yield request.getfixturevalue("redis_real")
        return
    server = request.getfixturevalue("_embedded_shared")
    client = redis.Redis.from_url(server.url, socket_timeout=2, socket_connect_timeout=1, retry=client_retry())
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client: redis.Redis) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    value = f"wbtest:{uuid.uuid4().hex[:12]}:"
    yield value
    keys = list(redis_client.scan_iter(match=value + "*", count=1000))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture
def dead_redis() -> Iterator[redis.Redis]:
    """A client of nothing: 127.0.0.1 port 1 refuses connections at once."""
    client = redis.Redis(host="127.0.0.1", port=1, socket_timeout=0.5, socket_connect_timeout=0.5,
                         retry=client_retry())
    yield client
    client.close()


@pytest.fixture
def hung_redis() -> Iterator[redis.Redis]:
    """A client of a server that accepts connections and never answers (a hung Redis): every call times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    client = redis.Redis(host="127.0.0.1", port=listener.getsockname()[1], socket_timeout=0.3,
                         socket_connect_timeout=0.3, retry=client_retry())
    yield client
    client.close()
    listener.close()
