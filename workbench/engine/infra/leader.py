"""One scheduler leads at a time: a Redis key with a lease (``wb:scheduler:leader``), taken with NX, renewed by
its holder while the value is still its own, released by compare-and-delete. A leader that dies (even by
SIGKILL) stops renewing: another scheduler takes the key within one lease. The store's unique trigger keys are
the second guard: even two schedulers that both believed they led would record each fire once."""

from __future__ import annotations

import json
import os
import secrets
import socket

import redis

from workbench.engine.infra.redis_conn import KEY_PREFIX

LEADER_KEY = KEY_PREFIX + "scheduler:leader"

# KEYS[1] key; ARGV[1] our value, ARGV[2] lease ms. 1 when ours (taken or renewed), 0 when someone else holds it.
_TAKE_OR_RENEW = """
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not held then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class LeaderLease:
    """``hold()`` takes or renews the lease (True while this instance leads); ``release()`` gives it up."""

    def __init__(self, client: redis.Redis, *, lease_s: float, key: str = LEADER_KEY, name: str = "") -> None:
        self.client, self.key, self.lease_ms = client, key, max(100, int(lease_s * 1000))
        self.value = json.dumps({"token": secrets.token_hex(8), "name": name, "pid": os.getpid(),
                                 "host": socket.gethostname()})

    def hold(self) -> bool:
        """Raises redis errors (the caller decides: a scheduler that cannot reach Redis does not lead)."""
        return bool(self.client.eval(_TAKE_OR_RENEW, 1, self.key, self.value, self.lease_ms))

    def release(self) -> None:
        try:
            self.client.eval(_RELEASE, 1, self.key, self.value)
        except (redis.RedisError, OSError):
            pass  # it expires by itself within one lease

    @staticmethod
    def holder(client: redis.Redis, key: str = LEADER_KEY) -> dict | None:
        """Who leads now (name, pid, host), or None."""
        raw = client.get(key)
        if raw is None:
            return None
        try:
            found = json.loads(raw)
        except ValueError:
            return None
        return {k: found.get(k) for k in ("name", "pid", "host")}


__all__ = ["LEADER_KEY", "LeaderLease"]
