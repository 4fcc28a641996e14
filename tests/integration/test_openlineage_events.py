"""OpenLineage events of real runs, failed runs and backfills (both stores; embedded and real Redis for the
backfill), and delivery to an HTTP endpoint that is down and comes back."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from tests.integration.test_jobs import burst_worker
from tests.openlineage_check import check_event
from workbench.cli.main import cli
from workbench.engine.app import backfills, openlineage, runs
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.infra import openlineage as outbox_module
from workbench.engine.infra.openlineage import Outbox

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "workbench"
CSV = DATA / "ejecucion_2017_abril_pesos.csv"


@pytest.fixture
def settings(db_url, tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(ROOT / "specs" / "dipres_ejecucion.yaml", specs)
    return Settings(data_dir=tmp_path / "data", database_url=db_url, specs_dir=specs, user="tester")


def events(settings: Settings) -> list[dict]:
    path = settings.lineage_dir / "events.ndjson"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_a_run_writes_start_and_complete_with_one_run_id(settings):
    run = runs.run_file("dipres_ejecucion", CSV.read_bytes(), filename=CSV.name, params={"anio": "2017"},
                        settings=settings)
    assert run.status == "succeeded"
    start, complete = events(settings)  # the file transport: one line per event
    for event in (start, complete):
        check_event(event)
    assert (start["eventType"], complete["eventType"]) == ("START", "COMPLETE")
    assert start["run"]["runId"] == complete["run"]["runId"] == openlineage.run_id(run)
    assert complete["job"] == {**complete["job"], "namespace": "workbench", "name": "workbench.dipres_ejecucion"}
    facets = complete["job"]["facets"]
    assert facets["ownership"]["owners"] == [{"name": "Finanzas Públicas", "type": "team"}]
    assert facets["sourceCodeLocation"]["version"] == str(run.spec_version)
    assert facets["sourceCodeLocation"]["url"].endswith("/specs/dipres_ejecucion.yaml")
    [raw] = complete["inputs"]
    sha = run.inputs[0]["sha256"]
    assert raw["namespace"] == "file" and raw["name"] == str((settings.raw_dir / sha[:2] / sha).resolve())
    assert Path(raw["name"]).read_bytes() == CSV.read_bytes()  # the name is where the RAW bytes are
    bronze, silver = complete["outputs"]
    assert (bronze["name"], silver["name"]) == ("dipres_ejecucion.bronze", "dipres_ejecucion.silver")
    assert silver["outputFacets"]["outputStatistics"]["rowCount"] == run.row_counts["silver"]
    types = {f["name"]: f["type"] for f in silver["facets"]["schema"]["fields"]}
    assert types["monto"].startswith("decimal128") and types["partida"] == "string"
    monto = silver["facets"]["columnLineage"]["fields"]["monto"]["inputFields"]
    assert {(f["name"], f["field"]) for f in monto} == {("dipres_ejecucion.bronze", m) for m in
                                                        ("presupuesto_inicial", "presupuesto_vigente",
                                                         "ejecucion_acumulada")}
    checks = bronze["facets"]["dataQualityAssertions"]["assertions"]
    assert {a["name"] for a in checks} >= {"partida_presente", "cuadra_resultado"}
    assert all(a["success"] for a in checks)


def test_a_failed_run_writes_start_and_fail_with_its_error(settings):
    run = runs.run_file("dipres_ejecucion", b"no es un informe\n1;2;3\n", filename="basura_2017.csv",
                        settings=settings)
    assert run.status == "failed"
    start, fail = events(settings)
    for event in (start, fail):
        check_event(event)
    assert (start["eventType"], fail["eventType"]) == ("START", "FAIL")
    assert start["run"]["runId"] == fail["run"]["runId"]
    assert fail["run"]["facets"]["errorMessage"]["message"] == run.error["message"]
    assert fail["outputs"] == []


def test_a_backfill_is_the_parent_of_its_runs(db_url, tmp_path):  # embedded Redis: the Redis tests cover the rest
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(ROOT / "specs" / "dipres_ejecucion.yaml", specs)
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, specs_dir=specs, user="tester")
    files = [DATA / "ejecucion_2017_abril_pesos.csv", DATA / "ejecucion_2017_junio_dolares.csv"]
    started = backfills.start_backfill("dipres_ejecucion", files, params={"anio": "2017"}, settings=settings)
    assert burst_worker(settings, "backfills").returncode == 0
    found = events(settings)
    for event in found:
        check_event(event)
    parent = [e for e in found if e["job"]["name"] == "workbench.dipres_ejecucion.backfill"]
    assert [e["eventType"] for e in parent] == ["START", "COMPLETE"]
    parent_id = parent[0]["run"]["runId"]
    assert parent[1]["run"]["runId"] == parent_id
    children = [e for e in found if e["job"]["name"] == "workbench.dipres_ejecucion"]
    assert sorted(e["eventType"] for e in children) == ["COMPLETE", "COMPLETE", "START", "START"]
    assert {e["run"]["facets"]["parent"]["run"]["runId"] for e in children} == {parent_id}
    assert len({e["run"]["runId"] for e in children}) == 2
    assert started.total == 2


class Receiver:
    """A Marquez-like endpoint on 127.0.0.1 that records what it is sent."""

    def __init__(self, port: int) -> None:
        self.port, self.received = port, []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.path, self.headers.get("Authorization"), json.loads(body)))
                self.send_response(201)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_endpoint_that_is_down_costs_a_run_nothing_and_gets_the_events_when_it_is_back(settings, monkeypatch):
    port = free_port()
    monkeypatch.setattr(outbox_module, "DRAIN_AT_EXIT_S", 0.1)
    http = settings.model_copy(update={"openlineage_url": f"http://127.0.0.1:{port}", "openlineage_api_key": None})
    assert http.lineage_transport == "http"
    started = time.perf_counter()
    run = runs.run_file("dipres_ejecucion", CSV.read_bytes(), filename=CSV.name, settings=http)
    elapsed = time.perf_counter() - started
    assert run.status == "succeeded"
    outbox = Outbox(http)
    deadline = time.monotonic() + 10
    while outbox.pending() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert outbox.pending() == 2  # spooled, in order, while nobody listens
    assert openlineage.openlineage_flush(http)["left"] == 2  # still down: nothing lost
    receiver = Receiver(port)
    try:
        deadline = time.monotonic() + 20  # this flush, or the run's background sender retrying meanwhile
        while outbox.pending() and time.monotonic() < deadline:
            result = openlineage.openlineage_flush(http)
            assert result["error"] is None
            time.sleep(0.05)
        assert [body["eventType"] for _, _, body in receiver.received] == ["START", "COMPLETE"]
        assert {path for path, _, _ in receiver.received} == {"/api/v1/lineage"}
        for _, _, body in receiver.received:
            check_event(body)
        assert outbox.pending() == 0
    finally:
        receiver.stop()
    assert elapsed < 30  # the run never waited on the endpoint (its own time; the send is not in it)


def test_the_background_sender_retries_until_the_endpoint_is_back(tmp_path, monkeypatch):
    port = free_port()
    http = Settings(data_dir=tmp_path / "data", openlineage_url=f"http://127.0.0.1:{port}")
    outbox = Outbox(http)
    monkeypatch.setattr(outbox_module, "RETRY_FIRST_S", 0.5)
    outbox.send({"eventType": "START", "n": 1})
    outbox.send({"eventType": "OTHER", "n": 2})
    time.sleep(0.3)
    assert outbox.pending() == 2
    receiver = Receiver(port)
    try:
        deadline = time.monotonic() + 20  # the sender retries after 0.5, 1, 2, ... s
        while receiver.received.__len__() < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [body["n"] for _, _, body in receiver.received] == [1, 2]
        assert outbox.pending() == 0
    finally:
        receiver.stop()


def test_a_bearer_token_is_sent_and_never_logged(tmp_path, caplog):
    port = free_port()
    http = Settings(data_dir=tmp_path / "data", openlineage_url=f"http://127.0.0.1:{port}",
                    openlineage_api_key=SecretStr("s3cr3t-t0ken"))
    receiver = Receiver(port)
    try:
        Outbox(http)._spool({"eventType": "OTHER"})
        assert openlineage.openlineage_flush(http)["sent"] == 1
        assert receiver.received[0][1] == "Bearer s3cr3t-t0ken"
    finally:
        receiver.stop()
    Outbox(http)._spool({"eventType": "OTHER"})
    assert openlineage.openlineage_flush(http)["left"] == 1  # down now: the error is reported without the token
    assert "s3cr3t-t0ken" not in caplog.text


def test_cli_status_and_flush(settings, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("WORKBENCH_OPENLINEAGE_TRANSPORT", "none")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["openlineage", "status", "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["transport"] == "none"
        result = CliRunner().invoke(cli, ["openlineage", "flush"])
        assert result.exit_code == 0 and "sent 0, waiting 0" in result.output
    finally:
        get_settings.cache_clear()
