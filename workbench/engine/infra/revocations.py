"""Revocations reach every process at once: signing out, revoking a token, disabling a user or changing a
role or password publishes on a Redis channel, and every process that resolves credentials (web and API
workers) listens and forgets what it remembered (``auth``'s few-seconds cache of resolved credentials).

Without Redis the cache's own lifetime (``auth.RESOLVE_CACHE_S``) still bounds how long a revoked credential
keeps working elsewhere; the process that made the change forgets at once either way. A listener that loses
its connection forgets everything when it reconnects (it may have missed a message)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import redis

from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.settings import Settings
from workbench.engine.infra.redis_conn import redis_url

log = logging.getLogger(__name__)

CHANNEL = "wb:auth:revoked"
RECONNECT_S = 1.0
#: How long the first resolve of a process waits for its listener to subscribe (Redis down: not longer).
SUBSCRIBE_WAIT_S = 0.5

_listeners: dict[str, threading.Thread] = {}
_lock = threading.Lock()


def _url(settings: Settings) -> str | None:
    """The Redis this process would use, without starting an embedded one just to listen or announce."""
    try:
        return redis_url(settings, start_embedded=False)
    except WorkbenchError:
        return None


def announce(settings: Settings) -> bool:
    """Tell every process to forget resolved credentials (after the change is committed). False when Redis
    could not be told (the cache lifetime then bounds the delay)."""
    url = _url(settings)
    if url is None:
        return False
    try:
        client = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        try:
            client.publish(CHANNEL, b"1")
        finally:
            client.close()
        return True
    except (redis.RedisError, OSError) as exc:
        log.warning("could not announce a revocation through Redis (%s); other processes forget it within "
                    "seconds", exc)
        return False


def listen(settings: Settings, forget: Callable[[], None]) -> None:
    """Start (once per Redis per process) a daemon thread that calls ``forget`` on every announcement."""
    url = _url(settings)
    if url is None:
        return
    with _lock:
        thread = _listeners.get(url)
        if thread is not None and thread.is_alive():
            return
        subscribed = threading.Event()
        thread = threading.Thread(target=_loop, args=(url, forget, subscribed), name="workbench-revocations",
                                  daemon=True)
        _listeners[url] = thread
        thread.start()
    subscribed.wait(SUBSCRIBE_WAIT_S)  # so that what this process resolves next cannot miss an announcement


def _loop(url: str, forget: Callable[[], None], subscribed: threading.Event) -> None:
    connected_before = False
    while True:
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=2.0, health_check_interval=10)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(CHANNEL)
            pubsub.get_message(timeout=SUBSCRIBE_WAIT_S)  # the subscription's confirmation
            subscribed.set()
            if connected_before:
                forget()  # messages may have been missed while disconnected
            connected_before = True
            for message in pubsub.listen():
                if message and message.get("type") == "message":
                    forget()
        except (redis.RedisError, OSError, ValueError):
            time.sleep(RECONNECT_S)


__all__ = ["CHANNEL", "announce", "listen"]
