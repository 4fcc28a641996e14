"""PostgreSQL stops (``pg_ctl stop -m immediate``: connections drop, the port closes) under a running API, then
comes back on the same port: every route that needs the store answers a quick 503 problem, never a 500 or a
401, and the same app works again without a restart."""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.testclient import TestClient

from tests.faults.conftest import CSV, make_settings, new_token, upload
from tests.faults.servers import hung_server
from workbench.api.app import create_api
from workbench.engine.app import access, previews, runs, sessions
from workbench.engine.core.spec.loader import parse_spec
from workbench.engine.store.db import CONNECT_TIMEOUT_S
from workbench.engine.store.files import RawFileStore

#: A stopped server refuses connections: its outage must be reported at once (about 4 ms measured), well within
#: the connect timeout, seconds.
FAST_503_S = 2.0


def _requests(run_id: int) -> list[tuple[str, str, dict]]:
    """One request per route of the API (taken from its OpenAPI description, so a new route is covered)."""
    bodies: dict[tuple[str, str], dict] = {
        ("post", "/workbench/auth/login"): {"data": {"username": "tester", "password": "x"}},
        ("post", "/workbench/auth/setup"): {"data": {"token": "wbx_nothing", "username": "a", "password": "b" * 12}},
        ("post", "/workbench/preview"): upload(),
        ("post", "/workbench/runs"): upload(),
        ("post", "/workbench/backfills"): {"json": {"dataset": "dipres_ejecucion", "files": "examples/*.csv"}},
    }
    out = []
    for path, operations in create_api().openapi()["paths"].items():
        concrete = (path.replace("{run_id}", str(run_id)).replace("{backfill_id}", "1")
                    .replace("{slug}", "dipres_ejecucion").replace("{path}", "index.html"))
        for method in operations:
            out.append((method, concrete, bodies.get((method, path), {})))
    return out


#: Routes that answer without the store: signing out without a session, and health (503 by design, own shape).
NO_STORE = {("post", "/workbench/auth/logout"), ("get", "/workbench/health")}


def test_every_route_needing_the_store_is_a_quick_503_and_the_app_recovers(pg, settings, client):
    queued = client.post("/workbench/runs", **upload())
    assert queued.status_code == 202, queued.text
    run_id = queued.json()["id"]
    runs.execute_run(run_id, settings=settings)
    unused = new_token(settings, "never used")  # its first use must reach the store: 503, never 401
    pg.stop()

    slow, bad = [], []
    for method, path, kwargs in _requests(run_id):
        started = time.monotonic()
        response = client.request(method, path, headers={"authorization": f"Bearer {unused}"}, **kwargs)
        elapsed = time.monotonic() - started
        slow += [(path, round(elapsed, 2))] if elapsed > FAST_503_S else []
        if (method, path) in NO_STORE:
            continue
        body = response.json()
        if not (response.status_code == 503 and body.get("code") == "database-unavailable"
                and response.headers.get("retry-after", "").isdigit() and "base de datos" in body["message_es"]
                and "Traceback" not in response.text):
            bad.append((method, path, response.status_code, body.get("code")))
    assert bad == []
    assert slow == []

    health = client.get("/workbench/health")
    assert health.status_code == 503 and health.headers["retry-after"].isdigit()
    checks = health.json()["checks"]
    assert checks["database"]["status"] == "down" and checks["database"]["code"] == "database-unavailable"
    assert checks["redis"]["status"] == "ok"

    # the caller's own token was resolved a moment ago (cached in-process): the route itself still needs the store
    assert client.get("/workbench/runs").status_code == 503

    pg.start()
    started = time.monotonic()
    listed = client.get("/workbench/runs")  # the same app and client: the pool reconnects by itself
    recovered_s = time.monotonic() - started
    assert listed.status_code == 200 and listed.json()["total"] == 1
    assert recovered_s < 2
    assert client.get("/workbench/auth/me", headers={"authorization": f"Bearer {unused}"}).status_code == 200
    again = client.post("/workbench/runs", **upload(force="true"))
    assert again.status_code == 202, again.text
    assert runs.execute_run(again.json()["id"], settings=settings).status == "succeeded"
    assert client.get("/workbench/health").json()["checks"]["database"]["status"] == "ok"


