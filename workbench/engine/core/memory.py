"""Memory goes back to the system when the heavy work ends, and heavy work is bounded (issue 13.7).

A preview or a run of a 5 MB file allocates a few hundred MB in short-lived pieces (bytes, Arrow buffers,
DataFrames). A web worker under 20 concurrent uploaders grew from ~380 MB to ~900 MB and kept it idle. Measured
in one process (20 threads previewing the 5 MB CSV for 30 s, 420 -> 1,025 MB): the memory was free, not held by
caches or objects, but kept by the allocators. So:

- **Arrow on glibc from the start.** Arrow's C++ default pool (mimalloc) is chosen once, when pyarrow is
  imported, from ``ARROW_DEFAULT_MEMORY_POOL``; ``pa.set_memory_pool`` later moves only pyarrow's own
  allocations, and the C++ ones stay on mimalloc, whose per-thread heaps keep what they freed. Measured with
  ``/proc/<pid>/smaps`` after the 4-minute soak (server on one core): mimalloc's 1 GiB reservation held 36-58
  MB per web worker at start and 133-166 MB idle after the load. Started with
  ``ARROW_DEFAULT_MEMORY_POOL=system`` the reservation is never made, and idle RSS was +9 % of start instead
  of +32 % and +43 % (two runs). ``SERVER_ENV`` is what ``workbench serve`` gives its web server
  (``web.web_env``), with ``MALLOC_ARENA_MAX=2``: glibc's default of 8 arenas per core strands freed memory
  in up to 16 heaps;
- **at most** ``heavy_slots()`` **heavy operations at once per process** (``WORKBENCH_HEAVY_SLOTS``, default
  the CPUs it may use); more wait their turn in ``heavy()``. Twenty previews at once on two cores finish no
  sooner than two at a time, and each holds its few hundred MB meanwhile: the soak peaked at 3.5-3.9 GB, with
  the slots at 1.5 GB;
- ``heavy()`` wraps each heavy operation (every preview and run: ``preview_file``, ``preview_cached``, a run's
  execution). A process started otherwise gets the arena limit from its first heavy operation (``mallopt``;
  effective only before its threads have made more arenas), and pyarrow's own allocations move to glibc;
- TRIM_AFTER_S seconds after the last heavy operation of the process ends (none running), a daemon thread
  hands free memory back: cyclic garbage (``gc.collect``), Arrow's pool and glibc's arenas (``malloc_trim(0)``,
  0.2-0.5 s, never while heavy work runs); once more at SETTLE_S for what callers freed after the operation.
  Same test: 1,253 MB at the end of the load, 343 MB two seconds later (start: 320 MB).

Without glibc (musl, macOS) only Arrow's pool is released.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pyarrow as pa

from workbench.engine.core.settings import get_settings

log = logging.getLogger(__name__)

#: malloc arenas per process (glibc's default is 8 per core): 2 keeps peak RSS lower with no measured slowdown.
ARENA_MAX = 2
#: The environment a server process that previews and runs files starts with (each only where not set already):
#: glibc's arenas limited, and Arrow's C++ default pool on glibc (read once, when pyarrow is imported).
SERVER_ENV = {"MALLOC_ARENA_MAX": str(ARENA_MAX), "ARROW_DEFAULT_MEMORY_POOL": "system"}
#: Seconds without heavy work before free memory is handed back (a burst of requests is not interrupted), and
#: before it is handed back a second time (what was freed after the operations ended).
TRIM_AFTER_S = 2.0
SETTLE_S = 15.0
_M_ARENA_MAX = -8  # glibc's mallopt parameter number

F = TypeVar("F", bound=Callable[..., Any])


def _libc() -> Any | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def heavy_slots() -> int:
    """Heavy operations one process runs at once: ``WORKBENCH_HEAVY_SLOTS``, else the CPUs it may use."""
    configured = get_settings().heavy_slots
    if configured:
        return configured
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


class _Releaser:
    """Bounds the heavy operations of this process (``slots``) and counts those in flight; trims TRIM_AFTER_S
    after the last one ends."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.slots = threading.BoundedSemaphore(heavy_slots())
        self.holding = threading.local()  # whether this thread holds a slot (a preview inside a run: no second)
        self.libc = _libc()
        self.lock = threading.Lock()
        self.running = 0
        self.ended_at: float | None = None
        self.wake = threading.Event()
        self.trims = 0  # releases done
        self.started = 0  # releases begun (decided under the lock, so never while an operation runs)
        if self.libc is not None and "MALLOC_ARENA_MAX" not in os.environ:
            self.libc.mallopt(_M_ARENA_MAX, ARENA_MAX)
        if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
            if pa.default_memory_pool().backend_name != "system":  # the C++ default, chosen at import
                log.info("Arrow's C++ default memory pool is %s: start this process with "
                         "ARROW_DEFAULT_MEMORY_POOL=system so all of its memory goes back after previews "
                         "(docs/security.md)", pa.default_memory_pool().backend_name)
            _arrow_on_malloc()
        threading.Thread(target=self._loop, name="memory-release", daemon=True).start()

    def enter(self) -> None:
        with self.lock:
            self.running += 1
            self.ended_at = None

    def exit(self) -> None:
        with self.lock:
            self.running -= 1
            if self.running == 0:
                self.ended_at = time.monotonic()
                self.wake.set()

    def _loop(self) -> None:
        settle_at: float | None = None  # when to release a second time, if nothing started meanwhile
        while True:
            if not self.wake.wait(None if settle_at is None else max(0.0, settle_at - time.monotonic())):
                settle_at = None  # SETTLE_S after the end and nothing new: what callers freed late goes back too
                with self.lock:
                    quiet = not self.running and self.ended_at is None
                    if quiet:
                        self.started += 1  # counted when decided: an operation entering now finds it counted
                if quiet:
                    release()
                    self.trims += 1
                continue
            time.sleep(TRIM_AFTER_S)
            with self.lock:
                if self.running:  # work started again: its end wakes us
                    self.wake.clear()
                    continue
                if self.ended_at is None or time.monotonic() - self.ended_at < TRIM_AFTER_S:
                    continue  # another operation ended meanwhile: wait TRIM_AFTER_S after it
                settle_at = self.ended_at + SETTLE_S
                self.ended_at = None
                self.wake.clear()
                self.started += 1
            release()
            self.trims += 1


