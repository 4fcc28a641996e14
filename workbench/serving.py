"""What ``workbench serve`` supervises, and what it does when something dies (the generic restart machinery is
``workbench.supervisor``):

- **workers** (``workbench worker``): started again with a growing pause, under a new RQ name; the dead one's
  registration is removed and recovery runs at once, so the run it held ends ``failed`` (``run-abandoned``)
  within seconds and is retried once;
- **the web server**: started again with a growing pause (it exits at start while its Redis is down);
- **the scheduler** (``workbench scheduler``: schedules and inboxes of specs with ``automation``): started again
  with a growing pause; another scheduler (if any) takes the lead within one lease meanwhile;
- **the embedded Redis** (when no ``WORKBENCH_REDIS_URL`` is set): started again on the same socket, empty;
  clients reconnect by themselves, and a full recovery queues the lost jobs of queued runs again;
- **recovery** (``recover_abandoned``) in a thread: every ``RECOVER_EVERY_S`` for runs whose process died or
  could not record the end, every lock TTL (and after a Redis restart) in full. A database that is down
  postpones it, with one message, until the database is back.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from workbench import web
from workbench.engine import api
from workbench.supervisor import STABLE_AFTER_S, Child, Console, Supervisor, backoff, describe_exit

log = logging.getLogger(__name__)

#: How often recovery looks for runs whose process died, seconds (a glob of a folder: cheap).
RECOVER_EVERY_S = 2.0
#: How long a stopping worker may finish its current run before it is killed, seconds.
WORKER_STOP_S = 10.0
#: How often a restarted web server is asked whether it answers, seconds.
WEB_PROBE_EVERY_S = 1.0


class ConsoleHandler(logging.Handler):
    """This process's log records as stamped console lines (source ``serve``)."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.console.say("serve", self.format(record))
        except (OSError, ValueError):  # the console is closed (shutting down): the record has nowhere to go
            self.handleError(record)


def log_to(console: Console, level: int = logging.WARNING) -> None:
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not isinstance(h, ConsoleHandler)] + [ConsoleHandler(console)]
    root.setLevel(level)


