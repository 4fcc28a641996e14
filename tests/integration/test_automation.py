"""Automation with a real store (SQLite and PostgreSQL) and the real Redis: schedules on an injected clock
(fires, catch-up after an outage, daylight-saving changes), inboxes (stability, duplicates, garbage),
``max_active_runs``, pause, alerts. Jobs run in an in-process burst worker."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis as redis_lib

from tests.helpers import real_redis_db
from workbench.engine.app import automation, scheduler as sched, tasks
from workbench.engine.core.schedule import fire_key
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.infra.events import EventStream
from workbench.engine.infra.leader import LEADER_KEY
from workbench.engine.infra.redis_conn import get_redis
from workbench.engine.store import automation as store
from workbench.engine.store import runs as run_store
from workbench.engine.store.db import read_scope, session_scope

ROOT = Path(__file__).resolve().parents[2]
CSV = ROOT / "tests" / "data" / "workbench" / "ejecucion_2017_abril_pesos.csv"
REAL_REDIS = f"redis://127.0.0.1:6379/{real_redis_db()}"
SLUG = "dipres_ejecucion"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _clean(client: redis_lib.Redis) -> None:
    for pattern in ("rq:*", "wb:*"):
        keys = list(client.scan_iter(pattern, count=1000))
        if keys:
            client.delete(*keys)


def write_spec(specs: Path, automation_yaml: str) -> None:
    text = (ROOT / "specs" / f"{SLUG}.yaml").read_text(encoding="utf-8").split("\nautomation:")[0]  # its own, removed
    (specs / f"{SLUG}.yaml").write_text(text + "\nautomation:\n" + automation_yaml, encoding="utf-8")


@pytest.fixture
def env(db_url, tmp_path, monkeypatch):
    """Settings shared by this process's engine and its in-process jobs (``get_settings``)."""
    client = redis_lib.Redis.from_url(REAL_REDIS)
    _clean(client)
    specs = tmp_path / "specs"
    specs.mkdir()
    values = {"WORKBENCH_DATA_DIR": str(tmp_path / "data"), "WORKBENCH_DATABASE_URL": db_url,
              "WORKBENCH_REDIS_URL": REAL_REDIS, "WORKBENCH_SPECS_DIR": str(specs), "WORKBENCH_USER": "tester",
              "WORKBENCH_LOCK_TTL_S": "2", "WORKBENCH_WEBHOOK_RETRIES": "0"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
    _clean(client)


def make_scheduler(settings: Settings, clock: Clock, **kw) -> sched.Scheduler:
    return sched.Scheduler(settings, clock=clock, **kw)


def work(settings: Settings) -> None:
    """Execute every queued job here, now (RQ's SimpleWorker in burst mode)."""
    tasks.work(["runs"], burst=True, settings=settings)


def all_triggers(settings: Settings) -> list[store.TriggerPublic]:
    with read_scope(settings.db_url) as session:
        return store.triggers(session=session, limit=1000, oldest_first=True)


def events_of(settings: Settings, prefix: str = "automation.") -> list:
    return [e for e in EventStream(get_redis(settings)).tail(last_id="0") if e.type.startswith(prefix)]


def variant(n: int) -> bytes:
    """The example CSV with ``n`` extra blank lines: another sha256, the same rows."""
    return CSV.read_bytes() + b"\r\n" * n


# --- schedules ----------------------------------------------------------------------------------------------


def test_a_schedule_fires_once_per_due_time_and_runs_the_newest_new_file(env):
    write_spec(env.specs_dir, '  schedule:\n    cron: "*/30 * * * *"\n    timezone: UTC\n'
                              '    files: "incoming/drop/*.csv"\n')
    drop = env.data_dir / "incoming" / "drop"
    drop.mkdir(parents=True)
    (drop / "ejecucion_2017_abril.csv").write_bytes(CSV.read_bytes())
    clock = Clock(datetime(2026, 5, 4, 10, 0, 1, tzinfo=timezone.utc))
    s = make_scheduler(env, clock)
    assert s.tick() and all_triggers(env) == []  # first sight: the next due time is stored
    with read_scope(env.db_url) as session:
        assert store.get_state(SLUG, session=session).next_fire_at == datetime(2026, 5, 4, 10, 30, tzinfo=timezone.utc)
    clock.advance(minutes=30)  # 10:30:01
    s.tick()
    s.tick()  # again at the same time: nothing new
    (fired,) = all_triggers(env)
    assert fired.key == "schedule:dipres_ejecucion:2026-05-04T10:30:00Z" and fired.status == "queued"
    work(env)
    (done,) = all_triggers(env)
    assert done.status == "succeeded" and done.file_name == "ejecucion_2017_abril.csv"
    with read_scope(env.db_url) as session:
        run = run_store.get_run(done.run_id, session=session)
    assert run.status == "succeeded" and run.triggered_by == "automation (schedule)"
    clock.advance(minutes=30)  # 11:00:01: the same file again -> nothing new to run
    s.tick()
    work(env)
    assert [t.status for t in all_triggers(env)] == ["succeeded", "skipped"]
    kinds = [e.type for e in events_of(env)]
    assert kinds == ["automation.fired", "automation.fired", "automation.skipped"]


def test_two_schedulers_that_both_lead_record_each_fire_once(env):
    """The store is the second guard: even with two leaders (a split brain) a due time gives one trigger."""
    write_spec(env.specs_dir, '  schedule:\n    cron: "0 * * * *"\n    files: "incoming/drop/*.csv"\n')
    clock = Clock(datetime(2026, 5, 4, 9, 59, tzinfo=timezone.utc))
    a = make_scheduler(env, clock, name="a")
    b = make_scheduler(env, clock, name="b")
    b.lease.key = LEADER_KEY + ":other"  # b leads too, on its own key
    a.tick(), b.tick()
    clock.advance(minutes=1, seconds=1)
    a.tick(), b.tick()
    (fired,) = all_triggers(env)
    assert fired.key == fire_key(SLUG, datetime(2026, 5, 4, 10, tzinfo=timezone.utc))
    jobs = [k for k in get_redis(env).scan_iter("rq:job:schedule-*")]
    assert len(jobs) == 1


@pytest.mark.parametrize("month", [4, 9])
def test_daily_0700_santiago_fires_once_a_day_across_the_clock_change(env, month):
    """April: clocks go back (00:00 -> 23:00, Apr 5 2026); September: forward (00:00 -> 01:00, Sep 6 2026)."""
    write_spec(env.specs_dir, '  schedule:\n    cron: "0 7 * * *"\n    timezone: America/Santiago\n'
                              '    files: "incoming/drop/*.csv"\n  max_active_runs: 32\n')
    clock = Clock(datetime(2026, month, 1, 12, tzinfo=timezone.utc))
    s = make_scheduler(env, clock)
    while clock.now < datetime(2026, month, 10, 12, tzinfo=timezone.utc):
        s.tick()
        clock.advance(minutes=20)
    zone = ZoneInfo("America/Santiago")
    fires = [t.fire_at.astimezone(zone) for t in all_triggers(env)]
    assert [f.day for f in fires] == list(range(2, 11))  # once a day, every day
    assert {(f.hour, f.minute) for f in fires} == {(7, 0)}  # at 07:00 local, before and after the change
    offsets = {f.utcoffset() for f in fires}
    assert len(offsets) == 2  # the change happened in the window


@pytest.mark.parametrize("catchup, runs, missed", [("latest", 1, 3), ("all", 4, 0), ("skip", 0, 4)])
def test_catchup_after_a_two_hour_outage(env, catchup, runs, missed):
    write_spec(env.specs_dir, f'  schedule:\n    cron: "*/30 * * * *"\n    files: "incoming/drop/*.csv"\n'
                              f'    catchup: {catchup}\n  max_active_runs: 32\n')
    clock = Clock(datetime(2026, 5, 4, 10, 0, 1, tzinfo=timezone.utc))
    first = make_scheduler(env, clock)
    first.tick()  # next due: 10:30
    first.stop()  # the scheduler goes down (its lease released; a killed one's expires: see test_scheduler_processes)
    clock.advance(hours=2, minutes=10)  # down from 10:00 to 12:10: 10:30, 11:00, 11:30, 12:00 were due
    make_scheduler(env, clock).tick()  # a new scheduler process
    found = all_triggers(env)
    assert len(found) == 4
    ran = [t for t in found if t.status != "missed"]
    assert len(ran) == runs and sum(t.status == "missed" for t in found) == missed
    if catchup == "latest":
        assert ran[0].fire_at == datetime(2026, 5, 4, 12, tzinfo=timezone.utc)
    skipped = [e for e in events_of(env) if e.type == "automation.skipped"]
    assert len(skipped) == missed and all("missed" in e.data["reason"] for e in skipped)
    with read_scope(env.db_url) as session:
        assert store.get_state(SLUG, session=session).next_fire_at == datetime(2026, 5, 4, 12, 30,
                                                                               tzinfo=timezone.utc)


def test_paused_fires_are_skipped_and_resume_does_not_replay_them(env):
    write_spec(env.specs_dir, '  schedule:\n    cron: "0 * * * *"\n    files: "incoming/drop/*.csv"\n')
    clock = Clock(datetime(2026, 5, 4, 9, 59, tzinfo=timezone.utc))
    s = make_scheduler(env, clock)
    s.tick()
    automation.pause_schedule(SLUG, env)
    assert automation.list_schedules(env)[0].paused
    clock.advance(minutes=2)
    s.tick()
    automation.resume_schedule(SLUG, env)
    s.tick()
    assert [t.status for t in all_triggers(env)] == ["skipped"]
    info = automation.list_schedules(env, now=clock.now)[0]
    assert not info.paused and info.last_result.status == "skipped"
    assert info.next_fires[:2] == [datetime(2026, 5, 4, 11, tzinfo=timezone.utc),
                                   datetime(2026, 5, 4, 12, tzinfo=timezone.utc)] and len(info.next_fires) == 5


# --- inboxes --------------------------------------------------------------------------------------------


def inbox_spec(env: Settings, extra: str = "", max_active: int = 3) -> Path:
    write_spec(env.specs_dir, "  inbox:\n    params: {anio: 2017}\n    stable_seconds: 5\n" + extra
               + f"  max_active_runs: {max_active}\n")
    folder = env.data_dir / "incoming" / SLUG
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_three_files_start_three_runs_once_stable_and_the_same_content_again_none(env):
    folder = inbox_spec(env)
    clock = Clock(datetime(2026, 5, 4, 10, tzinfo=timezone.utc))
    s = make_scheduler(env, clock)
    (folder / "a.csv").write_bytes(variant(0))
    (folder / "b.csv").write_bytes(variant(1))
    slow = folder / "c.csv"
    data = variant(2)
    chunk = len(data) // 4 + 1
    became_stable = {}
    with slow.open("wb") as handle:  # copied slowly: a chunk per second for 4 s
        for i in range(4):
            handle.write(data[i * chunk:(i + 1) * chunk])
            handle.flush()
            s.tick()
            assert all(t.file_name != "c.csv" for t in all_triggers(env)), "a half-copied file was taken"
            clock.advance(seconds=1)
    became_stable["c.csv"] = clock.now + timedelta(seconds=5)  # unchanged from now on
    taken_at = {}
    for _ in range(40):  # ticks of 1 s (the default tick)
        s.tick()
        for t in all_triggers(env):
            taken_at.setdefault(t.file_name, clock.now)
        if len(taken_at) == 3:
            break
        clock.advance(seconds=1)
    assert sorted(taken_at) == ["a.csv", "b.csv", "c.csv"]
    assert (taken_at["c.csv"] - became_stable["c.csv"]).total_seconds() <= 1  # within a tick of stability
    assert {t.status for t in all_triggers(env)} == {"queued"}  # all three dispatched (max_active_runs: 3)
    work(env)
    found = all_triggers(env)
    assert [t.status for t in found] == ["succeeded"] * 3
    with read_scope(env.db_url) as session:
        assert {run_store.get_run(t.run_id, session=session).params["anio"] for t in found} == {2017}
    # the same content under another name: recorded as a duplicate, no run
    (folder / "a_again.csv").write_bytes(variant(1))
    for _ in range(7):
        clock.advance(seconds=1)
        s.tick()
    dup = all_triggers(env)[-1]
    assert dup.file_name == "a_again.csv" and dup.status == "duplicate" and "b.csv" in dup.message
    assert len([t for t in all_triggers(env) if t.run_id is not None and t.status != "duplicate"]) == 3
    assert [e.data["file"] for e in events_of(env) if e.type == "automation.duplicate"] == ["a_again.csv"]
    # nothing is taken twice on later polls
    clock.advance(seconds=30)
    s.tick()
    assert len(all_triggers(env)) == 4
    view = automation.inbox_contents(SLUG, env)
    assert {f.name: f.status for f in view.files} == {"a.csv": "succeeded", "b.csv": "succeeded",
                                                      "c.csv": "succeeded", "a_again.csv": "duplicate"}


class Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self) -> None:  # noqa: N802
        Hook.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def webhook(monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), Hook)
    Hook.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("WORKBENCH_WEBHOOK_URLS", f"http://127.0.0.1:{server.server_port}/hook")
    yield Hook.received
    server.shutdown()


