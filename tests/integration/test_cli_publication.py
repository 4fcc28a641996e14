"""The publication commands (embedded default: SQLite store and gold file): `workbench publish RUN_ID --as`,
four eyes on the command line (self-approval exit 2), `releases list|show|diff|approve|rollback --json`, and the
approvers' webhook when a release is proposed."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.integration.test_run_qa import Hook
from workbench.cli.main import cli
from workbench.engine.core.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ejecucion_2017_abril_programa.csv"


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.server.shutdown()


@pytest.fixture
def env(tmp_path, monkeypatch, hook):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WORKBENCH_SPECS_DIR", str(ROOT / "specs"))
    monkeypatch.setenv("WORKBENCH_WEBHOOK_URLS", hook.url)
    monkeypatch.setenv("WORKBENCH_WEBHOOK_RETRIES", "0")
    for name in ("WORKBENCH_DATABASE_URL", "WORKBENCH_REDIS_URL", "WORKBENCH_PUBLISH_URL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def invoke(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


def test_publish_approve_by_another_user_and_roll_back_on_the_command_line(env, hook):
    for name, role in (("ana", "analyst"), ("pablo", "publisher")):
        assert invoke("users", "add", name, "--role", role, "--password-stdin", stdin=f"clave-{name}-12345\n")\
            .exit_code == 0
    run = json.loads(invoke("run", "dipres_ejecucion", str(EXAMPLE), "-p", "anio=2017", "--json").output)
    proposed = invoke("publish", str(run["id"]), "--as", "ana", "--json")
    assert proposed.exit_code == 0, proposed.output
    release = json.loads(proposed.output)
    assert (release["status"], release["proposer"]) == ("proposed", "ana")

    self_approval = invoke("releases", "approve", str(release["id"]), "--as", "ana")
    assert self_approval.exit_code == 2  # an analyst may not approve at all
    invoke("users", "role", "ana", "publisher")
    self_approval = invoke("releases", "approve", str(release["id"]), "--as", "ana", "--json")
    assert self_approval.exit_code == 2 and json.loads(self_approval.output)["error"]["code"] == "self-approval"
    operator = invoke("publish", str(run["id"]), "--json")  # the local operator (system) amends it ...
    assert json.loads(operator.output)["proposer"] == "system"
    assert invoke("releases", "approve", str(release["id"])).exit_code == 2  # ... and can't approve it either

    diff = json.loads(invoke("releases", "diff", str(release["id"]), "--limit", "2", "--json").output)
    assert diff["counts"]["added"] == 72 and len(diff["added"]) == 2
    approved = invoke("releases", "approve", str(release["id"]), "--as", "pablo", "--hash", diff["content_hash"])
    assert approved.exit_code == 0 and "published" in approved.output
    gold = sqlite3.connect(env / "data" / "gold.sqlite")
    assert gold.execute("SELECT count(*) FROM dipres_ejecucion").fetchone()[0] == 72
    listed = json.loads(invoke("releases", "list", "--json").output)
    assert [(r["id"], r["approver"]) for r in listed] == [(release["id"], "pablo")]

    rolled = invoke("releases", "rollback", str(release["id"]), "--as", "pablo", "--reason", "prueba")
    assert rolled.exit_code == 0 and "rolled back in" in rolled.output
    assert gold.execute("SELECT count(*) FROM dipres_ejecucion").fetchone()[0] == 0
    shown = invoke("releases", "show", str(release["id"]))
    assert "rolled_back by pablo: prueba" in shown.output and "approved by pablo" in shown.output
    deadline = time.monotonic() + 10  # webhooks are delivered in the background
    while not any(b["event"] == "release.proposed" and b["release_id"] == release["id"] and b["proposer"] == "ana"
                  for b in hook.bodies):
        assert time.monotonic() < deadline, hook.bodies
        time.sleep(0.1)