class Recoverer:
    """Runs recovery off the supervising loop (a database that hangs must not stall restarts)."""

    def __init__(self, settings: Any, console: Console) -> None:
        self.settings, self.console = settings, console
        self._wake, self._stop = threading.Event(), threading.Event()
        self._full, self._last_full, self._last_error = True, 0.0, None
        self._thread = threading.Thread(target=self._loop, name="recovery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def poke(self, *, full: bool = False) -> None:
        self._full = self._full or full
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():  # never started when serve stops during its start
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.once()
            self._wake.wait(RECOVER_EVERY_S)
            self._wake.clear()

    def once(self) -> None:
        full = self._full or time.monotonic() - self._last_full >= max(2, self.settings.lock_ttl_s)
        self._full = False
        try:
            requeued = api.recover_abandoned(self.settings, full=full)
        except api.WorkbenchError as exc:  # the store (or Redis) is down: again at the next round
            self._full = self._full or full
            if exc.message != self._last_error:
                self.console.say("serve", f"recovery postponed until the service is back: {exc.message}")
            self._last_error = exc.message
            return
        except Exception:  # a bug: logged with its traceback, and supervision goes on
            log.exception("recovery failed")
            return
        if self._last_error is not None:
            self.console.say("serve", "recovery works again")
            self._last_error = None
        if full:
            self._last_full = time.monotonic()
        if requeued:
            self.console.say("serve", f"runs {', '.join(map(str, requeued))} queued for the workers (retries of "
                                      "interrupted runs, or jobs a restarted Redis lost)")


@dataclass
class Plan:
    """The processes of one ``workbench serve``: how each starts, and what follows a death."""

    settings: Any
    console: Console
    env: dict[str, str]
    workers: int
    host: str
    port: int
    web_env: dict[str, str] | None
    redis: Any = None  # the embedded server this process owns (EmbeddedRedis), or None
    children: list[Child] = field(default_factory=list)
    web: Child | None = None
    _worker_names: dict[str, str] = field(default_factory=dict)  # child name -> its current RQ worker name

    def supervisor(self) -> Supervisor:
        self.recoverer = Recoverer(self.settings, self.console)
        self.children = [Child(f"worker-{i}", self._worker_starter(i), on_exit=self._worker_exited)
                         for i in range(self.workers)]
        self.children.append(Child("scheduler", self._start_scheduler))
        if self.web_env is not None:
            self.web = Child("web", self._start_web, on_exit=self._web_exited)
            self.children.append(self.web)
        self._redis_failures, self._redis_due, self._redis_up_at = 0, None, time.monotonic()
        self._web_down_at: float | None = None
        self._web_probed = 0.0
        return Supervisor(self.children, self.console, ticks=[self._watch_redis, self._watch_web])

    # --- starting and stopping ------------------------------------------------------------------------

    def start(self) -> str:
        """Start every process; with the web app, wait until it answers. Returns the address users open."""
        for child in self.children:
            child.start(self.console)
        public = (self.settings.public_url or "").rstrip("/")
        if self.web is not None:
            web.wait_ready(self.host, self.port, self.web.proc)  # type: ignore[arg-type]
            public = public or web.base_url(self.host, self.port)
        self.recoverer.start()
        return public or f"http://{self.host}:{self.port}"

    def stop_all(self) -> None:
        if hasattr(self, "recoverer"):
            self.recoverer.stop()
        if self.web is not None and self.web.proc is not None:
            web.stop(self.web.proc)
        workers = [c.proc for c in self.children if c is not self.web and c.proc is not None]  # and the scheduler
        for proc in workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # RQ's warm shutdown: the current run may finish
        deadline = time.monotonic() + WORKER_STOP_S
        for proc in workers:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()  # its run is recovered at the next start (its process is gone)
                proc.wait()

    def _worker_starter(self, index: int):
        def start(generation: int) -> subprocess.Popen:
            # a new name per start: RQ refuses a name whose dead owner is still registered
            name = f"serve-{os.getpid()}-{index}" + (f"-r{generation}" if generation else "")
            self._worker_names[f"worker-{index}"] = name
            return subprocess.Popen([sys.executable, "-m", "workbench.cli", "worker", "--name", name, "--supervised"],
                                    env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    start_new_session=True, preexec_fn=_dies_with_us())
        return start

    def _start_scheduler(self, generation: int) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "workbench.cli", "scheduler", "--supervised",
                                 "--name", f"serve-{os.getpid()}" + (f"-r{generation}" if generation else "")],
                                env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=_dies_with_us())

    def _start_web(self, generation: int) -> subprocess.Popen:
        return web.start(self.host, self.port, self.web_env or {}, output=subprocess.PIPE)

    # --- after a death -------------------------------------------------------------------------------

    def _worker_exited(self, child: Child, code: int) -> None:
        name = self._worker_names[child.name]
        try:
            api.forget_worker(name, self.settings)
        except api.WorkbenchError as exc:
            log.warning("worker %s: registration left to expire: %s", name, exc.message)
        self.recoverer.poke()  # its run (if any) ends failed now, not after its heartbeat goes stale

    def _web_exited(self, child: Child, code: int) -> None:
        """Its server processes go with it: a worker process left behind would keep the port, and every new
        server would exit at start."""
        if child.proc is not None:
            web.stop(child.proc, timeout_s=1.0)
        self._web_down_at = self._web_down_at or time.monotonic()

    def _watch_web(self) -> None:
        """Say when a restarted web server answers again (users were getting connection errors meanwhile)."""
        if self._web_down_at is None or self.web is None or not self.web.running():
            return
        now = time.monotonic()
        if now - self._web_probed < WEB_PROBE_EVERY_S:
            return
        self._web_probed = now
        if web.answers(self.host, self.port, timeout_s=0.3):
            self.console.say("serve", f"web app answering again ({now - self._web_down_at:.1f} s after it stopped)")
            self._web_down_at = None

    def _watch_redis(self) -> None:
        """Start the embedded Redis again when it died (SIGTERM, SIGKILL, a crash), with a growing pause when it
        keeps dying; then queue again the jobs it lost."""
        if self.redis is None:
            return
        code = self.redis.exit_code()
        now = time.monotonic()
        if code is None:
            if self._redis_failures and now - self._redis_up_at >= STABLE_AFTER_S:
                self._redis_failures = 0
            return
        if self._redis_due is None:
            self._redis_failures += 1
            pause = 0.0 if self._redis_failures == 1 else backoff(self._redis_failures - 1)
            self._redis_due = now + pause
            self.console.say("serve", f"the embedded Redis stopped ({describe_exit(code)}); starting it again"
                                      + (f" in {pause:.0f} s" if pause else ""))
        if now < self._redis_due:
            return
        try:
            self.redis.restart()
        except api.WorkbenchError as exc:
            self._redis_failures += 1
            self._redis_due = now + backoff(self._redis_failures - 1)
            self.console.say("serve", f"the embedded Redis did not start: {exc.message}; trying again")
            return
        self._redis_due, self._redis_up_at = None, time.monotonic()
        self.console.say("serve", f"the embedded Redis is back ({self.redis.start_seconds:.2f} s; it starts empty: "
                                  "queued runs are queued again, workers and the web app reconnect)")
        self.recoverer.poke(full=True)


def _dies_with_us():
    """Supervised workers get SIGTERM when ``serve`` dies, even by SIGKILL (no orphan keeps taking jobs)."""
    return api.pdeathsig_preexec()