def test_a_garbage_file_gives_one_failed_run_with_a_clear_error_and_one_alert(webhook, env):
    folder = inbox_spec(env, extra="    move_processed: true\n")
    get_settings.cache_clear()
    env = get_settings()
    clock = Clock(datetime(2026, 5, 4, 10, tzinfo=timezone.utc))
    s = make_scheduler(env, clock)
    (folder / "basura_2017.csv").write_bytes(b"\x00\x01\x02garbage\xff\xfe" * 50)
    for _ in range(7):
        s.tick()
        clock.advance(seconds=1)
    assert (folder / "processed" / "basura_2017.csv").exists() and not (folder / "basura_2017.csv").exists()
    work(env)
    s.tick()
    s.tick()  # the follow-up must not alert again
    (failed,) = all_triggers(env)
    assert failed.status == "failed" and failed.run_id is not None
    with read_scope(env.db_url) as session:
        run = run_store.get_run(failed.run_id, session=session)
    assert run.status == "failed" and run.error["code"] and run.error["message"] == failed.message
    alerts = [e for e in events_of(env) if e.type == "automation.failed"]
    assert len(alerts) == 1
    assert alerts[0].data["dataset"] == SLUG and alerts[0].data["file"] == "basura_2017.csv"
    assert alerts[0].data["reason"] == run.error["message"]
    for thread in threading.enumerate():  # the webhook's delivery thread
        if thread.name == "webhook-automation.failed":
            thread.join(5)
    assert [(h["event"], h["file"], h["dataset"]) for h in webhook] == [("automation.failed", "basura_2017.csv", SLUG)]
    assert automation.automation_alerts(env)[0].id == failed.id  # the page's banner


