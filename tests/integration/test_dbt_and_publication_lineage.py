"""A publication in the lineage: its OpenLineage events name the gold table as dbt and BI tools do, the lineage
graph draws the gold table and, downstream of it, the spec's exposures; and the dbt export of the shipped specs
parses in a real dbt project (dbt-core + dbt-postgres, test-only dependencies)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.integration.test_publication import SPEC, approve, csv, propose, run_of  # noqa: F401
from tests.openlineage_check import check_event
from workbench.engine.app import dbt_export, lineage
from workbench.engine.core.settings import Settings
from workbench.state.lineage import column, layout

ROOT = Path(__file__).resolve().parents[2]
EXPOSURE = """
exposures:
  - name: tablero_montos
    label: Tablero de montos
    type: dashboard
    url: https://bi.example.cl/montos
    owner: {name: Finanzas, email: finanzas@example.cl}
    maturity: high
"""


def test_a_publication_reports_the_gold_table_and_its_consumers(db_url, tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "montos.yaml").write_text(SPEC.replace("SEVERITY", "error") + EXPOSURE, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, specs_dir=specs, user="tester")
    release = approve(settings, propose(settings, run_of(settings, [("01", "vigente", "10,00")])))
    assert release.status == "published"
    lines = (settings.lineage_dir / "events.ndjson").read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    for event in events:
        check_event(event)
    publish = [e for e in events if e["job"]["name"] == "workbench.montos.publish"]
    assert [e["eventType"] for e in publish] == ["START", "COMPLETE"]
    assert publish[0]["run"]["runId"] == publish[1]["run"]["runId"]
    [gold] = publish[1]["outputs"]
    if db_url.startswith("postgresql"):
        host_port = db_url.split("@", 1)[1].split("/", 1)[0]
        database = db_url.rsplit("/", 1)[1]
        assert (gold["namespace"], gold["name"]) == (f"postgres://{host_port}", f"{database}.gold.montos")
    else:
        assert gold["namespace"] == "sqlite" and gold["name"].endswith("gold.sqlite.gold.montos")
    assert [f["name"] for f in gold["facets"]["schema"]["fields"]] == ["periodo", "codigo", "medida", "monto"]
    assert {f["name"]: f["type"] for f in gold["facets"]["schema"]["fields"]}["monto"].startswith("decimal128")
    inputs = gold["facets"]["columnLineage"]["fields"]["monto"]["inputFields"]
    assert [(i["name"], i["field"]) for i in inputs] == [("montos.silver", "monto")]
    graph = lineage.lineage_graph("montos", settings=settings)
    by_key = {n["key"]: n for n in graph["nodes"]}
    table, consumer = by_key["table:gold.montos"], by_key["system:exposure:tablero_montos"]
    links = {(e["source"], e["target"]) for e in graph["edges"]}
    assert (by_key["dataset:montos:silver"]["id"], table["id"]) in links
    assert (table["id"], consumer["id"]) in links
    assert column(table) == 4 and column(consumer) == 5  # drawn after the gold table
    nodes, _ = layout(graph)
    assert any(n["data"]["label"] == "Tablero de montos (tablero)" for n in nodes)


def test_the_dbt_export_parses_in_a_dbt_project(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", specs_dir=ROOT / "specs",
                        publish_url="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    project = tmp_path / "consumer"
    written = dbt_export.dbt_export(project / "models", settings=settings)
    assert written["tables"] == ["dipres_ejecucion"] and written["exposures"] == ["tablero_ejecucion_mensual"]
    assert written["database"] == "test"
    (project / "dbt_project.yml").write_text("name: consumer\nversion: '1.0.0'\nconfig-version: 2\n"
                                             "profile: consumer\nmodel-paths: [models]\n", encoding="utf-8")
    (project / "profiles.yml").write_text(
        "consumer:\n  target: dev\n  outputs:\n    dev: {type: postgres, host: 127.0.0.1, port: 5432, user: postgres, "
        "password: '', dbname: test, schema: analytics, threads: 1}\n", encoding="utf-8")
    (project / "models" / "ejecucion_por_partida.sql").write_text(
        "select periodo, partida, medida, sum(monto) as monto\n"
        "from {{ source('workbench', 'dipres_ejecucion') }}\ngroup by 1, 2, 3\n", encoding="utf-8")
    dbt = shutil.which("dbt", path=str(Path(sys.executable).parent)) or "dbt"
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    done = subprocess.run([dbt, "parse", "--no-version-check", "--no-partial-parse", "--warn-error-options",
                           '{"error": ["MissingArgumentsPropertyInGenericTestDeprecation"]}',
                           "--profiles-dir", str(project), "--project-dir", str(project)],
                          capture_output=True, text=True, timeout=240, env=env, cwd=project)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    manifest = json.loads((project / "target" / "manifest.json").read_text(encoding="utf-8"))
    source = manifest["sources"]["source.consumer.workbench.dipres_ejecucion"]
    assert (source["database"], source["schema"], source["name"]) == ("test", "gold", "dipres_ejecucion")
    assert source["columns"]["monto"]["description"].startswith("Monto")
    exposure = manifest["exposures"]["exposure.consumer.tablero_ejecucion_mensual"]
    assert exposure["depends_on"]["nodes"] == ["source.consumer.workbench.dipres_ejecucion"]
    assert exposure["owner"]["email"] == "finanzas.publicas@example.cl"
    tests = {n["test_metadata"]["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    assert tests["accepted_values"]["test_metadata"]["kwargs"]["values"] == [
        "presupuesto_inicial", "presupuesto_vigente", "ejecucion_acumulada"]
    model = manifest["nodes"]["model.consumer.ejecucion_por_partida"]
    assert model["depends_on"]["nodes"] == ["source.consumer.workbench.dipres_ejecucion"]
