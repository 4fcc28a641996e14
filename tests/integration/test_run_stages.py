"""A run's stage breakdown: measured, stored with the run (every stage, Data Docs and events included), returned
by the API and printed by `workbench runs show`; a run's page shows it in Spanish."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli.main import cli
from workbench.engine.app import runs, runs_read
from workbench.engine.core.settings import Settings, get_settings
from workbench.state.run_views import stages
from workbench.engine.core.statuses import RUN_STAGES

ROOT = Path(__file__).resolve().parents[2]
CSV = ROOT / "tests" / "data" / "workbench" / "ejecucion_2017_abril_pesos.csv"


@pytest.fixture
def settings(db_url, tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(ROOT / "specs" / "dipres_ejecucion.yaml", specs / "dipres_ejecucion.yaml")
    return Settings(data_dir=tmp_path / "data", database_url=db_url, specs_dir=specs, user="tester")


def test_every_stage_is_stored_with_the_run(settings):
    result = runs.run_file("dipres_ejecucion", CSV.read_bytes(), filename=CSV.name, settings=settings)
    stored = runs_read.get_run(result.id, settings).timings_ms
    assert set(RUN_STAGES) <= set(stored)
    assert stored == result.timings_ms  # what execute_run returns is what the store holds
    assert all(isinstance(stored[s], float) and stored[s] >= 0 for s in RUN_STAGES)
    assert stored["steps"] > 0 and stored["outputs"] > 0 and stored["store"] > 0 and stored["docs"] > 0
    assert stored["run_total"] >= stored["read"] + stored["steps"] + stored["qa"] + stored["outputs"]
    assert (settings.site_dir / "runs" / str(result.id) / "index.html").is_file()  # the Data Docs stage built it


def test_the_run_page_names_each_stage_in_spanish_in_order(settings):
    result = runs.run_file("dipres_ejecucion", CSV.read_bytes(), filename=CSV.name, settings=settings)
    text = stages(runs_read.get_run(result.id, settings).timings_ms)
    labels = [part.rsplit(" ", 2)[0] for part in text.split(" · ")]
    assert labels == ["lectura", "encabezado", "pasos", "calidad", "tablas Parquet", "registro", "linaje",
                      "Data Docs", "eventos", "alertas"]
    assert all(part.endswith(" ms") for part in text.split(" · "))


def test_runs_show_prints_the_stages(tmp_path, monkeypatch):
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(ROOT / "specs" / "dipres_ejecucion.yaml", specs / "dipres_ejecucion.yaml")
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WORKBENCH_SPECS_DIR", str(specs))
    monkeypatch.delenv("WORKBENCH_DATABASE_URL", raising=False)
    monkeypatch.delenv("WORKBENCH_REDIS_URL", raising=False)
    get_settings.cache_clear()
    try:
        cli_run = CliRunner().invoke(cli, ["run", "dipres_ejecucion", str(CSV), "--json"], catch_exceptions=False)
        run_id = json.loads(cli_run.output)["id"]
        shown = CliRunner().invoke(cli, ["runs", "show", str(run_id)], catch_exceptions=False).output
    finally:
        get_settings.cache_clear()
    line = next(line for line in shown.splitlines() if line.startswith("stages: "))
    assert [part.split(" ")[0] for part in line.removeprefix("stages: ").split(" · ")] == list(RUN_STAGES)
