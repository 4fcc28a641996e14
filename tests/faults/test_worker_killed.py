"""A real ``workbench worker`` process is killed (SIGKILL, as the OOM killer does) in the middle of a backfill.

The single-run case (a forking worker and its work horse killed, the lock expiring with its TTL, the run failed as
abandoned and retried) is ``tests/integration/test_jobs.py::test_killed_worker_frees_the_lock_fails_the_run_and_
the_retry_succeeds``; it runs on SQLite and PostgreSQL with an embedded and a real Redis, and is part of the fault
suite by reference (``FAULT_SUITE`` below).
"""

from __future__ import annotations

import os
import signal
import time

from tests.data.workbench.generate import execution_csv
from tests.faults.conftest import ROOT, start_worker, stop_worker, work_burst
from workbench.engine.app import backfills, datasets, runs, runs_read
from workbench.engine.infra.locks import DatasetLock
from workbench.engine.infra.redis_conn import get_redis

#: The other fault tests that live with their feature.
FAULT_SUITE = (
    "tests/integration/test_jobs.py::test_killed_worker_frees_the_lock_fails_the_run_and_the_retry_succeeds",
    "tests/integration/test_jobs.py::test_previews_keep_working_when_the_redis_in_use_stops",
    "tests/abuse/test_storage.py::test_disk_full_midway_leaves_nothing_behind",
)
#: Programs per generated file: a run of about 1 s, long enough to be killed in the middle.
PROGRAMS = 300


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def test_the_fault_suite_references_exist():
    for ref in FAULT_SUITE:
        path, name = ref.split("::")
        assert f"def {name}(" in (ROOT / path).read_text(encoding="utf-8"), ref


def test_a_worker_killed_mid_backfill_fails_only_the_run_it_held_and_the_backfill_completes(settings):
    incoming = settings.incoming
    incoming.mkdir(parents=True)
    programs = [(f"{p:02d}", f"{c:02d}", f"{g:02d}") for p in range(1, 31) for c in range(1, 9) for g in range(1, 7)]
    for seed in range(3):
        (incoming / f"ejecucion_2017_{seed}.csv").write_bytes(execution_csv(programs[:PROGRAMS], seed=seed + 1))
    proc = start_worker(settings, "backfills")  # listening first: it takes the first run as soon as it is queued
    try:
        started = backfills.start_backfill("dipres_ejecucion", backfills.expand_files(str(incoming)), settings=settings)
        assert started.progress["queued"] + started.progress["running"] == 3
        deadline = time.monotonic() + 60
        while not (running := runs_read.list_runs(settings, status="running").items):
            assert proc.poll() is None and time.monotonic() < deadline, "the worker never started a run"
            time.sleep(0.02)
        for pid in [*children(proc.pid), proc.pid]:  # SIGKILL: no clean-up, no lock release, no last heartbeat
            os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
    finally:
        stop_worker(proc)
    killed = running[0].id
    assert runs_read.get_run(killed, settings).status == "running"  # killed mid-run: nobody finished it
    assert DatasetLock.current(get_redis(settings), "dipres_ejecucion") is not None

    # the dataset's lock goes with its TTL: nothing keeps it alive any more
    while DatasetLock.current(get_redis(settings), "dipres_ejecucion") is not None:
        assert time.monotonic() - killed_at < settings.lock_ttl_s + 1, "the lock outlived its TTL"
        time.sleep(0.05)
    # its process is gone (killed above) and its lock expired: recovery need not wait 3 lock TTLs of silence
    retries = runs.recover_abandoned(settings, older_than_s=0)
    failed = runs_read.get_run(killed, settings)
    assert failed.status == "failed" and failed.error["code"] == "run-abandoned"
    queued = {r.id for r in runs_read.list_runs(settings, status="queued").items}
    assert len(retries) == 1 and retries[0] in queued
    done_before = len(runs_read.list_runs(settings, status="succeeded").items)  # 0 unless a run finished before the kill
    assert len(queued) + done_before == 3  # its retry, and the files not started yet: still queued, never failed

    work_burst(settings)  # a new worker: the queued runs and the retry, each once
    final = backfills.backfill_status(started.id, settings)
    assert final.status == "finished" and final.progress["succeeded"] == 3 and final.progress["failed"] == 1
    listed = runs_read.list_runs(settings).items
    assert sorted(r.inputs[0]["name"] for r in listed if r.status == "succeeded") == [
        "ejecucion_2017_0.csv", "ejecucion_2017_1.csv", "ejecucion_2017_2.csv"]
    # resume re-runs only inputs that never succeeded: the retry covered the killed one, so nothing is queued
    resumed = backfills.resume_backfill(started.id, settings)
    assert resumed.status == "finished" and resumed.progress["queued"] == 0
    assert len(runs_read.list_runs(settings).items) == len(listed)


def test_recovery_ends_the_runs_of_dead_processes_at_once_and_leaves_the_others(settings):
    """Markers, not heartbeats: a run whose process is gone ends failed on the next recovery (no wait for 3 lock
    TTLs), is retried once; a marker of a run that did finish, or of a run this database does not have, is only
    cleared."""
    import json
    import subprocess
    import sys

    from tests.faults.conftest import CSV
    from workbench.engine.app import run_queue
    from workbench.engine.infra.redis_embedded import process_start
    from workbench.engine.store import runs as run_store
    from workbench.engine.store.db import session_scope
    from workbench.engine.store.prepare import prepare_store

    datasets.sync_specs(settings)
    held = runs.register_run("dipres_ejecucion", CSV.read_bytes(), filename=CSV.name, settings=settings)
    done = runs.register_run("dipres_ejecucion", b"x" + CSV.read_bytes(), filename="otro.csv", settings=settings)
    with session_scope(prepare_store(settings)) as session:
        run_store.update_run(held.id, session=session, status="running")  # its heartbeat is fresh: not stale
        run_store.update_run(done.id, session=session, status="succeeded")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    folder = settings.data_dir / run_queue.EXECUTING_DIR
    folder.mkdir(parents=True)
    for run_id in (held.id, done.id, 999_999):
        (folder / f"{run_id}.json").write_text(json.dumps({"pid": gone.pid, "start": process_start(gone.pid),
                                                           "state": "executing"}))
    requeued = runs.recover_abandoned(settings, full=False)
    failed = runs_read.get_run(held.id, settings)
    assert failed.status == "failed" and failed.error["details"]["reason"] == "process-died"
    assert runs_read.get_run(done.id, settings).status == "succeeded"
    [retry] = [r for r in runs_read.list_runs(settings).items if r.triggered_by == f"retry of {held.id}"]
    assert requeued == [retry.id] and retry.status == "queued"
    assert list(folder.glob("*.json")) == []
    assert runs.recover_abandoned(settings, full=False) == []  # nothing left to do
