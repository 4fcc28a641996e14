"""The rule editor's REST API (SQLite and PostgreSQL), through HTTP only: a draft of dipres_ejecucion edited step by
step (add, preview, fix, move, undo, redo), reviewed as a diff and published, then run; a new dataset from the
example workbook (proposal, first draft, publication, a run that reconciles with the shipped spec's); roles; invalid
edits leave the draft as it was; uploads are bounded and rate-limited."""

from __future__ import annotations

import csv
import hashlib
import io
from decimal import Decimal
from pathlib import Path
from typing import get_args

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import CSV, XLSX, run_now, upload
from workbench.api.app import create_api
from workbench.api.editor_bodies import Section
from workbench.engine import api
from workbench.engine.app import accounts, runs

DIPRES = "dipres_ejecucion"
#: SQLite only: checks of the HTTP layer that no store changes (bodies, bounds, problems, rate limits), and journeys
#: whose use cases run on both stores in tests/integration/test_editor.py. The main journey and the roles run on both.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
#: The measures the new spec from the workbook keeps (the shipped spec keeps seven).
MEASURES = {"presupuesto_inicial", "presupuesto_vigente", "ejecucion_acumulada"}
#: The step the journey adds: names each row's level, with only one of its three values mapped at first.
LEVEL_NAMES = {"type": "map_categories", "column": "nivel", "target": "nivel_nombre",
               "mapping": {"subtitulo": "Subtítulo"}}


@pytest.fixture
def people(settings):
    """Clients of a viewer and an analyst (the fixture ``client`` is an admin)."""
    out = {}
    for name, role in (("vera", "viewer"), ("ana", "analyst")):
        accounts.add_user(name, f"clave-de-{name}-123", role, settings)
        token = accounts.create_token(name, "tests", settings=settings)
        out[name] = TestClient(create_api(settings), raise_server_exceptions=False,
                               headers={"authorization": f"Bearer {token}"})
    yield out
    for c in out.values():
        c.close()


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def _edit(client: TestClient, draft: dict, op: dict, status: int = 200) -> dict:
    return _ok(client.post(f"/workbench/drafts/{draft['id']}/edits", json={"op": op, "revision": draft["revision"]}),
               status)


def _types(draft: dict, layer: str = "bronze") -> list[str]:
    return [s["type"] for s in next(x for x in draft["layers"] if x["name"] == layer)["steps"]]


