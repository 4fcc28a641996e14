"""The one place that knows where Redis is: the configured server, or an embedded one we start and own.

Key layout (one Redis database, shared with RQ):

* ``wb:cache:<sha256>`` preview cache entries, plus ``wb:cache:index`` / ``wb:cache:sizes`` / ``wb:cache:total``
* ``wb:lock:<dataset slug>`` per-dataset run locks
* ``wb:events`` the event stream
* ``rq:*`` RQ's own queues, jobs and registries

Reflex's state manager uses the next database index on the same server (``state_db_url``), so clearing one never
touches the other. The embedded server listens on a unix socket only, never on TCP.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from workbench.engine.core.errors import RedisUnavailableError
from workbench.engine.infra.redis_embedded import CONNECTION_ERRORS, EmbeddedRedis
from workbench.engine.core.settings import Settings, get_settings

log = logging.getLogger(__name__)

#: Everything the product keeps in Redis starts with this (RQ keeps its own ``rq:`` keys).
KEY_PREFIX = "wb:"
CACHE_PREFIX = KEY_PREFIX + "cache:"
LOCK_PREFIX = KEY_PREFIX + "lock:"
EVENTS_STREAM = KEY_PREFIX + "events"

#: Client timeouts, seconds: a dead or hung Redis costs at most this much per call.
SOCKET_TIMEOUT_S = 2.0
SOCKET_CONNECT_TIMEOUT_S = 1.0
#: redis-py's periodic PING before reusing an idle connection: off. The retry below already reconnects a dead
#: pooled connection (a Redis restart) once, and the PING runs with its own retry *inside* the connect retry, so
#: a hung Redis cost (1 + RETRIES)^2 socket timeouts per new connection (8 s measured) instead of 4 s.
HEALTH_CHECK_INTERVAL_S = 0
#: Retries after a connection error or timeout (redis-py's default, 3 with up to seconds of backoff, would turn a
#: dead Redis into a 10 s stall per call).
RETRIES = 1
RETRY_BACKOFF_CAP_S = 0.25





def describe_url(url: str) -> str:
    """Where a URL points, for messages: host, port and db, or the socket path; never the password."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if parts.scheme == "unix":
        return f"unix socket {parts.path} (db {query.get('db', ['0'])[0]})"
    db = parts.path.lstrip("/") or query.get("db", ["0"])[0]
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379} (db {db})"


def state_db_url(settings: Settings | None = None) -> str:
    """The URL for Reflex's state manager: the same server as ``redis_url`` on the next database index."""
    url = redis_url(settings)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if parts.scheme == "unix" or "db" in query:
        query["db"] = [str(int(query.get("db", ["0"])[0]) + 1)]
        rest = urlunsplit(parts._replace(scheme="", query=urlencode(query, doseq=True)))
        return f"{parts.scheme}://{rest.removeprefix('//')}"
    db = int(parts.path.lstrip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{db + 1}"))


# --- process helpers ------------------------------------------------------------------------------------


_lock = threading.Lock()
_embedded: dict[Path, EmbeddedRedis] = {}
_clients: dict[str, redis.Redis] = {}


def redis_url(settings: Settings | None = None, *, start_embedded: bool = True) -> str:
    """``settings.redis_url`` when configured; else the embedded server of ``settings.data_dir`` (started on the
    first call in this process and stopped at exit, or reused when another process already runs it)."""
    settings = settings or get_settings()
    if settings.redis_url:
        return settings.redis_url
    data_dir = Path(settings.data_dir).resolve()
    with _lock:
        server = _embedded.get(data_dir)
        if server is not None and server.url is not None:
            return server.url
        if not start_embedded:
            url = EmbeddedRedis.running_url(data_dir)
            if url is None:
                raise RedisUnavailableError(where=f"embedded server in {data_dir / 'redis'}", reason="not running")
            return url
        server = EmbeddedRedis()
        url = server.start(data_dir)
        _embedded[data_dir] = server
        return url


def get_redis(settings: Settings | None = None) -> redis.Redis:
    """A client for ``redis_url(settings)``, one per URL per process (redis-py pools are fork-safe)."""
    url = redis_url(settings)
    with _lock:
        client = _clients.get(url)
        if client is None:
            client = redis.Redis.from_url(url, decode_responses=False, socket_timeout=SOCKET_TIMEOUT_S,
                                          socket_connect_timeout=SOCKET_CONNECT_TIMEOUT_S,
                                          health_check_interval=HEALTH_CHECK_INTERVAL_S, retry=client_retry())
            _clients[url] = client
        return client


def client_retry() -> Retry:
    """The retry policy of our clients: one quick retry, so a restart blip is absorbed and a dead Redis is not."""
    return Retry(ExponentialWithJitterBackoff(cap=RETRY_BACKOFF_CAP_S, base=0.05), RETRIES)


def owned_embedded(settings: Settings | None = None) -> EmbeddedRedis | None:
    """The embedded server of ``settings.data_dir`` if this process started it (``workbench serve`` watches it
    and starts it again when it dies); None with a configured Redis or a server owned by another process."""
    settings = settings or get_settings()
    if settings.redis_url:
        return None
    with _lock:
        server = _embedded.get(Path(settings.data_dir).resolve())
    return server if server is not None and server.owned else None


def stop_embedded() -> None:
    """Stop the embedded servers this process started through ``redis_url`` (tests, orderly shutdown)."""
    with _lock:
        for server in _embedded.values():
            url = server.url
            server.stop()
            client = _clients.pop(url, None) if url else None
            if client is not None:
                client.close()
        _embedded.clear()


def ensure_reachable(client: redis.Redis) -> None:
    """PING, or raise RedisUnavailableError naming where (for health checks and commands that need Redis)."""
    try:
        client.ping()
    except CONNECTION_ERRORS as exc:
        raise RedisUnavailableError(where=client_location(client), reason=str(exc) or type(exc).__name__) from exc


def client_location(client: redis.Redis) -> str:
    """Where a client points, for messages (no password)."""
    kwargs = client.connection_pool.connection_kwargs
    if kwargs.get("path"):
        return f"unix socket {kwargs['path']} (db {kwargs.get('db', 0)})"
    return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)} (db {kwargs.get('db', 0)})"


__all__ = [
    "CACHE_PREFIX",
    "EVENTS_STREAM",
    "KEY_PREFIX",
    "LOCK_PREFIX",
    "client_location",
    "client_retry",
    "describe_url",
    "ensure_reachable",
    "get_redis",
    "owned_embedded",
    "redis_url",
    "state_db_url",
    "stop_embedded",
]
