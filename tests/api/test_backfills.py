"""/workbench/backfills: start over a server-side folder, follow, cancel, resume."""

import shutil

from tests.api.conftest import CSV, HTML
from workbench.engine.app import runs


def test_start_status_cancel(client, settings):
    folder = settings.incoming / "abril"
    folder.mkdir(parents=True)
    shutil.copy(CSV, folder / "ejecucion_2017_abril.csv")
    shutil.copy(CSV, folder / "ejecucion_2016_abril.csv")
    response = client.post("/workbench/backfills", json={"dataset": "dipres_ejecucion", "files": str(folder)})
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["total"] == 2 and started["progress"]["queued"] == 2 and started["triggered_by"] == "tester"
    assert response.headers["location"] == f"/workbench/backfills/{started['id']}"
    assert client.get(response.headers["location"]).json()["status"] == "running"
    cancelled = client.post(f"/workbench/backfills/{started['id']}/cancel").json()
    assert cancelled["status"] == "cancelled" and cancelled["progress"]["cancelled"] == 2


def test_resume_requeues_only_failed_files(client, settings):
    folder = settings.incoming
    folder.mkdir(parents=True)
    shutil.copy(CSV, folder / "ejecucion_2017_abril.csv")
    shutil.copy(HTML, folder / "pagina_2017.csv")
    started = client.post("/workbench/backfills", json={"dataset": "dipres_ejecucion", "files": str(folder),
                                                        "param_from_filename": r"(?P<anio>\d{4})"}).json()
    for run in client.get("/workbench/runs", params={"status": "queued"}).json()["items"]:
        runs.execute_run(run["id"], settings=settings)
    done = client.get(f"/workbench/backfills/{started['id']}").json()
    assert done["status"] == "finished" and done["progress"]["failed"] == 1 and done["progress"]["succeeded"] == 1
    resumed = client.post(f"/workbench/backfills/{started['id']}/resume").json()
    assert resumed["status"] == "running" and resumed["progress"]["queued"] == 1


def test_backfill_errors(client, settings):
    inbox = settings.incoming
    inbox.mkdir(parents=True)
    missing = client.post("/workbench/backfills", json={"dataset": "dipres_ejecucion", "files": str(inbox / "x*")})
    assert missing.status_code == 422 and missing.json()["code"] == "backfill-no-files"
    shutil.copy(CSV, inbox / "a.csv")
    unknown = client.post("/workbench/backfills", json={"dataset": "no_such", "files": str(inbox / "a.csv")})
    assert unknown.status_code == 404
    bad_regex = client.post("/workbench/backfills", json={"dataset": "dipres_ejecucion", "files": str(inbox),
                                                          "param_from_filename": "(unclosed"})
    assert bad_regex.status_code == 422 and bad_regex.json()["code"] == "parameter-invalid"
    wrong_type = client.post("/workbench/backfills", json={"dataset": "dipres_ejecucion", "files": 3, "force": "maybe"})
    assert wrong_type.status_code == 422 and wrong_type.json()["code"] == "request-invalid"
    assert client.get("/workbench/backfills/999").status_code == 404
    assert client.post("/workbench/backfills/999/cancel").json()["code"] == "backfill-not-found"


def test_backfills_read_only_the_incoming_folder_and_examples(client, settings, tmp_path):
    """Even an admin's API backfill cannot turn the store's own files (database, admin secret, other uploads)
    or any other server file into a downloadable RAW file."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "admin_secret").write_text("s3cr3t")
    shutil.copy(CSV, tmp_path / "fuera.csv")
    import time

    for files in (str(settings.data_dir), str(settings.data_dir / "*"), str(tmp_path / "fuera.csv"), "/etc/passwd",
                  str(settings.incoming / ".." / "admin_secret"), "../../../etc/hostname", "/etc/pass*",
                  "/root/.ssh/*", "/usr/**/zz*", "examples/../../../etc/*", str(settings.incoming / "*" / ".." / "*")):
        started = time.monotonic()
        refused = client.post("/workbench/backfills", json={"dataset": "dipres_ejecucion", "files": files})
        assert time.monotonic() - started < 2, files  # refused before anything outside is listed
        assert refused.status_code == 403, (files, refused.text)
        body = refused.json()
        assert body["code"] == "backfill-path", files
        assert "passwd" not in body["message_es"] and "id_rsa" not in body["message_es"]  # no file-name oracle
    (settings.incoming).mkdir(parents=True)
    (settings.incoming / "enlace.csv").symlink_to(settings.data_dir / "admin_secret")
    linked = client.post("/workbench/backfills", json={"dataset": "dipres_ejecucion", "files": str(settings.incoming)})
    assert linked.status_code == 403 and linked.json()["code"] == "backfill-path"
    assert "fuera de las carpetas permitidas" in linked.json()["message_es"]
    examples = client.post("/workbench/backfills", json={"dataset": "dipres_ejecucion", "files": "examples/*.csv",
                                                         "params": {"anio": 2017}})
    assert examples.status_code == 202, examples.text