def test_edit_preview_publish_and_run_dipres_ejecucion_through_http(client, settings):
    first_run = run_now(client, settings)
    assert first_run["status"] == "succeeded", first_run
    draft = _ok(client.post("/workbench/drafts", json={"dataset": DIPRES}), 201)
    assert draft["yaml"] == (Path(settings.specs_dir) / f"{DIPRES}.yaml").read_text(encoding="utf-8")
    assert (draft["is_new"], draft["base_version"], draft["can_undo"]) == (False, first_run["spec_version"], False)
    assert [d["id"] for d in _ok(client.get("/workbench/drafts", params={"dataset": DIPRES}))] == [draft["id"]]
    base = _types(draft)
    assert len(base) == 10 and base[1] == "strip"

    # the sample: the file the dataset's run read
    files = _ok(client.get(f"/workbench/drafts/{draft['id']}/sample-files"))
    assert [f["sha256"] for f in files] == [first_run["inputs"][0]["sha256"]]
    draft = _ok(client.put(f"/workbench/drafts/{draft['id']}/sample",
                           json={"sha256": files[0]["sha256"], "filename": files[0]["filename"], "params": {}}))
    assert draft["sample"]["sha256"] == files[0]["sha256"]

    # add map_categories at the end of bronze and preview it: two levels are not mapped yet
    draft = _edit(client, draft, {"op": "add_step", "layer": "bronze", "step": LEVEL_NAMES})
    assert _types(draft)[-1] == "map_categories" and draft["can_undo"]
    preview = _ok(client.get(f"/workbench/drafts/{draft['id']}/preview",
                             params={"layer": "bronze", "index": 10, "rows": 1000}))
    help_ = preview["help"]
    assert preview["type"] == "map_categories" and preview["error"]["code"] == "step-failed"
    assert {u["value"] for u in help_["unmapped"]} == {"item", "asignacion"}
    counts = {v["value"]: v["count"] for v in help_["values"]}
    assert help_["coverage"] == round(100 * counts["subtitulo"] / sum(counts.values()), 1) < 100
    assert preview["steps"][10]["error"] and all(s["error"] is None for s in preview["steps"][:10])

    # map them: the step runs, every value is covered and the new column appears
    fixed = {**LEVEL_NAMES, "mapping": {"subtitulo": "Subtítulo", "item": "Ítem", "asignacion": "Asignación"}}
    draft = _edit(client, draft, {"op": "update_step", "layer": "bronze", "index": 10, "step": fixed})
    preview = _ok(client.get(f"/workbench/drafts/{draft['id']}/preview", params={"layer": "bronze", "index": 10}))
    assert preview["error"] is None and preview["help"]["unmapped"] == [] and preview["help"]["coverage"] == 100.0
    assert preview["columns_added"] == ["nivel_nombre"] and preview["rows_out"] == preview["rows_in"]
    assert preview["revision"] == draft["revision"]

    # move strip first; undo puts it back, redo moves it again
    moved = _edit(client, draft, {"op": "move_step", "layer": "bronze", "index": 1, "to": 0})
    assert _types(moved)[:2] == ["strip", "rename"]
    undone = _ok(client.post(f"/workbench/drafts/{draft['id']}/undo"))
    assert undone["yaml"] == draft["yaml"] and undone["can_redo"] and _types(undone)[:2] == ["rename", "strip"]
    redone = _ok(client.post(f"/workbench/drafts/{draft['id']}/redo"))
    assert redone["yaml"] == moved["yaml"] and not redone["can_redo"]

    # an edit made on an older revision is refused and changes nothing
    stale = client.post(f"/workbench/drafts/{draft['id']}/edits", json={
        "op": {"op": "delete_step", "layer": "bronze", "index": 0}, "revision": draft["revision"]})
    assert stale.status_code == 409 and stale.json()["code"] == "draft-conflict", stale.text
    assert "revisión" in stale.json()["message_es"]
    current = _ok(client.get(f"/workbench/drafts/{draft['id']}"))
    assert (current["revision"], current["yaml"]) == (redone["revision"], redone["yaml"])

    # the diff shows the change, the publication writes the file and makes a new version
    diff = client.get(f"/workbench/drafts/{draft['id']}/diff")
    assert diff.status_code == 200 and diff.headers["content-type"].startswith("text/plain")
    assert "+    - type: map_categories" in diff.text and "+      target: nivel_nombre" in diff.text
    assert "-    - type: strip" in diff.text and "+    - type: strip" in diff.text
    published = _ok(client.post(f"/workbench/drafts/{draft['id']}/publish", json={"revision": current["revision"]}))
    assert published["version"] == first_run["spec_version"] + 1 and published["diff"] == diff.text
    on_disk = (Path(settings.specs_dir) / f"{DIPRES}.yaml").read_text(encoding="utf-8")
    assert on_disk == current["yaml"]
    assert _ok(client.get(f"/workbench/drafts/{draft['id']}"))["status"] == "published"
    assert _ok(client.get("/workbench/drafts", params={"dataset": DIPRES})) == []
    dataset = _ok(client.get(f"/workbench/datasets/{DIPRES}"))
    assert dataset["spec_hash"] == published["spec_hash"]

    # a run registered afterwards uses the new version (same file, new spec: not reused)
    second_run = run_now(client, settings)
    assert second_run["status"] == "succeeded", second_run
    assert second_run["spec_version"] == published["version"] and second_run["id"] != first_run["id"]
    bronze = [t for t in second_run["timeline"] if t.get("layer") == "bronze"]
    assert [t.get("step") or t.get("type") for t in bronze][:2] == ["strip", "rename"]