def test_max_active_runs_one_never_overlaps(env):
    folder = inbox_spec(env, max_active=1)
    clock = Clock(datetime(2026, 5, 4, 10, tzinfo=timezone.utc))
    s = make_scheduler(env, clock)
    for n in range(3):
        (folder / f"f{n}_2017.csv").write_bytes(variant(n))
    most_active = 0
    for _ in range(30):
        s.tick()
        with read_scope(env.db_url) as session:
            most_active = max(most_active, store.active_count(SLUG, session=session))
        work(env)
        clock.advance(seconds=1)
        if [t.status for t in all_triggers(env)] == ["succeeded"] * 3:
            break
    assert most_active == 1
    found = all_triggers(env)
    assert [t.status for t in found] == ["succeeded"] * 3
    with read_scope(env.db_url) as session:
        spans = sorted((r.started_at, r.finished_at) for r in (run_store.get_run(t.run_id, session=session)
                                                                for t in found))
    assert all(earlier[1] <= later[0] for earlier, later in zip(spans, spans[1:]))


def test_run_now_takes_the_newest_file_and_an_inbox_outside_incoming_is_refused(env):
    folder = inbox_spec(env)
    (folder / "old_2017.csv").write_bytes(variant(0))
    (folder / "new_2017.csv").write_bytes(variant(1))
    import os
    os.utime(folder / "old_2017.csv", (1_000_000, 1_000_000))
    trigger = automation.run_now(SLUG, env)
    assert trigger.kind == "manual" and trigger.status == "pending"
    sched.dispatch(trigger, env, EventStream(get_redis(env)))
    work(env)
    done = [t for t in all_triggers(env) if t.kind == "manual"][0]
    assert done.status == "succeeded" and done.file_name == "new_2017.csv"
    write_spec(env.specs_dir, "  inbox:\n    folder: /etc\n")
    with pytest.raises(Exception) as info:
        automation.inbox_contents(SLUG, env)
    assert "outside the allowed folders" in str(info.value)
    clock = Clock(datetime(2026, 5, 4, 10, tzinfo=timezone.utc))
    assert make_scheduler(env, clock).tick()  # logged, never raised


