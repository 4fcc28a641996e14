"""Layout drift against stored runs: every successful run keeps its layout fingerprint, `drift_report` compares a
new file with the last ones, `workbench drift` prints it (exit 4 on breaking drift) and `--write` puts the
proposed spec beside the spec, never over it; running the proposed spec on the new file succeeds and passes QA."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.data.workbench import drift_variants as v
from workbench.cli.main import cli
from workbench.engine.app import drift, runs, runs_read
from workbench.engine.core.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(db_url, tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(ROOT / "specs" / "dipres_ejecucion.yaml", specs / "dipres_ejecucion.yaml")
    return Settings(data_dir=tmp_path / "data", database_url=db_url, specs_dir=specs, user="tester")


def renamed_file() -> bytes:
    return v.to_csv(v.relabel(v.execution_rows(month=5), "Denominación", "Glosa"))


def test_a_successful_run_stores_its_layout_and_the_next_file_is_compared_with_it(settings):
    run = runs.run_file("dipres_ejecucion", v.base_execution(), filename="ejecucion_2017_04.csv", settings=settings)
    layout = runs_read.get_run(run.id, settings).outputs["layout"]
    assert layout["header_row"] == 1 and layout["column_count"] == 11 and layout["footer"] == ["RESULTADO"]
    report = drift.drift_report("dipres_ejecucion", renamed_file(), "ejecucion_2017_05.csv", settings=settings)
    assert report.breaking and report.baseline["runs"] == 1
    assert [c.kind for c in report.changes] == ["renamed", "period_changed"]
    assert report.patch is not None and report.patch.verified
    unchanged = v.to_csv(v.execution_rows(("06", "01", "01"), month=6, seed=3))
    assert drift.drift_report("dipres_ejecucion", unchanged, "ejecucion_2017_06.csv", settings=settings).status == \
        "unchanged"


def test_a_failed_run_stores_no_layout_and_is_not_a_baseline(settings):
    broken = runs.run_file("dipres_ejecucion", renamed_file(), filename="ejecucion_2017_05.csv", settings=settings)
    assert broken.status == "failed"
    assert drift.layout_history("dipres_ejecucion", settings) == ([], None)


def test_the_cli_prints_the_report_writes_the_proposal_and_the_proposal_runs(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("WORKBENCH_SPECS_DIR", str(settings.specs_dir))
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", settings.database_url)
    monkeypatch.delenv("WORKBENCH_REDIS_URL", raising=False)
    base, new = tmp_path / "ejecucion_2017_04.csv", tmp_path / "ejecucion_2017_05.csv"
    base.write_bytes(v.base_execution())
    new.write_bytes(renamed_file())
    spec = settings.specs_dir / "dipres_ejecucion.yaml"
    before = spec.read_text(encoding="utf-8")
    get_settings.cache_clear()
    try:
        invoke = CliRunner().invoke
        assert invoke(cli, ["run", "dipres_ejecucion", str(base)], catch_exceptions=False).exit_code == 0
        clean = invoke(cli, ["drift", "dipres_ejecucion", str(base)], catch_exceptions=False)
        shown = invoke(cli, ["drift", "dipres_ejecucion", str(new)], catch_exceptions=False)
        as_json = invoke(cli, ["drift", "dipres_ejecucion", str(new), "--json", "--write"], catch_exceptions=False)
        proposed = spec.with_name("dipres_ejecucion.yaml.proposed")
        elsewhere = invoke(cli, ["drift", "dipres_ejecucion", str(new), "--write", "--out", str(spec)],
                           catch_exceptions=False)
    finally:
        get_settings.cache_clear()
    assert clean.exit_code == 0 and clean.output.startswith("no drift")
    assert shown.exit_code == 4
    assert "renamed: column H renamed: 'Denominación' -> 'Glosa'" in shown.output
    assert "+      mapping: {Glosa: Denominación}" in shown.output
    doc = json.loads(as_json.output)
    assert as_json.exit_code == 4 and doc["status"] == "breaking" and doc["written"] == str(proposed)
    assert proposed.read_text(encoding="utf-8") == doc["patch"]["yaml"]
    assert elsewhere.exit_code == 2 and "is the spec itself" in elsewhere.output
    assert spec.read_text(encoding="utf-8") == before  # never applied by itself
    shutil.copy(proposed, spec)  # a person accepts the proposal
    accepted = runs.run_file("dipres_ejecucion", new.read_bytes(), filename=new.name, settings=settings)
    assert accepted.status == "succeeded" and accepted.qa_status == "passed"