@SQLITE_ONLY
def test_a_new_spec_from_the_example_workbook_is_proposed_drafted_published_run_and_reconciles(client, settings):
    proposal = _ok(client.post("/workbench/editor/proposal", **upload(XLSX, None)))
    assert proposal["sha256"] == hashlib.sha256(XLSX.read_bytes()).hexdigest()
    assert proposal["source"]["header"] == {"find": ["Subt.", "Ítem", "Asig."]}
    labels = {c["name"]: c["suggest"] for c in proposal["columns"]}
    assert labels["Subt."] == "key" and labels["Presupuesto Inicial"] == "measure"

    choices = {"sha256": proposal["sha256"], "filename": XLSX.name, "slug": "programa_abril",
               "title": "Programa de prueba (abril 2017)", "keys": ["Subt.", "Ítem", "Asig."],
               "measures": ["Presupuesto Inicial", "Presupuesto Vigente", "Ejecución Acumulada a Abril"],
               "names": {"Subt.": "subtitulo", "Asig.": "asignacion",
                         "Ejecución Acumulada a Abril": "ejecucion_acumulada"},
               "drop": ["Modificaciones", "Compromiso", "Devengado", "Saldo por Ejecutar", "% Ejecución"]}
    answer = client.post("/workbench/editor/from-file", json=choices)
    draft = _ok(answer, 201)
    assert answer.headers["location"] == f"/workbench/drafts/{draft['id']}"
    assert (draft["is_new"], draft["slug"], draft["sample"]["sha256"]) == (True, "programa_abril", proposal["sha256"])
    assert _types(draft, "silver") == ["melt"]
    last = len(_types(draft)) - 1
    preview = _ok(client.get(f"/workbench/drafts/{draft['id']}/preview", params={"layer": "bronze", "index": last}))
    assert preview["error"] is None and preview["columns_out"][:3] == ["subtitulo", "item", "asignacion"]
    assert "+dataset:" in client.get(f"/workbench/drafts/{draft['id']}/diff").text  # every line is new

    published = _ok(client.post(f"/workbench/drafts/{draft['id']}/publish"))
    assert published["version"] == 1 and (Path(settings.specs_dir) / "programa_abril.yaml").read_text(
        encoding="utf-8") == draft["yaml"]
    queued = client.post("/workbench/runs", **upload(XLSX, "programa_abril"))
    assert queued.status_code == 202, queued.text
    runs.execute_run(queued.json()["id"], settings=settings)
    run = _ok(client.get(f"/workbench/runs/{queued.json()['id']}"))
    assert run["status"] == "succeeded" and run["spec_version"] == 1, run
    assert run["row_counts"]["silver"] == 3 * run["row_counts"]["bronze"] > 0
    shipped = client.post("/workbench/runs", **upload(XLSX, "dipres_programa_xlsx"))
    runs.execute_run(shipped.json()["id"], settings=settings)
    made_here = _totals(client, run["id"])
    assert set(made_here) == MEASURES and made_here == _totals(client, shipped.json()["id"], only=MEASURES)

    # the slug is now taken; source options must be options
    again = client.post("/workbench/editor/from-file", json=choices)
    assert again.status_code == 422 and again.json()["code"] == "edit-invalid"
    for header, code in (("Subt.", "request-invalid"), ({"line": 7}, "spec-invalid")):
        bad = client.post("/workbench/editor/from-file", json={**choices, "slug": "otro_programa",
                                                               "source": {"format": "xlsx", "header": header}})
        assert bad.status_code == 422 and bad.json()["code"] == code, bad.text


def _totals(client: TestClient, run_id: int, only: set[str] | None = None) -> dict[str, tuple[int, Decimal]]:
    """Rows and the exact sum of ``monto`` per ``medida`` (those in ``only``) in a run's silver layer, from its CSV
    export: the new spec's run reconciles with the shipped spec's on the same workbook."""
    answer = client.get(f"/workbench/runs/{run_id}/export", params={"layer": "silver", "format": "csv"})
    assert answer.status_code == 200, answer.text
    out: dict[str, tuple[int, Decimal]] = {}
    for row in csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))):
        medida = row["medida"]
        if only is not None and medida not in only:
            continue
        rows, total = out.get(medida, (0, Decimal(0)))
        out[medida] = (rows + 1, total + Decimal(row["monto"] or 0))
    return out


