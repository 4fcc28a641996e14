"""Redis is killed (SIGKILL) under a running API, then restarted empty on the same port: previews go on without
the cache, runs are refused with a clear message and nothing lost, and everything works again after the restart
without restarting the app."""

from __future__ import annotations

import hashlib
import shutil
import time

import pytest

from tests.faults.conftest import CSV, DATA, ROOT, make_settings, start_worker, stop_worker, upload, work_burst
from tests.faults.servers import hung_server
from workbench.engine.app import backfills, datasets, previews, runs, runs_read
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.infra.redis_conn import RETRIES, SOCKET_TIMEOUT_S
from workbench.engine.core.settings import Settings
from workbench.engine.core.spec.loader import parse_spec


def test_previews_work_uncached_with_a_warning_and_cache_again_after_the_restart(private_redis, client):
    first = client.post("/workbench/preview", **upload())
    assert first.status_code == 200 and first.json()["cache"]["stored"] is True
    private_redis.kill()
    down = client.post("/workbench/preview", **upload())
    assert down.status_code == 200, down.text
    doc = down.json()
    assert doc["cache"]["hit"] is False and doc["layers"] == first.json()["layers"]
    assert any("without the cache" in w for w in doc["warnings"])
    private_redis.start()
    again = client.post("/workbench/preview", **upload())
    assert again.status_code == 200 and again.json()["cache"]["stored"] is True and not again.json()["warnings"]


def test_a_run_with_redis_down_is_refused_kept_and_recorded_and_the_retry_runs(private_redis, settings, client):
    worker = start_worker(settings)  # long-running, as under `workbench serve`: it must outlive the outage
    try:
        private_redis.kill()
        refused = client.post("/workbench/runs", **upload())
        assert refused.status_code == 503, refused.text
        body = refused.json()
        assert body["code"] == "redis-unavailable" and refused.headers["retry-after"].isdigit()
        assert "quedó guardado" in body["message_es"] and "fallida" in body["message_es"]
        assert refused.headers["location"] == f"/workbench/runs/{body['run_id']}"

        # the attempt is a run the user can see (failed, with the canonical error), and its file can be downloaded
        attempt = client.get(refused.headers["location"]).json()
        assert attempt["status"] == "failed" and attempt["error"]["code"] == "redis-unavailable"
        assert set(attempt["error"]) == {"code", "title", "message", "message_es", "details"}
        raw = client.get(f"{refused.headers['location']}/raw")
        assert raw.status_code == 200 and hashlib.sha256(raw.content).hexdigest() == attempt["inputs"][0]["sha256"]
        assert client.get("/workbench/runs", params={"status": "queued"}).json()["total"] == 0

        health = client.get("/workbench/health")
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        assert health.json()["checks"]["redis"]["status"] == "down"
        assert health.json()["checks"]["workers"]["status"] == "unknown"

        private_redis.start()  # empty: the job that was never queued is not there either
        restarted = time.monotonic()
        retried = client.post("/workbench/runs", **upload())
        assert retried.status_code == 202, retried.text
        location = f"/workbench/runs/{retried.json()['id']}"
        while (status := client.get(location).json()["status"]) in ("queued", "running"):
            assert worker.poll() is None and time.monotonic() - restarted < 30, "the worker did not resume"
            time.sleep(0.1)
        assert status == "succeeded"
        assert client.get(refused.headers["location"]).json()["status"] == "failed"  # never run behind the back
        workers = client.get("/workbench/health").json()["checks"]["workers"]
        assert workers["status"] == "ok" and workers["count"] == 1  # registered again after the restart
    finally:
        stop_worker(worker)


def test_runs_queued_before_the_outage_are_queued_again_by_the_recovery_after_it(private_redis, settings):
    """Redis restarted without persistence forgets the jobs of runs accepted before: the periodic recovery
    (``workbench serve``) must outlive the outage and queue them again afterwards, so they still run."""
    run = runs.submit_run("dipres_ejecucion", CSV.read_bytes(), filename=CSV.name, settings=settings)
    private_redis.kill()
    assert runs.recover_abandoned(settings) == []  # nothing can be checked: left queued, no error
    assert runs_read.get_run(run.id, settings).status == "queued"
    private_redis.start()
    assert runs.recover_abandoned(settings) == [run.id]
    work_burst(settings, "runs")
    assert runs_read.get_run(run.id, settings).status == "succeeded"


def test_a_hung_redis_refuses_a_run_within_its_timeouts(tmp_path, pg_url):
    """A Redis that accepts connections and never answers: the run is refused and recorded within the client's
    timeouts (2 s socket timeout, one retry: about 4 s), not after an endless wait."""
    with hung_server() as port:
        settings = make_settings(tmp_path, pg_url, f"redis://127.0.0.1:{port}/0")
        started = time.monotonic()
        with pytest.raises(WorkbenchError) as refused:
            runs.submit_run("dipres_ejecucion", CSV.read_bytes(), filename=CSV.name, settings=settings)
        elapsed = time.monotonic() - started
    assert refused.value.code == "redis-unavailable" and elapsed < (1 + RETRIES) * SOCKET_TIMEOUT_S + 2, elapsed
    attempt = runs_read.get_run(refused.value.details["run_id"], settings)
    assert attempt.status == "failed" and attempt.error["code"] == "redis-unavailable"


