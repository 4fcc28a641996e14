"""Private, disposable servers for the fault tests: a PostgreSQL cluster, a Redis server and a tiny file system
that the tests stop, kill, restart and fill at will. The shared servers (PostgreSQL at 5432, Redis at 6379) are
never touched: other test processes use them at the same time.

- ``PrivatePostgres``: ``initdb`` into a temporary folder (as the ``postgres`` OS user when we are root:
  initdb and postgres refuse to run as root), started with ``pg_ctl`` on a free loopback port, its socket in
  the same folder. ``stop()`` is ``pg_ctl stop -m immediate`` (what a crash or a killed server looks like to
  clients: connections drop, the port closes); ``start()`` brings it back on the same port (crash recovery).
- ``PrivateRedis``: ``redis-server`` on a free loopback port without persistence; ``kill()`` is SIGKILL;
  ``start()`` brings it back, empty, on the same port.
- ``small_disk``: a tmpfs of a few hundred KB mounted on a folder (needs CAP_SYS_ADMIN, which CI has: it runs as
  root); where mounting is not permitted (or ``WORKBENCH_TEST_NO_MOUNT`` is set) it reports so and the tests
  inject ENOSPC at the OS write boundary instead.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

import psycopg
import redis

PG_BIN = Path(os.environ.get("WORKBENCH_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
#: How long a private server may take to start or stop, seconds.
START_TIMEOUT_S = 30


class ServerSetupError(RuntimeError):
    """A private server could not be set up: the message says what is missing and how to fix it."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class PrivatePostgres:
    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="wb-faults-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        self.port = free_port()
        self._as_root = os.geteuid() == 0
        self._user = "postgres" if self._as_root else pwd.getpwuid(os.geteuid()).pw_name
        atexit.register(self.destroy)  # pg_ctl daemonises the server: never leave one behind an aborted run

    # --- lifecycle ---------------------------------------------------------------------------------------

    def init(self) -> "PrivatePostgres":
        initdb = PG_BIN / "initdb"
        if not initdb.exists():
            raise ServerSetupError(f"{initdb} is missing: the fault tests need PostgreSQL's server binaries "
                                   "(apt-get install postgresql-15, or set WORKBENCH_TEST_PG_BIN)")
        if self._as_root:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise ServerSetupError("running as root, the fault tests start PostgreSQL as the 'postgres' OS "
                                       "user, which does not exist (apt-get install postgresql-15 creates it)") from None
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
        self._run([str(initdb), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                   "--locale=C", "--no-sync"])
        return self

    def start(self) -> "PrivatePostgres":
        # fsync off: only the server process is ever killed here, never the machine, so committed data survives
        # in the OS cache (synchronous_commit stays on: an immediate stop must not lose a reported commit)
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c max_connections=60")
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                   "-w", "-t", str(START_TIMEOUT_S), "start"])
        return self

    def stop(self, mode: str = "immediate") -> None:
        """``immediate``: every server process quits at once, without a checkpoint (a crash, to clients)."""
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", str(START_TIMEOUT_S),
                   "stop"])

    def running(self) -> bool:
        return port_open(self.port)

    def destroy(self) -> None:
        if self.data.exists() and self.running():
            try:
                self.stop()
            except (ServerSetupError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.base, ignore_errors=True)

    # --- databases ---------------------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _run(self, args: list[str]) -> None:
        command = ["runuser", "-u", self._user, "--", *args] if self._as_root else args
        done = subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT_S + 10)
        if done.returncode != 0:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise ServerSetupError(f"{' '.join(args[:1] + args[-1:])} failed ({done.returncode}): "
                                   f"{done.stderr.strip() or done.stdout.strip()}\n{tail}")


class PrivateRedis:
    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServerSetupError("redis-server is not on PATH: the fault tests need it (apt-get install "
                                   "redis-server)")
        self.binary = binary
        self.port = free_port()
        self.home = Path(tempfile.mkdtemp(prefix="wb-faults-redis-"))
        self.proc: subprocess.Popen[bytes] | None = None
        atexit.register(self.destroy)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.home), "--logfile", str(self.home / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + START_TIMEOUT_S
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if self.proc.poll() is not None or time.monotonic() > deadline:
                        raise ServerSetupError(f"redis-server did not start on port {self.port}; see "
                                               f"{self.home / 'redis.log'}") from None
                    time.sleep(0.02)
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no save; clients see their connections reset and the port closed."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def destroy(self) -> None:
        self.kill()
        shutil.rmtree(self.home, ignore_errors=True)


@contextmanager
def hung_server() -> Iterator[int]:
    """A loopback port that accepts connections and never answers (a hung host, a stuck proxy): its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])  # and never answer
            except OSError:
                continue

    thread = threading.Thread(target=accept, name="hung-server", daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in accepted:
            conn.close()
        listener.close()


@contextmanager
def small_disk(path: Path, size_kb: int) -> Iterator[bool]:
    """A tmpfs of ``size_kb`` KB mounted on ``path`` (True), or nothing mounted (False) where mounting is not
    permitted, so the caller injects the full disk instead. Unmounted afterwards (lazily: never left busy)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.environ.get("WORKBENCH_TEST_NO_MOUNT"):  # to exercise the fallback where mounting works
        yield False
        return
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0755", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        yield False
        return
    try:
        yield True
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill(path: Path, leave_bytes: int) -> Path:
    """Fill the file system of ``path`` until about ``leave_bytes`` remain free; returns the filler file."""
    filler = path / "filler.bin"
    free = shutil.disk_usage(path).free
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - leave_bytes))
    return filler