def test_a_viewer_reads_drafts_but_may_not_edit_preview_or_publish(client, people):
    draft = _ok(people["ana"].post("/workbench/drafts", json={"dataset": DIPRES}), 201)
    viewer = people["vera"]
    assert _ok(viewer.get(f"/workbench/drafts/{draft['id']}"))["id"] == draft["id"]
    assert viewer.get(f"/workbench/drafts/{draft['id']}/diff").text == ""
    assert "map_categories" in {s["type"] for s in _ok(viewer.get("/workbench/editor/catalog"))["steps"]}
    refused = [
        viewer.post("/workbench/drafts", json={"dataset": DIPRES}),
        viewer.post(f"/workbench/drafts/{draft['id']}/edits",
                    json={"op": {"op": "delete_step", "layer": "bronze", "index": 0}}),
        viewer.post(f"/workbench/drafts/{draft['id']}/undo"),
        viewer.get(f"/workbench/drafts/{draft['id']}/preview"),
        viewer.post(f"/workbench/drafts/{draft['id']}/publish", json={}),
        viewer.delete(f"/workbench/drafts/{draft['id']}"),
        viewer.post("/workbench/editor/proposal", **upload(CSV, None)),
    ]
    for answer in refused:
        assert answer.status_code == 403, answer.text
        assert answer.json()["code"] == "forbidden" and "no tiene permiso" in answer.json()["message_es"]
    assert _ok(client.get(f"/workbench/drafts/{draft['id']}"))["revision"] == draft["revision"]
    # an analyst may publish (publish_specs): nothing changed, so the same text becomes the current version again
    assert _ok(people["ana"].post(f"/workbench/drafts/{draft['id']}/publish", json={}))["slug"] == DIPRES


@SQLITE_ONLY
@pytest.mark.parametrize(("op", "code"), [
    ({"op": "add_step", "layer": "bronze", "step": {"type": "map_categories", "column": "moneda", "mapping": {}}},
     "spec-invalid"),
    ({"op": "add_step", "layer": "bronze", "step": {"type": "no_such_step"}}, "spec-invalid"),
    ({"op": "update_step", "layer": "bronze", "index": 99, "step": {"type": "strip"}}, "edit-invalid"),
    ({"op": "move_step", "layer": "silver", "index": 0, "to": 7}, "edit-invalid"),
    ({"op": "set_section", "section": "dataset", "value": {"slug": "otro_nombre", "title": "x"}}, "edit-invalid"),
    ({"op": "replace_yaml", "text": "dataset: [no es un mapa"}, "spec-invalid"),
    ({"op": "add_step", "layer": "platinum", "step": {"type": "strip"}}, "request-invalid"),
    ({"op": "move_step", "layer": "bronze", "index": 0}, "request-invalid"),
    ({"op": "toggle_step", "layer": "bronze", "index": "1"}, "request-invalid"),
    ({"op": "explode"}, "request-invalid"),
    ({"op": "add_step", "layer": "bronze", "step": {"column": "x"}}, "request-invalid"),
])
def test_an_invalid_edit_is_a_422_problem_and_leaves_the_draft_unchanged(client, op, code):
    draft = _ok(client.post("/workbench/drafts", json={"dataset": DIPRES}), 201)
    answer = client.post(f"/workbench/drafts/{draft['id']}/edits", json={"op": op, "revision": draft["revision"]})
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert answer.headers["content-type"] == "application/problem+json" and problem["code"] == code, problem
    assert problem["message_es"] and problem["message_es"] != problem["detail"]
    if code == "spec-invalid" and op["op"] != "replace_yaml":
        assert problem["details"]["problems"][0]["line"] > 0
    after = _ok(client.get(f"/workbench/drafts/{draft['id']}"))
    assert (after["revision"], after["yaml"], after["can_undo"]) == (draft["revision"], draft["yaml"], False)


