"""Nothing internal reaches a client through a run record (issue 13.5): a run that failed on a bug or on a
server-side failure stores its code and a generic English/Spanish text with a reference; the detail (socket
paths, addresses, the driver's text) goes to the log only. Records written before keep nothing either."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from workbench.engine.app import run_execution, runs, runs_read
from workbench.engine.core.errors import ParameterError, RedisUnavailableError, public_record, record_of
from workbench.engine.infra.queue import QueueUnavailableError
from workbench.engine.infra.locks import DatasetLock
from workbench.engine.infra.redis_embedded import EmbeddedRedis
from workbench.engine.app.runs_read import RunOutputMissingError
from workbench.engine.core.settings import Settings
from workbench.engine.store import runs as run_store
from workbench.engine.store.db import session_scope
from workbench.engine.store.objects import StorageFullError

ROOT = Path(__file__).resolve().parents[2]
CSV = ROOT / "tests" / "data" / "workbench" / "ejecucion_2017_abril_pesos.csv"
SOCKET = "/srv/workbench/data/redis/redis.sock"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = EmbeddedRedis()
    yield server.start(tmp_path_factory.mktemp("redis-home"))
    server.stop()


@pytest.fixture
def settings(db_url, redis_url, tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(ROOT / "specs" / "dipres_ejecucion.yaml", specs)
    return Settings(data_dir=tmp_path / "data", database_url=db_url, redis_url=redis_url, specs_dir=specs,
                    user="tester", lock_ttl_s=2, lock_wait_timeout_s=5)


def run_csv(settings: Settings, **params: str):
    return runs.run_file("dipres_ejecucion", CSV.read_bytes(), filename=CSV.name, params=params or {"anio": "2017"},
                             force=True, settings=settings)


def test_a_bug_during_a_run_is_recorded_without_its_text(settings, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ConnectionError(f"Error 2 connecting to {SOCKET}. No such file or directory.")

    monkeypatch.setattr(run_execution, "preview_file", broken)
    with caplog.at_level(logging.ERROR, logger="workbench.engine.app.run_execution"), pytest.raises(ConnectionError):
        run_csv(settings)
    run = runs_read.list_runs(settings).items[0]
    error = run.error
    assert run.status == "failed" and error["code"] == "internal-error"
    assert "redis.sock" not in json.dumps(error) and "ConnectionError" not in json.dumps(error)
    reference = error["details"]["reference"]
    assert error["message_es"] == f"error interno; quedó registrado para el equipo (referencia {reference})"
    logged = caplog.records[-1]
    assert reference in logged.getMessage() and SOCKET in str(logged.exc_info[1])  # the detail: the log only


def test_redis_down_at_the_lock_is_recorded_without_the_servers_address(settings, monkeypatch, caplog):
    def unreachable(self, **kwargs):
        raise RedisUnavailableError(where=f"unix://{SOCKET}", reason="Connection refused")

    monkeypatch.setattr(DatasetLock, "acquire", unreachable)
    with caplog.at_level(logging.WARNING, logger="workbench.engine.app.run_execution"):
        run = run_csv(settings)
    assert run.status == "failed" and run.error["code"] == "redis-unavailable"
    assert SOCKET not in json.dumps(run.error) and run.error["message_es"].startswith(
        "el servicio de colas (Redis) no respondía (referencia ")
    assert any(SOCKET in r.getMessage() for r in caplog.records)


def test_records_written_before_are_read_without_internal_text(settings):
    run = run_csv(settings, anio="dos mil")  # a user error: recorded (and read) as it is
    assert run.status == "failed" and run.error["code"] == "parameter-invalid" and "dos mil" in run.error["message"]
    old = {"code": "internal-error", "title": "Internal error", "message": f"ConnectionError: Error 2 connecting to {SOCKET}",
           "message_es": "error interno; quedó registrado para el equipo", "details": {}}
    with session_scope(settings.db_url) as session:
        run_store.update_run(run.id, session=session, error=old)
    for seen in (runs_read.get_run(run.id, settings).error, runs_read.list_runs(settings).items[0].error):
        assert seen == {**old, "message": "internal error; it was logged for the team"}


def test_what_a_record_keeps_of_each_kind_of_error():
    user = ParameterError("'x' is not a whole number", message_es="'x' no es un número entero", name="anio")
    assert record_of(user) == user.to_dict()
    for public in (QueueUnavailableError(run_id=3, filename="a.csv"), StorageFullError("disk full", message_es="lleno")):
        assert record_of(public) == public.to_dict()  # their messages name no server
    down = record_of(RedisUnavailableError(where=f"unix://{SOCKET}", reason="refused"))
    assert down == {"code": "redis-unavailable", "title": "Redis unavailable",
                    "message": "the queue service (Redis) was not reachable",
                    "message_es": "el servicio de colas (Redis) no respondía", "details": {}}
    assert public_record(RedisUnavailableError(where=f"unix://{SOCKET}", reason="refused").to_dict()) == down
    assert public_record(QueueUnavailableError(run_id=3, filename="a.csv").to_dict())["details"]["filename"] == "a.csv"


def test_a_missing_output_is_reported_without_its_path(settings):
    run = run_csv(settings)
    assert run.status == "succeeded", run.error
    path = settings.outputs_dir / run.outputs["layers"]["silver"]["path"]
    path.unlink()
    with pytest.raises(RunOutputMissingError) as caught:
        runs_read.run_table(run.id, "silver", settings)
    assert str(settings.data_dir) not in caught.value.message + json.dumps(caught.value.to_dict())


def test_a_failed_jobs_exception_is_shown_to_admins_only(settings):
    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from workbench.engine.app import access, queues
    from workbench.engine.infra import queue as rq_queue
    from workbench.engine.infra.redis_conn import get_redis

    # a job whose exception names a server path (as a Redis socket or a data folder would)
    rq_queue.queue("runs", settings).enqueue_call("os.stat", args=(SOCKET,), job_id="run-987654")
    SimpleWorker([rq_queue.queue("runs", settings)], connection=get_redis(settings),
                 serializer=JSONSerializer).work(burst=True)
    with access.acting_as(access.Principal("vera", "viewer")):
        seen = [f["error"] for f in queues.queues_overview(settings)["failed"] if f["id"] == "run-987654"]
    assert seen == [queues.HIDDEN_ERROR]
    with access.acting_as(access.Principal("ada", "admin")):
        seen = [f["error"] for f in queues.queues_overview(settings)["failed"] if f["id"] == "run-987654"]
    assert len(seen) == 1 and SOCKET in seen[0]
