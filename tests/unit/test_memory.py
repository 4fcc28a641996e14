"""Memory goes back to the system when the heavy work ends (issue 13.7): a web worker under 20 concurrent
uploaders grew from ~380 MB to ~900 MB and kept it idle, the memory free inside malloc's arenas and in Arrow's
mimalloc heaps; heavy work is bounded per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from workbench.engine.core import memory

ROOT = Path(__file__).resolve().parents[2]


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def wait_for_trim(before: int, timeout_s: float = 10) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if memory.trims() > before:
            return True
        time.sleep(0.05)
    return False


def fragment(mb: int, keep: list[bytes]) -> None:
    """Allocate ``mb`` MB in 4 KB pieces from this thread and keep one piece in 64: freed memory stranded
    between survivors (what a preview's short-lived buffers leave), which free() alone never hands back."""
    pieces = [bytes(4000) + bytes([i % 251]) for i in range(mb * 256)]
    keep.extend(pieces[::64])
    del pieces


def _measure_release() -> dict[str, float]:
    """Run in a fresh process (a test worker's own arenas already hold free memory that the allocation would
    reuse, so its RSS would hardly grow): 240 MB allocated by 4 threads, then the release."""
    memory.TRIM_AFTER_S, memory.SETTLE_S = 0.2, 1.0
    memory.trims()  # the releaser exists (and this process's arenas are limited) before the threads start
    time.sleep(0.5)
    start, survivors = rss_mb(), []

    def work() -> None:
        with memory.heavy():
            fragment(60, survivors)

    threads = [threading.Thread(target=work) for _ in range(4)]
    before = memory.trims()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    loaded = rss_mb()
    trimmed = wait_for_trim(before)
    return {"start": start, "loaded": loaded, "idle": rss_mb(), "trimmed": trimmed, "kept": len(survivors)}


@pytest.mark.skipif(memory._libc() is None, reason="glibc's malloc_trim is not available")
def test_free_memory_goes_back_after_the_last_heavy_operation():
    code = "import json; from tests.unit.test_memory import _measure_release; print(json.dumps(_measure_release()))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={k: v for k, v in os.environ.items() if k not in ("MALLOC_ARENA_MAX",
                                                                               "ARROW_DEFAULT_MEMORY_POOL")})
    assert out.returncode == 0, out.stderr
    m = json.loads(out.stdout.strip().splitlines()[-1])
    assert m["loaded"] - m["start"] > 100, m  # 240 MB allocated, ~4 MB kept (glibc returns some top-of-heap itself)
    assert m["trimmed"]
    assert m["idle"] - m["start"] < 0.5 * (m["loaded"] - m["start"]), m  # without it: idle == loaded (measured)
    assert m["kept"] == 4 * 60 * 4


def test_nothing_is_released_while_heavy_work_runs(monkeypatch):
    monkeypatch.setattr(memory, "TRIM_AFTER_S", 0.1)
    monkeypatch.setattr(memory, "SETTLE_S", 0.5)
    before = memory.trims()
    time.sleep(0.3)
    with memory.heavy():
        started, before = memory.trims_started(), memory.trims()
        time.sleep(0.5)
        # a request in flight is never slowed by a trim begun after it (one begun before may still finish)
        assert memory.trims_started() == started
    assert wait_for_trim(before, timeout_s=5)


def test_memory_is_released_again_once_things_settle(monkeypatch):
    monkeypatch.setattr(memory, "TRIM_AFTER_S", 0.1)
    monkeypatch.setattr(memory, "SETTLE_S", 1.0)
    time.sleep(1.2)
    with memory.heavy():
        pass
    before = memory.trims()
    assert wait_for_trim(before, timeout_s=30)  # the first pass (a deadline: a loaded CI machine took > 3 s)
    assert wait_for_trim(before + 1, timeout_s=30)  # and the second, for what was freed after the operation


def test_previews_and_runs_release_their_memory():
    """Every preview and run goes through these (the API, the web app, jobs, the CLI)."""
    from workbench.engine.core import preview
    from workbench.engine.app import run_execution

    assert preview.preview_file.__wrapped__ and run_execution.execute_pipeline.__wrapped__


