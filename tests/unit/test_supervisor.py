"""``workbench serve``'s supervision, piece by piece, with real processes: the restart pause, the stamped log
lines, a killed child started again, SIGTERM stopping the loop, the run markers that tell which runs a dead
process held, and browser errors summarised once (the embedded Redis restarted on its socket starts a real
redis-server: tests/integration/redis/test_embedded.py)."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime

import pytest

from workbench import web
from workbench.engine.app import run_queue
from workbench.engine.infra.redis_embedded import NOTIFY_KEYSPACE_EVENTS, process_start
from workbench.engine.core.settings import Settings
from workbench.supervisor import Child, Console, Supervisor, backoff, describe_exit, log_line

SLEEPER = [sys.executable, "-c", "import time; print('sleeping', flush=True); time.sleep(60)"]


def test_the_restart_pause_doubles_up_to_30_s():
    assert [backoff(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_log_line_has_the_time_the_process_and_the_text():
    line = log_line("worker-0", "run 3 started\n", datetime(2026, 12, 7, 10, 12, 3))
    assert line == "2026-12-07 10:12:03 worker-0 | run 3 started"


def test_exits_are_said_in_words():
    assert describe_exit(-9) == "killed by SIGKILL" and describe_exit(-15) == "killed by SIGTERM"
    assert describe_exit(3) == "exit code 3"


def test_a_killed_child_is_started_again_after_a_growing_pause():
    out = io.StringIO()
    console = Console(out)
    clock = [1000.0]  # the restart pauses run on this clock: the test moves it, it never sleeps them
    child = Child("sleeper", lambda generation: subprocess.Popen(SLEEPER, stdout=subprocess.PIPE),
                  clock=lambda: clock[0])
    child.check(console, stopping=False)  # due at once: first start
    first = child.proc
    try:
        assert first is not None and child.running()
        deadline = time.monotonic() + 30
        while "sleeping" not in out.getvalue():  # its output, stamped by the pump
            assert time.monotonic() < deadline, out.getvalue()
            time.sleep(0.02)
        first.kill()
        first.wait()
        child.check(console, stopping=False)  # notices the death: restart due in 1 s
        assert not child.running() and child.due == clock[0] + 1.0
        clock[0] += 0.99
        child.check(console, stopping=False)  # not yet due
        assert child.proc is first and not child.running()
        clock[0] += 0.01
        child.check(console, stopping=False)  # due: started again
        assert child.running() and child.proc is not first and child.generation == 2
        child.proc.kill()  # a second quick death: 2 s
        child.proc.wait()
        child.check(console, stopping=False)
        assert child.due == clock[0] + 2.0
    finally:
        for proc in (first, child.proc):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    text = out.getvalue()  # the supervisor's own lines are written as they happen (no pump involved)
    assert re.search(r"serve    \| sleeper stopped \(killed by SIGKILL\) after \d+ s; starting it again in 1 s", text)
    assert re.search(r"serve    \| sleeper stopped \(killed by SIGKILL\) after \d+ s; starting it again in 2 s", text)
    assert "sleeper started again (restart 1)" in text
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d sleeper  \| sleeping$", text, re.M)


def test_only_sigterm_or_sigint_stops_the_supervisor():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    supervisor = Supervisor([], Console(io.StringIO()))
    supervisor.install_signals()
    ticks: list[float] = []

    def tick() -> None:  # supervision goes round and round; the second round sends the signal
        ticks.append(time.monotonic())
        if len(ticks) == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    supervisor.ticks.append(tick)
    try:
        started = time.monotonic()
        supervisor.run()  # returns only because of the signal
        assert time.monotonic() - started < 5 and len(ticks) in (2, 3)  # it stops within a round of the signal
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def test_a_failing_watch_is_logged_and_supervision_goes_on(caplog):
    supervisor = Supervisor([], Console(io.StringIO()))
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        if len(calls) >= 3:
            supervisor.stop.set()
        raise RuntimeError("a bug")

    supervisor.ticks.append(broken)
    with caplog.at_level(logging.ERROR, logger="workbench.supervisor"):
        supervisor.run()
    assert len(calls) == 3 and "supervision step broken failed" in caplog.text


def test_a_failing_after_death_step_does_not_stop_the_restart(caplog):
    console = Console(io.StringIO())

    def broken(child: Child, code: int) -> None:
        raise RuntimeError("a bug")

    child = Child("sleeper", lambda generation: subprocess.Popen(SLEEPER, stdout=subprocess.DEVNULL), on_exit=broken)
    supervisor = Supervisor([child], console)
    supervisor.ticks.append(lambda: supervisor.stop.set() if child.generation >= 2 else None)
    child.start(console)
    child.proc.kill()
    threading.Timer(10, supervisor.stop.set).start()  # bound: the test fails below instead of hanging
    with caplog.at_level(logging.ERROR, logger="workbench.supervisor"):
        supervisor.run()
    try:
        assert child.generation == 2 and child.running()
        assert "supervising sleeper failed" in caplog.text
    finally:
        child.proc.kill()
        child.proc.wait()


def test_the_keyspace_notifications_are_the_ones_reflex_sets():
    from reflex.istate.manager.redis import NOTIFY_KEYSPACE_EVENTS as REFLEX

    assert NOTIFY_KEYSPACE_EVENTS == REFLEX


def _marker(settings: Settings, run_id: int, pid: int, state: str) -> None:
    folder = settings.data_dir / run_queue.EXECUTING_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{run_id}.json").write_text(json.dumps({"pid": pid, "start": process_start(pid), "state": state}))


def test_run_markers_name_the_runs_of_dead_processes_and_unrecorded_ends(tmp_path):
    settings = Settings(data_dir=tmp_path)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    _marker(settings, 7, gone.pid, "executing")  # its process died (SIGKILL, OOM)
    _marker(settings, 8, os.getpid(), "unrecorded")  # alive, but could not record the end
    _marker(settings, 9, os.getpid(), "executing")  # alive and executing: not interrupted
    (settings.data_dir / run_queue.EXECUTING_DIR / ".9.json.123").write_text("{")  # being written
    found = {i.run_id: i.cause for i in run_queue.interrupted_runs(settings)}
    assert found == {7: "process-died", 8: "end-not-recorded"}
    error = run_queue.interrupted_runs(settings)[0].error().to_dict()
    assert error["code"] == "run-abandoned" and error["details"]["reason"] == "process-died"
    assert error["message_es"].startswith("la ejecución 7 se interrumpió: el proceso que la ejecutaba se detuvo")


def test_a_run_stopped_by_another_error_says_which(tmp_path):
    settings = Settings(data_dir=tmp_path)
    folder = settings.data_dir / run_queue.EXECUTING_DIR
    folder.mkdir(parents=True)
    (folder / "6.json").write_text(json.dumps({"pid": os.getpid(), "start": process_start(os.getpid()),
                                               "state": "unrecorded", "error": "raw-file-missing"}))
    [found] = run_queue.interrupted_runs(settings)
    assert found.cause == "stopped-on-error"
    assert found.error().message_es == ("la ejecución 6 se interrumpió: se detuvo por un error (raw-file-missing) antes "
                                        "de registrar su término; se reintenta una vez")


def test_a_pid_reused_by_another_process_does_not_hide_a_dead_run(tmp_path):
    settings = Settings(data_dir=tmp_path)
    folder = settings.data_dir / run_queue.EXECUTING_DIR
    folder.mkdir(parents=True)
    # this process's pid, but another start time: the process that wrote it is gone
    (folder / "4.json").write_text(json.dumps({"pid": os.getpid(), "start": 1, "state": "executing"}))
    assert [i.cause for i in run_queue.interrupted_runs(settings)] == ["process-died"]


def test_markers_of_another_machine_sharing_the_data_folder_are_left_alone(tmp_path):
    settings = Settings(data_dir=tmp_path)
    folder = settings.data_dir / run_queue.EXECUTING_DIR
    folder.mkdir(parents=True)
    (folder / "5.json").write_text(json.dumps({"pid": 999_999_999, "start": 1, "host": "another-machine",
                                               "state": "executing"}))
    assert run_queue.interrupted_runs(settings) == []


def test_a_browser_error_is_logged_once_as_one_line(caplog):
    web._browser_errors_seen.clear()
    report = ("[SID: abc123] TypeError: Cannot read properties of undefined (reading 'map')\n"
              "    at Table (http://127.0.0.1:8000/assets/table-3f2a.js:1:2345)\n"
              "    at renderWithHooks (http://127.0.0.1:8000/assets/react-dom.js:1:999)\n")
    with caplog.at_level(logging.WARNING, logger="workbench.web"):
        web.on_browser_error(Exception(report))
        web.on_browser_error(Exception(report))
        web.on_browser_error(Exception("ReferenceError: x is not defined"))
    messages = [r.getMessage() for r in caplog.records if r.name == "workbench.web"]
    assert messages == [
        "browser error (logged once; 2 lines of browser stack left out): TypeError: Cannot read properties of "
        "undefined (reading 'map')",
        "browser error (logged once; 0 lines of browser stack left out): ReferenceError: x is not defined"]


def test_a_long_browser_error_is_cut():
    summary = web.browser_error_summary("Error: " + "x" * 500)
    assert len(summary) == web.BROWSER_ERROR_SUMMARY_CHARS and summary.endswith("…")


@pytest.mark.parametrize("text", ["", "\n\n"])
def test_an_empty_browser_error_still_says_something(text):
    assert web.browser_error_summary(text) == "(no message)"