def test_a_hung_redis_costs_previews_its_timeout_once_not_on_every_preview(tmp_path):
    """Previews build a cache client per call: the pause after a slow failure must hold across calls."""
    spec_path = ROOT / "specs" / "dipres_ejecucion.yaml"
    spec = parse_spec(spec_path.read_text(encoding="utf-8"), str(spec_path))
    with hung_server() as port:
        settings = Settings(data_dir=tmp_path / "data", redis_url=f"redis://127.0.0.1:{port}/0", specs_dir=ROOT / "specs")
        elapsed, docs = [], []
        for _ in range(3):
            started = time.monotonic()
            docs.append(previews.preview_cached(CSV.read_bytes(), spec, filename=CSV.name, settings=settings))
            elapsed.append(time.monotonic() - started)
    assert all(d["layers"]["silver"]["row_count"] == 144 for d in docs)
    assert all(any("without the cache" in w for w in d["warnings"]) for d in docs)  # each says so
    assert elapsed[0] > SOCKET_TIMEOUT_S and max(elapsed[1:]) < elapsed[0] - SOCKET_TIMEOUT_S, elapsed


def test_a_backfill_started_with_redis_down_is_refused_and_nothing_is_left_queued(private_redis, settings, client):
    incoming = settings.incoming
    incoming.mkdir(parents=True)
    for name in ("ejecucion_2017_abril_pesos.csv", "ejecucion_2017_junio_dolares.csv",
                 "ejecucion_2017_abril_no_cuadra.csv"):
        shutil.copy(DATA / name, incoming / name)
    request = {"dataset": "dipres_ejecucion", "files": str(incoming)}
    private_redis.kill()
    refused = client.post("/workbench/backfills", json=request)
    assert refused.status_code == 503 and refused.json()["code"] == "redis-unavailable", refused.text
    assert "Redis" in refused.json()["message_es"]
    assert client.get("/workbench/runs", params={"status": "queued"}).json()["total"] == 0
    assert backfills.list_backfills(settings).items == []  # refused before anything was recorded
    assert client.get("/workbench/runs").json()["total"] == 0

    private_redis.start()
    started = client.post("/workbench/backfills", json=request)
    assert started.status_code == 202, started.text
    work_burst(settings)
    final = client.get(started.headers["location"]).json()
    assert final["status"] == "finished" and final["progress"]["succeeded"] + final["progress"]["failed"] == 3



def test_a_run_whose_redis_goes_away_mid_run_still_records_its_outcome(private_redis, settings, monkeypatch):
    """Saving the job's progress (Redis) is best effort, like the events: a Redis that stops under a run (the
    embedded one restarted by `workbench serve`) must not turn the run into an internal error."""
    import redis

    from workbench.engine.app import run_queue, tasks

    class ProgressOnAGoneRedis:
        meta: dict = {}

        def save_meta(self) -> None:
            raise redis.ConnectionError("Error 2 connecting to the socket. No such file or directory.")

    datasets.sync_specs(settings)
    run = runs.register_run("dipres_ejecucion", CSV.read_bytes(), filename=CSV.name, settings=settings)
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setattr(tasks, "get_current_job", ProgressOnAGoneRedis)
    monkeypatch.setattr(tasks, "get_settings", lambda: settings)
    monkeypatch.setattr(runs, "get_settings", lambda: settings)
    result = tasks.run_job(run.id)
    assert result["status"] == "succeeded"
    assert runs_read.get_run(run.id, settings).status == "succeeded"
    assert list((settings.data_dir / run_queue.EXECUTING_DIR).glob("*.json")) == []  # its marker is gone


def test_a_job_for_a_run_that_does_not_exist_fails_and_leaves_no_marker_behind(private_redis, settings, monkeypatch):
    """Only a service going away is absorbed by run_job (one line, recovery ends the run); other engine errors
    still fail the job, with their traceback in the worker's log."""
    from workbench.engine.app import run_queue, tasks
    from workbench.engine.app.runs_read import RunNotFoundError

    datasets.sync_specs(settings)
    monkeypatch.setattr(tasks, "get_settings", lambda: settings)
    monkeypatch.setattr(runs, "get_settings", lambda: settings)
    with pytest.raises(RunNotFoundError):
        tasks.run_job(987_654)
    [found] = run_queue.interrupted_runs(settings)  # resolved at the next recovery: there is no such run
    assert found.run_id == 987_654 and found.cause == "stopped-on-error"
    assert runs.recover_abandoned(settings, full=False) == []
    assert run_queue.interrupted_runs(settings) == []