@SQLITE_ONLY
def test_an_empty_mapping_names_its_line_and_path(client):
    draft = _ok(client.post("/workbench/drafts", json={"dataset": DIPRES}), 201)
    bad = {"type": "map_categories", "column": "moneda", "mapping": {}}
    problem = client.post(f"/workbench/drafts/{draft['id']}/edits",
                          json={"op": {"op": "add_step", "layer": "bronze", "index": 2, "step": bad}}).json()
    where = problem["details"]["problems"][0]
    # the new step takes the old third step's place: its `- type` line, then `column`, then `mapping`
    assert where["path"] == "layers.bronze[2].mapping"
    assert where["line"] == draft["yaml"].splitlines().index("    - type: drop_rows") + 3


@SQLITE_ONLY
def test_a_step_that_needs_a_missing_column_is_named_in_its_preview(client, settings):
    run_now(client, settings)
    draft = _ok(client.post("/workbench/drafts", json={"dataset": DIPRES}), 201)
    sample = _ok(client.get(f"/workbench/drafts/{draft['id']}/sample-files"))[0]
    _ok(client.put(f"/workbench/drafts/{draft['id']}/sample", json={"sha256": sample["sha256"],
                                                                   "filename": sample["filename"]}))
    draft = _edit(client, _ok(client.get(f"/workbench/drafts/{draft['id']}")),
                  {"op": "add_step", "layer": "bronze", "index": 3, "step": {"type": "map_categories",
                   "column": "no_existe", "mapping": {"a": "b"}}})
    preview = _ok(client.get(f"/workbench/drafts/{draft['id']}/preview", params={"layer": "bronze", "index": 3}))
    assert preview["error"]["code"] == "column-not-found" and "no_existe" in preview["error"]["message_es"]
    assert preview["after"] is None and preview["steps"][4]["ran"] is False
    refused = client.post(f"/workbench/drafts/{draft['id']}/publish", json={"revision": draft["revision"]})
    assert refused.status_code == 422 and refused.json()["code"] == "draft-invalid", refused.text
    assert refused.json()["step"] == "bronze[3] map_categories"  # 0-based, as run errors name steps


@SQLITE_ONLY
def test_unknown_drafts_are_404_and_a_discarded_draft_takes_no_edits(client):
    for method, path in (("GET", ""), ("DELETE", ""), ("POST", "/undo"), ("POST", "/redo"), ("GET", "/diff"),
                         ("GET", "/preview"), ("GET", "/sample-files"), ("POST", "/publish")):
        answer = client.request(method, f"/workbench/drafts/987654{path}")
        assert answer.status_code == 404 and answer.json()["code"] == "draft-not-found", (method, path, answer.text)
        assert "borrador" in answer.json()["message_es"]
    edit = client.post("/workbench/drafts/987654/edits", json={"op": {"op": "delete_step", "layer": "bronze",
                                                                       "index": 0}})
    assert edit.status_code == 404
    assert client.post("/workbench/drafts", json={"dataset": "no_existe"}).status_code == 404
    draft = _ok(client.post("/workbench/drafts", json={"dataset": DIPRES}), 201)
    assert client.delete(f"/workbench/drafts/{draft['id']}").status_code == 204
    assert client.get(f"/workbench/drafts/{draft['id']}").status_code == 404  # gone, though the store keeps it
    assert client.delete(f"/workbench/drafts/{draft['id']}").status_code == 404
    assert client.post(f"/workbench/drafts/{draft['id']}/undo").status_code == 404
    assert _ok(client.post("/workbench/drafts", json={"dataset": DIPRES}), 201)["id"] != draft["id"]