def test_the_web_server_starts_with_two_malloc_arenas_and_arrow_on_glibc():
    """Set before the process starts (mallopt later only helps if no thread made an arena yet; Arrow's C++ pool
    is chosen at import): the 4-minute soak kept +34 % of its start RSS idle without the arena limit, and
    +32 % and +43 % (server on one core) with it but Arrow's C++ pool on mimalloc; +9 % with both."""
    from workbench import web

    env = web.web_env("127.0.0.1", 8123, base={})
    assert (env["MALLOC_ARENA_MAX"], env["ARROW_DEFAULT_MEMORY_POOL"]) == ("2", "system")
    own = web.web_env("127.0.0.1", 8123, base={"MALLOC_ARENA_MAX": "4", "ARROW_DEFAULT_MEMORY_POOL": "jemalloc"})
    assert (own["MALLOC_ARENA_MAX"], own["ARROW_DEFAULT_MEMORY_POOL"]) == ("4", "jemalloc")  # the operator's


POOLS = """
import json, sys, pyarrow as pa
from pathlib import Path
from workbench.engine.core.preview import preview_file
from workbench.engine.core.spec.loader import find_spec, load_spec
from tests.data.workbench.generate import execution_csv
data = execution_csv([(f"{p:02d}", f"{c:02d}", f"{g:02d}") for p in range(1, 21) for c in (1, 2) for g in (1, 2, 3)])
preview_file(data, load_spec(find_spec("dipres_ejecucion", Path("specs"), slug_only=True)),
             filename="ejecucion_2017_abril.csv", params={"anio": "2017"})
print(json.dumps({n: getattr(pa, n + "_memory_pool")().total_bytes_allocated() for n in ("mimalloc", "system")}))
"""


def _pools(env: dict[str, str]) -> dict[str, int]:
    base = {k: v for k, v in os.environ.items() if k not in memory.SERVER_ENV}
    out = subprocess.run([sys.executable, "-c", POOLS], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**base, **env})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_arrow_allocates_from_glibc_only_when_the_process_starts_with_the_server_env():
    """``pa.set_memory_pool`` (the first heavy operation's) moves pyarrow's own allocations only: a preview of
    the bundled example still took 9.4 of its 9.8 MB of Arrow memory from mimalloc, whose heaps kept it. (The
    file previewed here is a generated one of 120 programs: the example alone allocates under 1 MB since QA's
    hierarchy checks stopped using Arrow's join engine.)"""
    started_so = _pools(memory.SERVER_ENV)
    assert started_so["mimalloc"] == 0 and started_so["system"] > 1_000_000, started_so
    switched_later = _pools({})
    assert switched_later["mimalloc"] > 0, ("Arrow no longer uses its C++ default pool here: "
                                                    "SERVER_ENV's ARROW_DEFAULT_MEMORY_POOL may be unneeded",
                                                    switched_later)


def test_at_most_the_slots_of_heavy_work_run_at_once_and_a_nested_one_takes_none(monkeypatch):
    """Twenty previews at once on two cores finished no sooner than two at a time, and each held its few
    hundred MB meanwhile: the soak peaked at 3.5-3.9 GB; with the slots, 1.5 GB."""
    monkeypatch.setattr(memory._current(), "slots", threading.BoundedSemaphore(2))
    lock, running, most = threading.Lock(), [0], [0]

    def work() -> None:
        with memory.heavy():
            with memory.heavy():  # a preview inside a run: same thread, no second slot (else: deadlock)
                with lock:
                    running[0] += 1
                    most[0] = max(most[0], running[0])
                time.sleep(0.05)
                with lock:
                    running[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert not any(t.is_alive() for t in threads)
    assert most[0] == 2


def test_the_slots_are_the_setting_or_the_cpus_of_the_process(monkeypatch):
    from workbench.engine.core.settings import get_settings

    monkeypatch.setenv("WORKBENCH_HEAVY_SLOTS", "3")
    get_settings.cache_clear()
    try:
        assert memory.heavy_slots() == 3
        monkeypatch.delenv("WORKBENCH_HEAVY_SLOTS")
        get_settings.cache_clear()
        assert memory.heavy_slots() == len(os.sched_getaffinity(0))
    finally:
        get_settings.cache_clear()
