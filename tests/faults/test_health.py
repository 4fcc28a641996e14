"""``GET /workbench/health`` over real services: each dependency with its status and check time, 200 when all are
up, 503 only when a required one (the database) is down; public, and it reveals no host, URL, path or secret."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from rq import Worker

from workbench.api.app import create_api
from workbench.engine.infra import queue as rq_queue
from workbench.engine.infra.redis_conn import get_redis
from workbench.engine.core.settings import Settings

CHECKS = {"database", "redis", "workers", "queues", "disk", "storage"}


@pytest.fixture
def anonymous(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_api(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def worker(settings: Settings) -> Iterator[Worker]:
    """An RQ worker registered in Redis (what `workbench worker` does at start), unregistered afterwards."""
    found = Worker([rq_queue.queue(q, settings) for q in rq_queue.QUEUES], connection=get_redis(settings),
                   name="health-check-worker")
    found.register_birth()
    yield found
    found.register_death()


def secrets_of(settings: Settings, pg, private_redis) -> list[str]:
    """What the public answer must never contain: hosts, ports, URLs, database names, paths."""
    return ["127.0.0.1", str(pg.port), str(private_redis.port), "postgresql", "redis://", settings.db_url.rsplit("/", 1)[1],
            str(settings.data_dir), "/tmp"]


def test_all_up_is_200_ok_with_each_check_timed_and_nothing_revealed(settings, anonymous, worker, pg, private_redis):
    rq_queue.queue("runs", settings).enqueue_call("workbench.engine.jobs.run_job", args=(999,), job_id="run-999")
    response = anonymous.get("/workbench/health")  # no credentials: probes and load balancers
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok" and set(body["checks"]) == CHECKS
    assert all(c["status"] == "ok" for c in body["checks"].values())
    for name in ("database", "redis", "queues", "disk", "storage"):
        assert 0 <= body["checks"][name]["latency_ms"] < 1000
    assert body["checks"]["storage"]["kind"] == "local"
    assert body["checks"]["workers"] == {"status": "ok", "count": 1}  # names and free space: signed-in only
    assert body["checks"]["queues"]["waiting"] == {"previews": 0, "runs": 1, "backfills": 0}
    assert "free_bytes" not in body["checks"]["disk"]
    assert [s for s in secrets_of(settings, pg, private_redis) if s in response.text] == []
    assert response.headers["cache-control"] == "no-store"


def test_both_stores_down_is_503_down_quickly_and_still_reveals_nothing(settings, anonymous, pg, private_redis):
    pg.stop()
    private_redis.kill()
    response = anonymous.get("/workbench/health")
    assert response.status_code == 503 and response.headers["retry-after"].isdigit()
    body = response.json()
    assert body["status"] == "down"
    assert {n: c["status"] for n, c in body["checks"].items()} == {
        "database": "down", "redis": "down", "workers": "unknown", "queues": "unknown", "disk": "ok",
        "storage": "ok"}
    assert body["checks"]["database"]["code"] == "database-unavailable"
    assert body["checks"]["redis"]["code"] == "redis-unavailable"
    assert body["checks"]["database"]["latency_ms"] < 1000 and body["checks"]["redis"]["latency_ms"] < 1000
    assert [s for s in secrets_of(settings, pg, private_redis) if s in response.text] == []

    pg.start()
    private_redis.start()
    recovered = anonymous.get("/workbench/health")
    assert recovered.status_code == 200 and recovered.json()["checks"]["redis"]["status"] == "ok"


def test_signed_in_callers_also_get_worker_names_and_free_space(settings, anonymous, worker):
    from workbench.engine.app import accounts

    accounts.add_user("operadora", "clave-de-operacion-1", "viewer", settings)
    token = accounts.create_token("operadora", "health", settings=settings)
    body = anonymous.get("/workbench/health", headers={"authorization": f"Bearer {token}"}).json()
    assert body["checks"]["workers"]["names"] == ["health-check-worker"]
    assert body["checks"]["disk"]["free_bytes"] > settings.max_upload_bytes