@SQLITE_ONLY
def test_drafts_are_reused_unless_fresh_and_history_bounds_are_problems(client):
    first = _ok(client.post("/workbench/drafts", json={"dataset": DIPRES}), 201)
    assert _ok(client.post("/workbench/drafts", json={"dataset": DIPRES}), 201)["id"] == first["id"]
    fresh = _ok(client.post("/workbench/drafts", json={"dataset": DIPRES, "fresh": True}), 201)
    assert fresh["id"] != first["id"]
    nothing = client.post(f"/workbench/drafts/{first['id']}/undo")
    assert nothing.status_code == 422 and nothing.json()["message_es"] == "no hay nada que deshacer"
    no_sample = client.get(f"/workbench/drafts/{first['id']}/preview")
    assert no_sample.status_code == 422 and "muestra" in no_sample.json()["message_es"]


@SQLITE_ONLY
def test_a_sample_named_by_hash_must_be_stored(client):
    draft = _ok(client.post("/workbench/drafts", json={"dataset": DIPRES}), 201)
    missing = client.put(f"/workbench/drafts/{draft['id']}/sample", json={"sha256": "0" * 64, "filename": "a.csv"})
    assert missing.status_code == 422 and missing.json()["code"] == "edit-invalid"
    not_hex = client.put(f"/workbench/drafts/{draft['id']}/sample", json={"sha256": "Z" * 64, "filename": "a.csv"})
    assert not_hex.status_code == 422 and not_hex.json()["code"] == "request-invalid"


@SQLITE_ONLY
def test_proposals_are_multipart_uploads_bounded_in_size(client):
    assert client.post("/workbench/editor/proposal", content=b"{}",
                       headers={"content-type": "application/json"}).status_code == 415
    huge = client.post("/workbench/editor/proposal", **upload(CSV, None, data=b"a;b\n" * 20_000))
    assert huge.status_code == 413 and huge.json()["code"] == "upload-too-large"
    long_sheet = client.post("/workbench/editor/proposal", **upload(XLSX, None, sheet="x" * 256))
    assert long_sheet.status_code == 422 and long_sheet.json()["details"]["field"] == "sheet"


@SQLITE_ONLY
def test_proposals_count_against_the_upload_rate_limit(client, settings):
    limited = settings.model_copy(update={"upload_rate_per_principal": 2})
    with TestClient(create_api(limited), raise_server_exceptions=False, headers=client.headers) as two_a_minute:
        answers = [two_a_minute.post("/workbench/editor/proposal", **upload(CSV, None)) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429], answers[-1].text
    assert answers[-1].json()["code"] == "rate-limited"


@SQLITE_ONLY
def test_the_catalog_lists_every_step_and_the_sections_the_edits_name(client):
    doc = _ok(client.get("/workbench/editor/catalog"))
    assert [s["type"] for s in doc["steps"]] == [s["type"] for s in api.step_catalog()]
    assert {s["section"] for s in doc["sections"]} == set(get_args(Section))
    mapping = next(s for s in doc["steps"] if s["type"] == "map_categories")
    assert {f["name"] for f in mapping["fields"]} >= {"column", "mapping", "unmapped"}


@SQLITE_ONLY
def test_a_drifted_file_opens_as_a_draft_with_its_patch(client, settings):
    from tests.data.workbench import drift_variants as v

    assert run_now(client, settings)["status"] == "succeeded"
    renamed = v.to_csv(v.relabel(v.execution_rows(month=5), "Denominación", "Glosa"))
    sha = hashlib.sha256(renamed).hexdigest()
    with api.acting_as(api.SYSTEM):
        assert api.keep_upload(renamed, settings=settings) == sha
    body = {"dataset": DIPRES, "sha256": sha, "filename": "ejecucion_2017_05.csv"}
    draft = _ok(client.post("/workbench/editor/from-drift", json=body), 201)
    assert draft["can_undo"] and draft["sample"]["sha256"] == sha
    assert "Glosa" in client.get(f"/workbench/drafts/{draft['id']}/diff").text
    missing = client.post("/workbench/editor/from-drift", json={**body, "sha256": "0" * 64})
    assert missing.status_code == 422 and missing.json()["code"] == "edit-invalid"
