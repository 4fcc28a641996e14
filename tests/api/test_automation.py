"""/workbench/automation: the automated datasets, pause/resume, run now, the inbox and triggers."""

from __future__ import annotations

import shutil

from tests.api.conftest import CSV

def test_overview_pause_resume_run_now_and_inbox(client, settings):
    """The bundled dipres_ejecucion spec is automated: an inbox and a weekday 07:00 Santiago schedule."""
    (settings.incoming / "dipres_ejecucion").mkdir(parents=True)
    shutil.copy(CSV, settings.incoming / "dipres_ejecucion" / "ejecucion_2017_abril.csv")
    body = client.get("/workbench/automation").json()
    (only,) = body["schedules"]
    assert only["dataset"] == "dipres_ejecucion" and only["timezone"] == "America/Santiago"
    assert len(only["next_fires"]) == 5 and only["paused"] is False and body["leader"] is None
    assert only["inbox"] == "incoming/dipres_ejecucion"
    assert client.post("/workbench/automation/dipres_ejecucion/pause").json()["paused"] is True
    assert client.get("/workbench/automation").json()["schedules"][0]["paused"] is True
    assert client.post("/workbench/automation/dipres_ejecucion/resume").json()["paused"] is False
    started = client.post("/workbench/automation/dipres_ejecucion/run-now")
    assert started.status_code == 202 and started.json()["kind"] == "manual"
    assert started.json()["status"] == "pending"
    (listed,) = client.get("/workbench/automation/triggers", params={"dataset": "dipres_ejecucion"}).json()
    assert listed["key"] == started.json()["key"]
    inbox = client.get("/workbench/automation/dipres_ejecucion/inbox").json()
    assert [(f["name"], f["status"]) for f in inbox["files"]] == [("ejecucion_2017_abril.csv", "waiting")]


def test_a_dataset_without_automation_is_404_and_bad_slugs_422(client, settings):
    missing = client.post("/workbench/automation/dipres_ley/pause")
    assert missing.status_code == 404 and missing.json()["code"] == "automation-not-found"
    assert client.get("/workbench/automation/Bad-Slug/inbox").status_code == 422
    assert client.get("/workbench/automation/triggers", params={"limit": 1000}).status_code == 422


def test_viewers_read_but_may_not_pause_or_run(settings):
    from fastapi.testclient import TestClient

    from workbench.api.app import create_api
    from workbench.engine.app import accounts

    accounts.add_user("lectora", "clave-de-lectura-123", "viewer", settings)
    secret = accounts.create_token("lectora", "read only", settings=settings)
    with TestClient(create_api(settings), headers={"Authorization": f"Bearer {secret}"}) as viewer:
        assert viewer.get("/workbench/automation").status_code == 200
        assert viewer.post("/workbench/automation/dipres_ejecucion/pause").status_code == 403
        assert viewer.post("/workbench/automation/dipres_ejecucion/run-now").status_code == 403