def test_an_upload_while_the_database_is_down_keeps_its_bytes_and_can_be_retried(pg, settings, client):
    """A signed-in user (credentials verified a moment ago) uploads a file for a run just as the database stops:
    the RAW bytes are stored before the store is needed and stay stored (content-addressed), the answer is 503,
    nothing is half-recorded, and the same upload after the restart is a normal run on the same stored bytes."""
    data = CSV.read_bytes().replace(b"ABRIL", b"ABRIL ")  # bytes of this test's own
    sha = hashlib.sha256(data).hexdigest()
    assert client.get("/workbench/datasets").status_code == 200  # the caller's token is now verified (cached)
    pg.stop()
    refused = client.post("/workbench/runs", **upload(data=data))
    assert refused.status_code == 503 and refused.json()["code"] == "database-unavailable"
    store = RawFileStore(settings.raw_dir)
    assert store.exists(sha) and store.get(sha) == data
    pg.start()
    assert client.get("/workbench/runs").json()["total"] == 0  # nothing was recorded
    accepted = client.post("/workbench/runs", **upload(data=data))
    assert accepted.status_code == 202 and accepted.json()["inputs"][0]["sha256"] == sha
    assert runs.execute_run(accepted.json()["id"], settings=settings).status == "succeeded"


def test_previews_need_no_database_but_the_api_needs_it_to_verify_credentials(pg, settings, client):
    """The engine's preview (the web app's upload page, signed in already) works with the store down: it reads the
    bytes and the spec file and caches in Redis. Over the API the caller must be verified first, which needs the
    store: a credential verified in the last seconds (``sessions.RESOLVE_CACHE_S``) still previews; any other gets
    503 (never 401), not a preview."""
    unused = new_token(settings, "preview")
    spec_path = settings.specs_dir / "dipres_ejecucion.yaml"
    spec = parse_spec(spec_path.read_text(encoding="utf-8"), str(spec_path))
    assert client.get("/workbench/datasets").status_code == 200  # the client's own token: verified now
    pg.stop()
    assert client.post("/workbench/preview", **upload()).status_code == 200
    refused = client.post("/workbench/preview", **upload(), headers={"authorization": f"Bearer {unused}"})
    assert refused.status_code == 503 and refused.json()["code"] == "database-unavailable"
    with access.acting_as(access.Principal("ana", "analyst", "session")):
        doc = previews.preview_cached(CSV.read_bytes(), spec, filename=CSV.name, settings=settings)
    assert doc["layers"]["silver"]["row_count"] == 144


def test_a_hung_database_is_a_503_within_the_connect_timeout(tmp_path: Path, private_redis):
    """A server that accepts connections and never answers (a hung host, a stuck proxy): every request that needs it,
    health included, ends with its 503 after the connect timeout, not after a 30 s (or endless) wait."""
    with hung_server() as port:
        settings = make_settings(tmp_path, f"postgresql+psycopg://postgres@127.0.0.1:{port}/hung", private_redis.url)
        with TestClient(create_api(settings), raise_server_exceptions=False) as client, \
                ThreadPoolExecutor(2) as pool:

            def timed(path: str) -> tuple[int, str, float, str]:
                started = time.monotonic()
                response = client.get(path, headers={"authorization": "Bearer wbt_" + "x" * 43})
                code = response.json().get("code") or response.json()["checks"]["database"]["code"]
                return response.status_code, code, time.monotonic() - started, response.headers.get("retry-after", "")

            for status, code, elapsed, retry_after in pool.map(timed, ["/workbench/runs", "/workbench/health"]):
                assert (status, code) == (503, "database-unavailable") and retry_after.isdigit()
                assert CONNECT_TIMEOUT_S - 0.5 < elapsed < CONNECT_TIMEOUT_S + 1.5, elapsed
