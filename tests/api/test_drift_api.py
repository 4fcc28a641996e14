"""POST /workbench/drift: the drift report of an upload against a dataset's spec and its last successful runs."""

from tests.api.conftest import CSV, run_now, upload
from tests.data.workbench import drift_variants as v


def test_an_unchanged_file_reports_no_drift_and_a_renamed_column_is_breaking_with_a_patch(client, settings):
    assert run_now(client, settings)["status"] == "succeeded"
    same = client.post("/workbench/drift", **upload(CSV))
    assert same.status_code == 200, same.text
    assert same.json()["status"] == "unchanged" and same.json()["baseline"]["runs"] == 1
    renamed = v.to_csv(v.relabel([line.split(";") for line in CSV.read_text("latin-1").splitlines()],
                                 "Presupuesto Inicial", "Presupuesto Inicial Ley"))
    doc = client.post("/workbench/drift", **upload(CSV, data=renamed)).json()
    assert doc["status"] == "breaking" and doc["breaking"] is True
    change = doc["changes"][0]
    assert change["kind"] == "renamed" and change["severity"] == "breaking" and change["fixable"] is True
    assert "cambió de nombre: 'Presupuesto Inicial' -> 'Presupuesto Inicial Ley'" in change["message_es"]
    assert doc["patch"]["verified"] is True and "+      mapping: {Presupuesto Inicial Ley: Presupuesto Inicial}" \
        in doc["patch"]["diff"]


def test_the_dataset_is_required_and_an_unknown_one_is_a_404(client):
    missing = client.post("/workbench/drift", **upload(CSV, None))
    assert missing.status_code == 422 and missing.json()["code"] == "upload-invalid"
    assert client.post("/workbench/drift", **upload(CSV, "no_existe")).status_code == 404


def test_a_viewer_may_not_ask(anonymous):
    assert anonymous.post("/workbench/drift", **upload(CSV)).status_code == 401
