"""Two real ``workbench scheduler`` processes on the real Redis and a real store (SQLite, PostgreSQL): a fire is
recorded within 10 s of its due time and exactly once, and a leader killed with SIGKILL is replaced within
30 s (one lease, 15 s by default) by the other, which then fires the next due time, once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import redis as redis_lib

from tests.helpers import real_redis_db
from workbench.engine.core.schedule import fire_key
from workbench.engine.infra.leader import LeaderLease
from workbench.engine.store import automation as store
from workbench.engine.store.db import read_scope, session_scope
from workbench.engine.store import migrate

ROOT = Path(__file__).resolve().parents[2]
REAL_REDIS = f"redis://127.0.0.1:6379/{real_redis_db()}"
SLUG = "dipres_ejecucion"
CRON = "0 0 1 1 *"  # once a year: the test sets the stored due times itself


def _clean(client: redis_lib.Redis) -> None:
    for pattern in ("rq:*", "wb:*"):
        keys = list(client.scan_iter(pattern, count=1000))
        if keys:
            client.delete(*keys)


def wait_for(predicate, within_s: float, what: str):
    deadline = time.monotonic() + within_s
    while True:
        found = predicate()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what}: not within {within_s} s"
        time.sleep(0.1)


def trigger_of(url: str, key: str):
    with read_scope(url) as session:
        return store.find_by_key(key, session=session)


def state_of(url: str):
    with read_scope(url) as session:
        return store.get_state(SLUG, session=session)


def set_due(url: str, due: datetime) -> None:
    with session_scope(url) as session:
        store.save_state(SLUG, session=session, cron=CRON, timezone="UTC", next_fire_at=due)


def test_two_scheduler_processes_fire_once_on_time_and_a_killed_leader_is_replaced(db_url, tmp_path):
    client = redis_lib.Redis.from_url(REAL_REDIS)
    _clean(client)
    specs = tmp_path / "specs"
    specs.mkdir()
    text = (ROOT / "specs" / f"{SLUG}.yaml").read_text(encoding="utf-8").split("\nautomation:")[0]
    (specs / f"{SLUG}.yaml").write_text(text + f'\nautomation:\n  schedule:\n    cron: "{CRON}"\n'
                                        '    files: "incoming/drop/*.csv"\n', encoding="utf-8")
    migrate.upgrade(db_url)
    env = {**os.environ, "WORKBENCH_DATA_DIR": str(tmp_path / "data"), "WORKBENCH_DATABASE_URL": db_url,
           "WORKBENCH_REDIS_URL": REAL_REDIS, "WORKBENCH_SPECS_DIR": str(specs)}
    procs = {name: subprocess.Popen([sys.executable, "-m", "workbench.cli", "scheduler", "--name", name], env=env,
                                    cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
             for name in ("a", "b")}
    try:
        first = wait_for(lambda: LeaderLease.holder(client), 20, "a scheduler leads")
        wait_for(lambda: state_of(db_url), 20, "the leader stored the schedule's first due time")  # then ours
        due = (datetime.now(timezone.utc) + timedelta(seconds=3)).replace(microsecond=0)
        set_due(db_url, due)
        fired = wait_for(lambda: trigger_of(db_url, fire_key(SLUG, due)), 15, "the fire is recorded")
        late = (fired.created_at - due).total_seconds()
        assert 0 <= late <= 10, f"recorded {late:.1f} s after its due time"
        time.sleep(2)  # both schedulers tick twice more: still one trigger, one job
        with read_scope(db_url) as session:
            assert len(store.triggers(session=session, slug=SLUG)) == 1
        assert len(list(client.scan_iter("rq:job:schedule-*"))) == 1

        leader = procs[first["name"]]
        other = "b" if first["name"] == "a" else "a"
        leader.send_signal(signal.SIGKILL)
        leader.wait()
        killed_at = time.monotonic()
        second = wait_for(lambda: (h := LeaderLease.holder(client)) and h["name"] == other and h, 30,
                          "the other scheduler takes the lead")
        replaced_s = time.monotonic() - killed_at
        assert replaced_s <= 30 and second["pid"] == procs[other].pid
        due2 = (datetime.now(timezone.utc) + timedelta(seconds=2)).replace(microsecond=0)
        set_due(db_url, due2)
        fired2 = wait_for(lambda: trigger_of(db_url, fire_key(SLUG, due2)), 15, "the new leader fires")
        assert (fired2.created_at - due2).total_seconds() <= 10
        print(f"fire recorded {late:.2f} s after due; leader replaced in {replaced_s:.1f} s")
    finally:
        for name, proc in procs.items():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            print(f"scheduler {name}:", proc.stderr.read().decode(errors="replace")[-3000:])  # shown when it fails
        _clean(client)