def test_a_failed_qa_alerts_once_naming_the_file(env):
    folder = inbox_spec(env)
    clock = Clock(datetime(2026, 5, 4, 10, tzinfo=timezone.utc))
    s = make_scheduler(env, clock)
    shutil.copy(ROOT / "tests" / "data" / "workbench" / "ejecucion_2017_abril_asignacion_no_suma.csv",
                folder / "no_suma_2017.csv")
    for _ in range(7):
        s.tick()
        clock.advance(seconds=1)
    work(env)
    s.tick()
    (done,) = all_triggers(env)
    assert done.status == "succeeded" and done.message.startswith("QA failed: ") and done.alerted_at is not None
    (alert,) = [e for e in events_of(env) if e.type == "automation.failed"]
    assert alert.data["file"] == "no_suma_2017.csv" and alert.data["reason"].startswith("QA failed")


def test_schedules_cli_lists_pauses_and_starts_a_run(env):
    import subprocess
    import sys

    write_spec(env.specs_dir, '  schedule:\n    cron: "0 7 * * *"\n    timezone: America/Santiago\n'
                              '    files: "incoming/drop/*.csv"\n')
    cli = [sys.executable, "-m", "workbench.cli"]
    import os
    run = lambda *args: subprocess.run([*cli, *args], cwd=ROOT, env=os.environ.copy(), capture_output=True,  # noqa: E731
                                       text=True, timeout=120)
    listed = run("schedules", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (info,) = json.loads(listed.stdout)
    assert info["dataset"] == SLUG and info["timezone"] == "America/Santiago" and len(info["next_fires"]) == 5
    assert all(datetime.fromisoformat(f).astimezone(ZoneInfo("America/Santiago")).hour == 7
               for f in info["next_fires"])
    assert run("schedules", "pause", SLUG).returncode == 0
    assert json.loads(run("schedules", "list", "--json").stdout)[0]["paused"] is True
    assert run("schedules", "resume", SLUG).returncode == 0
    started = run("schedules", "run-now", SLUG, "--json")
    assert started.returncode == 0 and json.loads(started.stdout)["kind"] == "manual"
    missing = run("schedules", "pause", "dipres_ley")
    assert missing.returncode == 2 and "automation" in missing.stderr


def test_a_trigger_whose_job_died_ends_failed_once_and_a_lost_queued_one_is_queued_again(env):
    inbox_spec(env)
    with session_scope(env.db_url) as session:
        dead = store.insert_trigger(session=session, key="manual:dipres_ejecucion:dead", dataset_slug=SLUG,
                                    kind="manual", status="running")
        lost = store.insert_trigger(session=session, key="manual:dipres_ejecucion:lost", dataset_slug=SLUG,
                                    kind="manual", status="queued")
    s = make_scheduler(env, Clock(datetime(2026, 5, 4, 10, tzinfo=timezone.utc)))
    s.tick()
    s.tick()
    by_id = {t.id: t for t in all_triggers(env)}
    assert by_id[dead].status == "failed" and "job stopped" in by_id[dead].message
    assert by_id[lost].status == "queued"  # put back as pending, then dispatched again
    assert get_redis(env).exists("rq:job:manual-dipres_ejecucion-lost")
    assert len([e for e in events_of(env) if e.type == "automation.failed"]) == 1
