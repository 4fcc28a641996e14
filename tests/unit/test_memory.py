"""Memory goes back to the system when the heavy work ends (issue 13.7): a web worker under 20 concurrent
uploaders grew from ~380 MB to ~900 MB and kept it idle, the memory free inside malloc's arenas."""

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


def test_the_web_server_starts_with_two_malloc_arenas():
    """Set before the process starts (mallopt later only helps if no thread made an arena yet): the 4-minute
    soak kept +34 % of its start RSS idle without it, +21 % with it."""
    from workbench import web

    assert web.web_env("127.0.0.1", 8123, base={})["MALLOC_ARENA_MAX"] == "2"
    assert web.web_env("127.0.0.1", 8123, base={"MALLOC_ARENA_MAX": "4"})["MALLOC_ARENA_MAX"] == "4"  # operator's
