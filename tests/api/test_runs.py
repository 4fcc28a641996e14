"""/workbench/runs: queue (202 + Location), a real worker executes, list/show, export in three formats."""

import io
import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

import pandas as pd
from openpyxl import load_workbook

from tests.api.conftest import CSV, ROOT, run_now, upload
from tests.integration.test_jobs import env_of
from workbench.engine.app import runs
from workbench.engine.core.export import write_xlsx
from workbench.engine.store import runs as run_store
from workbench.engine.store.db import session_scope
from workbench.engine.core.statuses import RUN_STAGES
from workbench.state.run_views import error as run_error


def test_a_queued_run_is_executed_by_a_burst_worker_then_visible(client, settings):
    response = client.post("/workbench/runs", **upload(CSV))
    assert client.get("/workbench/datasets").json()["items"][0]["last_run"]["status"] == "queued"  # now cached
    assert response.status_code == 202, response.text
    run = response.json()
    assert run["status"] == "queued" and run["triggered_by"] == "tester"
    assert response.headers["location"] == f"/workbench/runs/{run['id']}"
    worker = subprocess.run([sys.executable, "-m", "workbench.cli", "worker", "--burst", "--queues=runs"],
                            env=env_of(settings), cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert worker.returncode == 0, worker.stderr
    final = client.get(response.headers["location"]).json()
    assert final["status"] == "succeeded" and final["row_counts"] == {"bronze": 48, "silver": 144}
    listed = client.get("/workbench/runs", params={"dataset": "dipres_ejecucion", "status": "succeeded"}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == run["id"]
    # the worker's commits (another process) invalidate this process's cached dataset list
    assert client.get("/workbench/datasets").json()["items"][0]["last_run"]["status"] == "succeeded"


def test_the_same_file_again_reuses_the_run_unless_forced(client, settings):
    first = run_now(client, settings)
    again = client.post("/workbench/runs", **upload(CSV))
    assert again.status_code == 200 and again.json()["reused"] is True and again.json()["id"] == first["id"]
    forced = client.post("/workbench/runs", **upload(CSV, force="true"))
    assert forced.status_code == 202 and forced.json()["id"] != first["id"]


def test_bad_parameters_are_a_422_problem_naming_the_kept_run(client):
    response = client.post("/workbench/runs", **upload(CSV, params='{"anio": "dos mil"}'))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "parameter-invalid" and body["run_id"] >= 1 and "no es un número" in body["message_es"]
    assert client.get(f"/workbench/runs/{body['run_id']}").json()["status"] == "failed"


def test_a_run_refused_for_a_missing_parameter_tells_the_web_the_form_field_not_the_cli_flag(client):
    """12.10: the run page of such a run said "indíquelo (por ejemplo --param anio=...)"."""
    response = client.post("/workbench/runs", **upload(CSV.with_name("ejecucion_abril.csv"), data=CSV.read_bytes()))
    assert response.status_code == 422 and response.json()["code"] == "parameter-invalid"
    assert "--param anio=..." in response.json()["detail"]  # the English text keeps the command line's words
    record = client.get(f"/workbench/runs/{response.json()['run_id']}").json()
    shown = run_error(SimpleNamespace(**record))["message"]  # what /ejecuciones/{id} shows
    assert shown == ("parámetro 'anio': es obligatorio; escriba su valor en el campo «anio» del formulario o use un "
                     "nombre de archivo que lo contenga")


def test_run_without_dataset_or_of_unknown_dataset(client):
    assert client.post("/workbench/runs", **upload(CSV, None)).json()["code"] == "upload-invalid"
    assert client.post("/workbench/runs", **upload(CSV, "no_such")).status_code == 404


def test_list_filters_pagination_and_total(client, settings):
    run_now(client, settings)
    run_now(client, settings, force="true")
    client.post("/workbench/runs", **upload(CSV, params='{"anio": "x"}'))
    everything = client.get("/workbench/runs", params={"limit": 2}).json()
    assert everything["total"] == 3 and len(everything["items"]) == 2
    assert everything["items"][0]["id"] > everything["items"][1]["id"]
    assert client.get("/workbench/runs", params={"status": "failed"}).json()["total"] == 1
    assert client.get("/workbench/runs", params={"since": "2000-01-01", "until": "2000-12-31"}).json()["total"] == 0
    assert client.get("/workbench/runs", params={"since": "2000-01-01T00:00:00"}).json()["total"] == 3
    assert client.get("/workbench/runs", params={"status": "exploded"}).status_code == 422
    assert client.get("/workbench/runs", params={"since": "yesterday"}).status_code == 422


def test_unknown_run_is_404_and_a_non_numeric_id_is_422(client):
    body = client.get("/workbench/runs/999").json()
    assert (body["status"], body["code"], body["message_es"]) == (404, "run-not-found", "no existe la ejecución 999")
    assert client.get("/workbench/runs/abc").status_code == 422


def _formula_csv() -> bytes:
    return CSV.read_bytes().replace(b"Del Gobierno Central", b"=SUM(A1:A9)").replace(
        b"Subsecretar\xeda de Hacienda", b"@cmd")


def test_export_csv_parquet_and_xlsx_with_formulas_neutralised(client, settings):
    run = run_now(client, settings, CSV)
    formula = client.post("/workbench/runs", **upload(CSV, data=_formula_csv()))
    runs.execute_run(formula.json()["id"], settings=settings)
    base = f"/workbench/runs/{formula.json()['id']}/export"

    csv = client.get(base, params={"format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert 'attachment; filename="dipres_ejecucion-run' in csv.headers["content-disposition"]
    frame = pd.read_csv(io.BytesIO(csv.content), dtype=str)
    assert "'=SUM(A1:A9)" in set(frame["denominacion"]) and "'@cmd" in set(frame["denominacion"])

    parquet = client.get(base, params={"format": "parquet", "layer": "bronze"})
    table = pd.read_parquet(io.BytesIO(parquet.content))
    assert len(table) == 48 and "=SUM(A1:A9)" in set(table["denominacion"])  # data, not a spreadsheet

    xlsx = client.get(base, params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True)["silver"]
    rows = list(sheet.values)
    header = list(rows[0])
    names = {r[header.index("denominacion")] for r in rows[1:]}
    assert "'=SUM(A1:A9)" in names and "'@cmd" in names and len(rows) == 145
    assert not any(isinstance(v, str) and v.startswith("=") for r in rows for v in r)
    assert client.get(f"/workbench/runs/{run['id']}/export", params={"format": "xlsx"}).status_code == 200


def test_export_is_blocked_when_qa_failed(client, settings):
    run = run_now(client, settings)
    with session_scope(settings.db_url) as session:
        run_store.update_run(run["id"], session=session, qa_status="failed")
    response = client.get(f"/workbench/runs/{run['id']}/export")
    assert response.status_code == 409 and response.json()["code"] == "qa-failed"
    assert "calidad" in response.json()["message_es"]


def test_export_of_bad_format_layer_or_unfinished_run(client, settings):
    run = run_now(client, settings)
    assert client.get(f"/workbench/runs/{run['id']}/export", params={"format": "pdf"}).status_code == 422
    assert client.get(f"/workbench/runs/{run['id']}/export", params={"layer": "gold"}).json()["code"] == "run-output-missing"
    queued = client.post("/workbench/runs", **upload(CSV, force="true")).json()
    assert client.get(f"/workbench/runs/{queued['id']}/export").status_code == 409
    assert client.get("/workbench/runs/999/export").status_code == 404


def test_xlsx_cells_keep_their_types(tmp_path):
    frame = pd.DataFrame({"texto": pd.array(["=1+1", "+56 9", "ok", None], dtype="str"),
                          "monto": [Decimal("1.5"), Decimal("-2"), None, Decimal("0.001")],
                          "fecha": [datetime(2017, 4, 30, 12, tzinfo=timezone.utc)] * 4})
    path = write_xlsx(frame, tmp_path / "x.xlsx", sheet="silver")
    rows = list(load_workbook(path)["silver"].values)
    assert rows[0] == ("texto", "monto", "fecha")
    assert [r[0] for r in rows[1:]] == ["'=1+1", "'+56 9", "ok", None]
    assert rows[1][1] == 1.5 and rows[2][1] == -2 and rows[3][1] is None and rows[4][1] == 0.001
    assert rows[1][2] == datetime(2017, 4, 30, 12)


def test_a_run_takes_the_sheet_chosen_in_the_form(client, settings):
    """``sheet`` (name or 0-based index) goes with the run's input; a run on another sheet is not a reuse."""
    book = ROOT / "tests" / "data" / "workbench" / "readers" / "programa_con_notas.xlsx"
    by_name = run_now(client, settings, book, dataset="dipres_programa_xlsx", sheet="Reporte (2)",
                      params='{"anio": "2017"}')
    assert by_name["status"] == "succeeded", by_name["error"]
    assert by_name["inputs"][0]["sheet"] == "Reporte (2)"
    by_index = run_now(client, settings, book, dataset="dipres_programa_xlsx", sheet="0",
                       params='{"anio": "2017"}')  # "Notas": no header
    assert by_index["inputs"][0]["sheet"] == 0
    assert by_index["status"] == "failed" and by_index["error"]["code"] == "header-not-found"


def test_a_run_s_json_has_its_stage_breakdown(client, settings):
    final = run_now(client, settings)
    assert set(RUN_STAGES) <= set(final["timings_ms"])
    assert final["timings_ms"]["steps"] > 0 and final["timings_ms"]["docs"] > 0