def _arrow_on_malloc() -> None:
    """pyarrow's own allocations from glibc too, so one ``malloc_trim`` hands them back. Its default (mimalloc)
    keeps freed memory in per-thread heaps that only the owning thread can release: measured, 20 threads
    previewing 5 MB files left ~410 MB that ``release_unused`` from the releaser's thread did not return (from
    the main thread it did). No slowdown measured (csv 5 MB preview 280 ms vs 355 ms, xlsx 1.36 s vs 2.95 s,
    same run). Allocations Arrow's C++ makes from its own default pool stay there: only ``SERVER_ENV`` at the
    process's start moves those."""
    pa.set_memory_pool(pa.system_memory_pool())


_releaser: _Releaser | None = None
_releaser_lock = threading.Lock()


def _current() -> _Releaser:
    """This process's releaser (a forked child, e.g. an RQ work horse, starts its own thread)."""
    global _releaser
    with _releaser_lock:
        if _releaser is None or _releaser.pid != os.getpid():
            _releaser = _Releaser()
        return _releaser


def release() -> None:
    """Hand free memory back to the system now: garbage in reference cycles (pandas objects hold some; measured
    ~130 MB of a worker's retained memory), Arrow's pool, then glibc's arenas."""
    started, before = time.perf_counter(), _rss_mb()
    gc.collect()
    pa.default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
    log.debug("memory released in %.0f ms: RSS %.0f -> %.0f MB", (time.perf_counter() - started) * 1000, before,
              _rss_mb())


def _rss_mb() -> float:
    """This process's resident memory (Linux ``/proc``; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


@contextmanager
def heavy() -> Iterator[None]:
    """Around an operation that allocates a lot for a short time (a preview, a run): it waits for one of the
    process's slots (none if its thread holds one already), and its memory is handed back after."""
    releaser = _current()
    held = not getattr(releaser.holding, "slot", False)
    if held:
        releaser.slots.acquire()
        releaser.holding.slot = True
    try:
        releaser.enter()
        try:
            yield
        finally:
            releaser.exit()
    finally:
        if held:
            releaser.holding.slot = False
            releaser.slots.release()


def releases_after(fn: F) -> F:
    """``fn`` runs inside ``heavy()``."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with heavy():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def trims() -> int:
    """How many times this process handed memory back (tests)."""
    return _current().trims


def trims_started() -> int:
    """How many releases this process began (tests: none begins while a heavy operation runs)."""
    return _current().started


__all__ = ["ARENA_MAX", "SERVER_ENV", "SETTLE_S", "TRIM_AFTER_S", "heavy", "heavy_slots", "release", "releases_after",
           "trims", "trims_started"]
