"""``workbench serve`` as a supervisor: it starts the workers, the web server and (through the engine) the
embedded Redis, restarts whichever dies with a growing pause, and stops them all only on SIGTERM/SIGINT.

Every line the supervised processes print goes through here, stamped with the time and the process's name
(``2026-12-07 10:12:03 worker-0 | ...``), so one console tells what happened when, and in which process.
This module knows processes, not the product: what to start and what to do after a death are callbacks.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import IO

log = logging.getLogger(__name__)

#: Pause before the n-th restart in a row (seconds): 1, 2, 4, 8, 16, then 30 until a start lasts.
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 30.0
#: A process that ran this long before dying is restarted after the first pause again.
STABLE_AFTER_S = 60.0
#: How often the supervisor looks at its processes, seconds.
TICK_S = 0.25
#: Width of the process-name column in the log.
NAME_WIDTH = 8
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def backoff(failures: int) -> float:
    """The pause before restarting a process that died ``failures`` times in a row (1 = its first death)."""
    return min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** max(0, failures - 1))


def log_line(source: str, text: str, now: datetime | None = None) -> str:
    """One console line: local time, the process it comes from, and its text (trailing blanks removed)."""
    stamp = (now or datetime.now()).strftime(TIME_FORMAT)
    return f"{stamp} {source:<{NAME_WIDTH}} | {text.rstrip()}"


def describe_exit(code: int) -> str:
    """``code -9`` is what Popen says; an operator reads ``killed by SIGKILL``."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class Console:
    """Writes stamped lines from several threads without interleaving them."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def say(self, source: str, text: str) -> None:
        with self._lock:
            self.stream.write(log_line(source, text) + "\n")
            self.stream.flush()

    def pump(self, source: str, pipe: IO[bytes]) -> threading.Thread:
        """Copy a child's output, line by line, stamped (a daemon thread that ends with the pipe)."""
        def copy() -> None:
            with pipe:
                for raw in iter(pipe.readline, b""):
                    self.say(source, raw.decode("utf-8", errors="replace"))

        thread = threading.Thread(target=copy, name=f"log-{source}", daemon=True)
        thread.start()
        return thread


class Child:
    """One supervised process: how to start it, and when it is due to start again after a death."""

    def __init__(self, name: str, start: Callable[[int], subprocess.Popen], *,
                 on_exit: Callable[[Child, int], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name, self._start, self.on_exit, self.clock = name, start, on_exit, clock
        self.proc: subprocess.Popen | None = None
        self.generation = 0  # starts so far (the start callback gets it: e.g. a fresh worker name per start)
        self.failures = 0  # deaths in a row without a stable run
        self.started_at = 0.0
        self.due: float | None = 0.0  # when to start (again); None while running

    def start(self, console: Console) -> None:
        self.proc = self._start(self.generation)
        self.generation += 1
        self.started_at, self.due = self.clock(), None
        if self.proc.stdout is not None:
            console.pump(self.name, self.proc.stdout)

    def check(self, console: Console, stopping: bool) -> None:
        """Notice a death (log it, schedule the restart) or start the process when it is due."""
        now = self.clock()
        if self.proc is not None and self.due is None:
            code = self.proc.poll()
            if code is None:
                return
            lasted = now - self.started_at
            self.failures = 1 if lasted >= STABLE_AFTER_S else self.failures + 1
            pause = backoff(self.failures)
            self.due = now + pause
            if not stopping:
                console.say("serve", f"{self.name} stopped ({describe_exit(code)}) after {lasted:.0f} s; "
                                     f"starting it again in {pause:.0f} s")
            if self.on_exit is not None:
                self.on_exit(self, code)
            return
        if not stopping and self.due is not None and now >= self.due:
            try:
                self.start(console)
            except OSError as exc:
                self.failures += 1
                self.due = now + backoff(self.failures)
                console.say("serve", f"{self.name} could not start ({exc.strerror or exc}); trying again")
                return
            if self.generation > 1:
                console.say("serve", f"{self.name} started again (restart {self.generation - 1})")

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Supervisor:
    """Keeps ``children`` running until ``stop`` is set; ``tick`` callbacks run on every round (the embedded
    Redis watch, the web server's readiness), each guarded so one failing never stops supervision."""

    def __init__(self, children: list[Child], console: Console,
                 ticks: list[Callable[[], None]] | None = None) -> None:
        self.children, self.console, self.ticks = children, console, list(ticks or [])
        self.stop = threading.Event()

    def install_signals(self) -> None:
        """SIGTERM and SIGINT stop everything (Ctrl-C, ``kill``, a service manager); nothing else does."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stop.set())

    def run(self) -> None:
        while not self.stop.is_set():
            for tick in self.ticks:
                try:
                    tick()
                except Exception:  # a bug in one watch: logged with its traceback; the others go on
                    log.exception("supervision step %s failed", getattr(tick, "__name__", tick))
            for child in self.children:
                try:
                    child.check(self.console, stopping=self.stop.is_set())
                except Exception:  # a bug in an after-death step: logged; the child is looked at again next round
                    log.exception("supervising %s failed", child.name)
            self.stop.wait(TICK_S)
