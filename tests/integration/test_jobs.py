"""Background runs and backfills with real RQ workers (separate processes, as users run them), real
PostgreSQL/SQLite stores and a real Redis (embedded, or the server at 127.0.0.1:6379 db 13)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from workbench.engine.app import backfills, previews, runs, runs_read
from workbench.engine import api
from workbench.engine.infra.events import EventStream
from workbench.engine.infra.locks import DatasetLock
from workbench.engine.infra.redis_conn import get_redis
from workbench.engine.infra.redis_embedded import EmbeddedRedis
from workbench.engine.core.settings import Settings
from tests.helpers import real_redis_db

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "workbench"
CSV = DATA / "ejecucion_2017_abril_pesos.csv"
REAL_REDIS = f"redis://127.0.0.1:6379/{real_redis_db()}"  # 13, 14, ... per xdist worker


@pytest.fixture(params=["embedded", "real"])
def redis_url(request, tmp_path):
    if request.param == "embedded":
        server = EmbeddedRedis()
        url = server.start(tmp_path / "redis-home")
        yield url
        server.stop()
        return
    client = __import__("redis").Redis.from_url(REAL_REDIS)
    client.ping()
    _clean(client)
    yield REAL_REDIS
    _clean(client)


def _clean(client) -> None:
    """DBs 10-15 are the tests' own: remove only what these tests create (RQ's keys and ours)."""
    for pattern in ("rq:*", "wb:*"):
        keys = list(client.scan_iter(pattern, count=1000))
        if keys:
            client.delete(*keys)


@pytest.fixture
def settings(db_url, redis_url, tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(ROOT / "specs" / "dipres_ejecucion.yaml", specs)
    return Settings(data_dir=tmp_path / "data", database_url=db_url, redis_url=redis_url, specs_dir=specs,
                    user="tester", lock_ttl_s=2, lock_wait_timeout_s=20)


def env_of(settings: Settings) -> dict[str, str]:
    return {**os.environ, "WORKBENCH_DATABASE_URL": settings.db_url, "WORKBENCH_REDIS_URL": settings.redis_url or "",
            "WORKBENCH_DATA_DIR": str(settings.data_dir), "WORKBENCH_SPECS_DIR": str(settings.specs_dir),
            "WORKBENCH_LOCK_TTL_S": str(settings.lock_ttl_s)}


def burst_worker(settings: Settings, *queues: str, timeout: float = 120) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "workbench.cli", "worker", "--burst", *(f"--queues={q}" for q in queues)]
    return subprocess.run(args, env=env_of(settings), cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (RQ's work horse calls setsid, so killing the worker's group misses it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_background_run_is_executed_by_a_worker(settings):
    run = runs.submit_run("dipres_ejecucion", CSV.read_bytes(), filename=CSV.name, settings=settings)
    assert run.status == "queued"
    done = burst_worker(settings, "runs")
    assert done.returncode == 0, done.stderr
    final = runs_read.get_run(run.id, settings)
    assert final.status == "succeeded" and final.row_counts == {"bronze": 48, "silver": 144}
    kinds = [e.type for e in EventStream(get_redis(settings)).tail(last_id="0")]
    assert kinds[0] == "run.queued" and "run.started" in kinds and kinds[-1] == "run.succeeded"
    assert kinds.count("run.step") == len(final.timeline)


def test_backfill_runs_every_file_once_and_is_idempotent(settings, shared_data):
    files = backfills.expand_files(str(shared_data / "dipres" / "ejecucion_2017_04"))
    started = backfills.start_backfill("dipres_ejecucion", files, params={"anio": "2017"}, settings=settings)
    assert started.total == 29 and started.progress["queued"] == 29
    workers = [subprocess.Popen([sys.executable, "-m", "workbench.cli", "worker", "--burst", "--queues=backfills"],
                                env=env_of(settings), cwd=ROOT) for _ in range(2)]
    for w in workers:
        assert w.wait(timeout=300) == 0
    result = backfills.backfill_status(started.id, settings)
    assert result.status == "finished"
    assert result.progress["succeeded"] == 29 and result.progress["remaining"] == 0
    again = backfills.start_backfill("dipres_ejecucion", files, params={"anio": "2017"}, settings=settings)
    assert again.progress["skipped"] == 29 and again.status == "finished"  # nothing new to run
    events = [e for e in EventStream(get_redis(settings)).tail(last_id="0") if e.type.startswith("backfill.")]
    assert events[-1].type == "backfill.finished"


def test_cancel_and_resume_failed_only(settings, tmp_path):
    good = tmp_path / "ejecucion_2017_abril.csv"
    good.write_bytes(CSV.read_bytes())
    bad = tmp_path / "pagina_2017.csv"
    bad.write_bytes((DATA / "html_disfrazado.csv").read_bytes())
    other = tmp_path / "ejecucion_2017_junio.csv"
    other.write_bytes((DATA / "ejecucion_2017_junio_dolares.csv").read_bytes())
    started = backfills.start_backfill("dipres_ejecucion", [good, bad], settings=settings)
    assert burst_worker(settings, "backfills").returncode == 0
    status = backfills.backfill_status(started.id, settings)
    assert (status.progress["succeeded"], status.progress["failed"]) == (1, 1)
    bad.write_bytes(CSV.read_bytes().replace(b"50;01;05", b"50;01;07"))  # the user fixes the file...
    resumed = backfills.resume_backfill(started.id, settings)  # ...but resume re-runs the stored bytes
    assert resumed.progress["queued"] == 1
    assert burst_worker(settings, "backfills").returncode == 0
    assert backfills.backfill_status(started.id, settings).progress["failed"] == 2  # still a web page
    second = backfills.start_backfill("dipres_ejecucion", [other], settings=settings)
    cancelled = backfills.cancel_backfill(second.id, settings)
    assert cancelled.status == "cancelled" and cancelled.progress["cancelled"] == 1
    assert burst_worker(settings, "backfills").returncode == 0
    assert backfills.backfill_status(second.id, settings).progress["succeeded"] == 0


def test_second_run_of_a_busy_dataset_waits_or_is_refused(settings, monkeypatch):
    first = runs.register_run("dipres_ejecucion", CSV.read_bytes(), filename=CSV.name, settings=settings)
    second = runs.register_run("dipres_ejecucion", CSV.read_bytes(), filename=CSV.name, force=True,
                                   settings=settings)
    holder = DatasetLock(get_redis(settings), "dipres_ejecucion", ttl_s=2, owner="someone else")
    holder.acquire(wait=False)
    releaser = None
    try:
        refused = runs.execute_run(first.id, settings=settings, wait=False)
        assert refused.status == "failed" and refused.error["code"] == "dataset-busy"
        # the holder lets go once the waiting run has been refused the lock (a spy on every lock's attempt):
        # an event orders the two threads, not a timer
        waiting, take = threading.Event(), DatasetLock._take

        def spy(lock: DatasetLock) -> str | None:
            value = take(lock)
            if value is None and lock is not holder:
                waiting.set()
            return value

        monkeypatch.setattr(DatasetLock, "_take", spy)
        releaser = threading.Thread(target=lambda: waiting.wait(30) and holder.release())
        releaser.start()
        waited = runs.execute_run(second.id, settings=settings, wait=True)
        assert waiting.is_set() and waited.status == "succeeded"
    finally:
        holder.release()
        if releaser is not None:
            releaser.join(timeout=35)


def test_killed_worker_frees_the_lock_fails_the_run_and_the_retry_succeeds(settings, tmp_path):
    big = tmp_path / "ejecucion_2017_grande.csv"
    sys.path.insert(0, str(ROOT))
    from tests.data.workbench.generate import execution_csv

    programs = [(f"{p:02d}", f"{c:02d}", f"{g:02d}") for p in range(1, 31) for c in range(1, 9) for g in range(1, 7)]
    big.write_bytes(execution_csv(programs))
    run = runs.submit_run("dipres_ejecucion", big.read_bytes(), filename=big.name, settings=settings)
    proc = subprocess.Popen([sys.executable, "-m", "workbench.cli", "worker", "--queues=runs"], env=env_of(settings),
                            cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while runs_read.get_run(run.id, settings).status == "queued":
            assert time.monotonic() < deadline, "the worker never started the run"
            time.sleep(0.05)
        for pid in [*children(proc.pid), proc.pid]:  # the work horse (its own process group) and the worker
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # a short-lived child listed by /proc exited before the kill
                pass
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    assert runs_read.get_run(run.id, settings).status == "running"
    # the lock's TTL is Redis's (PX): read the TTL Redis reports, then wait for the expiry with a deadline
    held = DatasetLock.current(get_redis(settings), "dipres_ejecucion")
    assert held is None or held["ttl_ms"] <= settings.lock_ttl_s * 1000  # nothing extends it any more
    while DatasetLock.current(get_redis(settings), "dipres_ejecucion") is not None:
        assert time.monotonic() - killed_at < settings.lock_ttl_s + 1, "the lock outlived its TTL"
        time.sleep(0.05)
    # its process is gone (killed above) and its lock expired: recovery need not wait 3 lock TTLs of silence
    retries = runs.recover_abandoned(settings, older_than_s=0)
    failed = runs_read.get_run(run.id, settings)
    assert failed.status == "failed" and failed.error["code"] == "run-abandoned"
    assert len(retries) == 1
    assert burst_worker(settings, "runs").returncode == 0
    retried = runs_read.get_run(retries[0], settings)
    assert retried.status == "succeeded" and retried.triggered_by == f"retry of {run.id}"


def test_preview_cache_hit_and_redis_down(settings):
    spec = api.parse_spec((settings.specs_dir / "dipres_ejecucion.yaml").read_text(), "dipres_ejecucion.yaml")
    cold = previews.preview_cached(CSV.read_bytes(), spec, filename=CSV.name, settings=settings)
    hot = previews.preview_cached(CSV.read_bytes(), spec, filename=CSV.name, settings=settings)
    assert (cold["cache"]["hit"], hot["cache"]["hit"]) == (False, True)
    assert hot["layers"] == cold["layers"] and hot["timeline"] == cold["timeline"]
    down = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    doc = previews.preview_cached(CSV.read_bytes(), spec, filename=CSV.name, settings=down)
    assert doc["layers"]["silver"]["row_count"] == 144 and doc["cache"]["hit"] is False
    assert any("preview cache unavailable" in w for w in doc["warnings"])
    assert doc["warnings_es"][-1] == "no se pudo usar la caché de vistas previas; esta vista previa se calculó sin ella"
    assert hot["warnings_es"] == cold["warnings_es"] == []  # a cached document carries its Spanish warnings too


def test_previews_keep_working_when_the_redis_in_use_stops(tmp_path):
    """The cache's Redis dies between two previews: the second is computed, with a warning, no error."""
    server = EmbeddedRedis()
    url = server.start(tmp_path / "redis-home")
    settings = Settings(data_dir=tmp_path / "data", redis_url=url, specs_dir=ROOT / "specs")
    spec = api.parse_spec((ROOT / "specs" / "dipres_ejecucion.yaml").read_text(), "dipres_ejecucion.yaml")
    first = previews.preview_cached(CSV.read_bytes(), spec, filename=CSV.name, settings=settings)
    assert first["cache"]["stored"] is True
    server.stop()
    second = previews.preview_cached(CSV.read_bytes(), spec, filename=CSV.name, settings=settings)
    assert second["cache"]["hit"] is False and second["layers"] == first["layers"]
    assert any("without the cache" in w for w in second["warnings"])
