"""The releases API (SQLite and PostgreSQL): propose, four eyes (403 for self-approval, 409 for a stale
content hash), diff, approve and publish, snapshots, rollback, changelog feeds."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import CSV
from workbench.api.app import create_api
from workbench.engine.app import access, accounts, datasets, runs


@pytest.fixture
def people(settings):
    datasets.sync_specs(settings)
    out = {}
    for name, role in (("alice", "publisher"), ("bob", "publisher"), ("carol", "viewer")):
        accounts.add_user(name, f"clave-de-{name}-123", role, settings)
        token = accounts.create_token(name, "tests", settings=settings)
        out[name] = TestClient(create_api(settings), raise_server_exceptions=False,
                               headers={"authorization": f"Bearer {token}"})
    yield out
    for c in out.values():
        c.close()


def test_propose_review_approve_publish_and_roll_back(settings, people):
    with access.acting_as(access.Principal("alice", "publisher")):
        run = runs.run_file("dipres_ejecucion", CSV.read_bytes(), filename=CSV.name, params={"anio": 2017},
                            settings=settings)
    assert run.qa_status == "passed"
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    assert carol.post("/workbench/releases", json={"run_id": run.id}).status_code == 403
    answer = alice.post("/workbench/releases", json={"run_id": run.id})
    assert answer.status_code == 201, answer.text
    release = answer.json()
    assert (release["status"], release["proposer"]) == ("proposed", "alice")
    diff = bob.get(f"/workbench/releases/{release['id']}/diff", params={"limit": 5}).json()
    assert diff["counts"]["added"] == release["row_counts"]["rows"] and len(diff["added"]) == 5
    assert diff["content_hash"] == release["content_hash"] and diff["control_totals"]

    own = alice.post(f"/workbench/releases/{release['id']}/approve", json={"content_hash": release["content_hash"]})
    assert own.status_code == 403 and own.json()["code"] == "self-approval"
    stale = bob.post(f"/workbench/releases/{release['id']}/approve", json={"content_hash": "0" * 64})
    assert stale.status_code == 409 and stale.json()["code"] == "approval-void"
    done = bob.post(f"/workbench/releases/{release['id']}/approve", json={"content_hash": release["content_hash"]})
    assert done.status_code == 200 and (done.json()["status"], done.json()["approver"]) == ("published", "bob")

    csv = bob.get(f"/workbench/releases/{release['id']}/snapshot", params={"format": "csv"})
    assert csv.status_code == 200 and int(csv.headers["x-row-count"]) == release["row_counts"]["rows"]
    assert hashlib.sha256(csv.content).hexdigest() == release["snapshot"]["csv"]["sha256"]

    feed = carol.get("/workbench/datasets/dipres_ejecucion/changelog.json").json()
    assert [(r["release_id"], r["approver"]) for r in feed["releases"]] == [(release["id"], "bob")]
    atom = carol.get("/workbench/datasets/dipres_ejecucion/changelog.atom")
    assert atom.headers["content-type"].startswith("application/atom+xml") and "<entry>" in atom.text

    assert bob.post(f"/workbench/releases/{release['id']}/rollback", json={"reason": "prueba"}).json()["status"] \
        == "rolled_back"
    detail = carol.get(f"/workbench/releases/{release['id']}").json()
    assert [e["action"] for e in detail["events"]] == ["proposed", "approved", "published", "rolled_back"]
    assert detail["table"] == "gold.dipres_ejecucion"


def test_a_rejection_needs_a_reason_and_feeds_need_sign_in_unless_public(settings, people, anonymous):
    with access.acting_as(access.Principal("alice", "publisher")):
        run = runs.run_file("dipres_ejecucion", CSV.read_bytes(), filename=CSV.name, params={"anio": 2017},
                            settings=settings)
    release = people["alice"].post("/workbench/releases", json={"run_id": run.id}).json()
    empty = people["bob"].post(f"/workbench/releases/{release['id']}/reject", json={"reason": " "})
    assert empty.status_code == 422 and empty.json()["code"] == "reason-required"
    assert people["bob"].post(f"/workbench/releases/{release['id']}/reject",
                              json={"reason": "faltan meses"}).json()["status"] == "rejected"
    assert anonymous.get("/workbench/datasets/dipres_ejecucion/changelog.json").status_code == 401
    public = settings.model_copy(update={"public_changelog": True})
    with TestClient(create_api(public), raise_server_exceptions=False) as outsider:
        assert outsider.get("/workbench/datasets/dipres_ejecucion/changelog.json").json()["releases"] == []
