"""GET /workbench/datasets (catalogue with last runs) and /workbench/datasets/{slug}."""

from tests.api.conftest import run_now


def test_lists_every_synced_dataset_with_spec_version_and_no_run(client):
    body = client.get("/workbench/datasets").json()
    assert body["total"] == 3 and (body["limit"], body["offset"]) == (50, 0)
    assert [d["slug"] for d in body["items"]] == ["dipres_ejecucion", "dipres_ley", "dipres_programa_xlsx"]
    first = body["items"][0]
    assert first["title"].startswith("Ejecución presupuestaria") and first["spec_version"] == 1
    assert len(first["spec_hash"]) == 64 and first["updated_at"].endswith("Z")
    assert first["last_run"] is None


def test_a_finished_run_shows_as_the_last_run(client, settings):
    client.get("/workbench/datasets")  # cached before the run: the store change must invalidate it
    run = run_now(client, settings)
    item = client.get("/workbench/datasets", params={"q": "ejecucion"}).json()["items"][0]
    assert item["last_run"]["id"] == run["id"] and item["last_run"]["status"] == "succeeded"
    assert item["last_run"]["qa_status"] == run["qa_status"]
    assert item["last_run"]["row_counts"] == {"bronze": 48, "silver": 144}
    assert item["last_run"]["finished_at"] is not None
    again = client.get("/workbench/datasets").json()["items"]
    assert [d["last_run"] is not None for d in again] == [True, False, False]


def test_search_sort_and_pagination(client):
    found = client.get("/workbench/datasets", params={"q": "LEY"}).json()
    assert found["total"] == 1 and found["items"][0]["slug"] == "dipres_ley"
    page = client.get("/workbench/datasets", params={"sort": "-slug", "limit": 2, "offset": 1}).json()
    assert page["total"] == 3 and [d["slug"] for d in page["items"]] == ["dipres_ley", "dipres_ejecucion"]


def test_unknown_sort_key_is_a_422_problem(client):
    response = client.get("/workbench/datasets", params={"sort": "color"})
    assert response.status_code == 422 and response.json()["details"]["errors"][0]["location"] == ["query", "sort"]


def test_detail_has_spec_text_parameters_layers_expectations_and_recent_runs(client, settings):
    run = run_now(client, settings)
    body = client.get("/workbench/datasets/dipres_ejecucion").json()
    assert body["spec_yaml"].startswith("# yaml-language-server")
    assert body["parameters"]["anio"]["type"] == "int" and body["parameters"]["anio"]["minimum"] == 1990
    assert [layer["name"] for layer in body["layers"]] == ["bronze", "silver"]
    assert body["layers"][0]["steps"][0]["type"] == "rename"
    assert isinstance(body["expectations"], dict)
    assert [r["id"] for r in body["recent_runs"]] == [run["id"]]
    assert body["recent_runs"][0]["triggered_by"] == "tester"


def test_detail_of_a_malformed_slug_is_a_422_problem(client):
    response = client.get("/workbench/datasets/Not-A-Slug")
    assert response.status_code == 422 and response.json()["code"] == "request-invalid"


def test_admins_sync_specs_over_the_api(client, settings):
    """An admin loads a new spec without a shell; the report names what changed."""
    import shutil

    shutil.copy(settings.specs_dir / "dipres_ejecucion.yaml", settings.specs_dir / "copia_ejecucion.yaml")
    text = (settings.specs_dir / "copia_ejecucion.yaml").read_text(encoding="utf-8")
    (settings.specs_dir / "copia_ejecucion.yaml").write_text(text.replace("dipres_ejecucion", "copia_ejecucion"),
                                                            encoding="utf-8")
    report = client.post("/workbench/specs/sync")
    assert report.status_code == 200, report.text
    assert "copia_ejecucion" in report.json()["added"] and report.json()["errors"] == {}
    assert client.get("/workbench/datasets/copia_ejecucion").status_code == 200
