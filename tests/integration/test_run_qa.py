"""QA on stored runs (SQLite and PostgreSQL): status, every failing row kept with its RAW cells, Data Docs,
qa.failed event and webhook, publication blocked."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from workbench.engine.app import qa, runs, runs_read
from workbench.engine.infra.events import EventStream
from workbench.engine.infra.redis_conn import get_redis
from workbench.engine.core.settings import Settings

SPEC = """\
dataset: {slug: montos, title: Montos}
source: {format: csv, delimiter: ";"}
layers:
  bronze:
    - type: type_cast
      decimal: ","
      columns: {monto: {type: decimal, scale: 2}}
expectations:
  bronze:
    - type: expect_column_values_to_be_between
      column: monto
      min_value: 0
      severity: {severity}
    - type: expect_column_values_to_not_be_null
      column: codigo
"""


def csv_bytes(negatives: int) -> bytes:
    lines = ["codigo;monto"] + [f"{i:02d};{'-' if i < negatives else ''}{i},50" for i in range(300)]
    return ("\n".join(lines) + "\n").encode("latin-1")


class Hook:
    def __init__(self) -> None:
        self.bodies: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                hook.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.server.shutdown()


def make_settings(db_url: str, tmp_path: Path, severity: str, hook_url: str) -> Settings:
    specs = tmp_path / "specs"
    specs.mkdir(exist_ok=True)
    (specs / "montos.yaml").write_text(SPEC.replace("{severity}", severity), encoding="utf-8")
    return Settings(data_dir=tmp_path / "data", database_url=db_url, specs_dir=specs, user="tester",
                    webhook_urls=[hook_url], webhook_retries=0)


def test_a_failed_check_is_kept_whole_announced_and_blocks_publication(db_url, tmp_path, hook):
    settings = make_settings(db_url, tmp_path, "error", hook.url)
    run = runs.run_file("montos", csv_bytes(250), filename="montos.csv", settings=settings)
    assert run.status == "succeeded" and run.qa_status == "failed"
    between = next(r for r in run.qa["results"] if r["type"] == "expect_column_values_to_be_between")
    assert between["success"] is False and between["unexpected_rows_total"] == 250  # rows 00..249 are negative
    assert len(between["unexpected_rows"]) == qa.RUN_PAGE_SIZE
    # every failing row is kept, with the RAW cell it came from
    page = runs_read.run_failures(run.id, expectation_id=between["id"], offset=240, limit=100, settings=settings)
    assert page["total"] == 250 and len(page["rows"]) == 10
    last = page["rows"][-1]
    assert last["raw"][0]["row"] == 251 and last["raw"][0]["column"] == "B" and last["raw"][0]["text"] == "-249,50"
    # publication blocked
    with pytest.raises(qa.QAFailedError) as err:
        runs_read.run_table(run.id, "bronze", settings, publish=True)
    assert err.value.code == "qa-failed" and between["id"] in err.value.message
    assert len(runs_read.run_table(run.id, "bronze", settings).df) == 300  # still readable inside the workbench
    # announced: event stream and webhook
    events = [e for e in EventStream(get_redis(settings)).tail(last=50) if e.type == "qa.failed"]
    assert events and events[-1].data["run_id"] == run.id
    for _ in range(50):
        if hook.bodies:
            break
        threading.Event().wait(0.1)
    assert hook.bodies[0]["event"] == "qa.failed" and hook.bodies[0]["failed"] == [between["id"]]
    # its Data Docs page was built, offline, at a stable place
    page_path = runs_read.run_docs_path(run.id, settings)
    assert page_path == settings.site_dir / "runs" / str(run.id) / "index.html"
    page_text = page_path.read_text(encoding="utf-8")
    # in Spanish: the check as a sentence, the failing rows counted
    assert "monto está al menos 0 en el 100 % de las filas" in page_text
    assert "250 de 300 filas no cumplen" in page_text and "Filas que no cumplen: 20 de 250" in page_text
    assert "monto=-0,5" in page_text and "B2 = -0,50" in page_text  # the value in es-CL beside its RAW cell
    assert "https://" not in page_text.split("</head>")[0]  # styles and scripts are local


def test_warnings_do_not_block_and_passing_runs_publish(db_url, tmp_path, hook):
    settings = make_settings(db_url, tmp_path, "warning", hook.url)
    warned = runs.run_file("montos", csv_bytes(3), filename="montos.csv", settings=settings)
    assert warned.qa_status == "warning" and warned.qa["success"] is True
    assert len(runs_read.run_table(warned.id, "bronze", settings, publish=True).df) == 300
    passed = runs.run_file("montos", csv_bytes(0), filename="montos_ok.csv", settings=settings)
    assert passed.qa_status == "passed"
    assert runs_read.run_failures(passed.id, settings=settings)["total"] == 0
    assert not hook.bodies
