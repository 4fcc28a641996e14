"""The `workbench` command: output shapes, exit codes, and one clear message per user error."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from workbench.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "workbench"
SPECS = ["--specs-dir", str(ROOT / "specs")]


@pytest.fixture
def runner():
    return CliRunner()


def test_specs_check_all_valid(runner):
    result = runner.invoke(cli, [*SPECS, "specs", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.count("✓") == len(list((ROOT / "specs").glob("*.yaml")))


def test_specs_check_reports_line_and_exits_2(runner, tmp_path):
    bad = tmp_path / "roto.yaml"
    bad.write_text("dataset: {slug: roto, title: R}\nlayers:\n  bronze:\n    - type: melt\n      valor: x\n")
    result = runner.invoke(cli, ["specs", "check", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:5 layers.bronze[0].valor: unknown key" in result.output


def test_specs_list_json(runner):
    result = runner.invoke(cli, [*SPECS, "specs", "list", "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert {s["slug"] for s in doc["specs"]} >= {"dipres_ejecucion", "dipres_ley", "dipres_programa_xlsx"}
    assert doc["errors"] == {}


def test_specs_schema_is_json_schema_with_every_step(runner):
    result = runner.invoke(cli, ["specs", "schema"])
    schema = json.loads(result.output)
    assert schema["title"] == "Data Workbench dataset spec"
    text = result.output
    for step in ("melt", "type_cast", "map_categories", "derive", "hierarchy_level"):
        assert f'"const": "{step}"' in text


def test_committed_schema_is_current(runner):
    result = runner.invoke(cli, ["specs", "schema"])
    assert (ROOT / "docs" / "spec.schema.json").read_text(encoding="utf-8") == result.output, \
        "run: workbench specs schema --out docs/spec.schema.json"


def test_preview_json_document(runner):
    result = runner.invoke(cli, [*SPECS, "preview", "dipres_ejecucion", str(DATA / "ejecucion_2017_abril_pesos.csv"),
                                 "--json", "--rows", "3"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert set(doc) >= {"dataset", "source", "raw", "timeline", "layers", "warnings", "warnings_es", "control_totals"}
    assert set(doc["source"]) >= {"sha256", "format", "encoding", "delimiter", "sheet", "bytes"}
    assert doc["source"]["format"] == "csv" and len(doc["source"]["sha256"]) == 64
    assert doc["raw"]["row_count"] == 50 and len(doc["raw"]["sample"]) == 3
    assert doc["layers"]["bronze"]["row_count"] == 48
    assert doc["layers"]["silver"]["row_count"] == 144
    assert doc["layers"]["silver"]["sample"][0]["partida"] == "50"


def test_preview_human_output(runner):
    result = runner.invoke(cli, [*SPECS, "preview", "dipres_ejecucion", str(DATA / "ejecucion_2017_abril_pesos.csv")])
    assert result.exit_code == 0, result.output
    assert "Timeline" in result.output and "melt" in result.output and "silver: 144 rows" in result.output


def test_preview_without_spec_sniffs_any_file(runner):
    result = runner.invoke(cli, ["preview", str(DATA / "programa_ejecucion_2017_abril.xlsx"), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["source"]["sheets"] == ["Reporte"]
    assert doc["raw"]["header"]["row"] == 7  # the guess skips the title rows


def test_user_error_exits_2_without_traceback(runner):
    result = runner.invoke(cli, [*SPECS, "preview", "dipres_ejecucion", str(DATA / "html_disfrazado.csv"),
                                 "--param", "anio=2017"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "HTML" in result.output


def test_user_error_as_json(runner):
    result = runner.invoke(cli, [*SPECS, "preview", "dipres_ejecucion", str(DATA / "ejecucion_2017_abril_pesos.csv"),
                                 "--param", "anio=dos", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.output)["error"]["code"] == "parameter-invalid"


def test_missing_file_is_a_user_error(runner, tmp_path):
    result = runner.invoke(cli, ["preview", str(tmp_path / "nada.csv")])
    assert result.exit_code == 2
    assert "cannot open" in result.output


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_writes_the_full_layer(runner, tmp_path, suffix):
    dest = tmp_path / f"silver{suffix}"
    result = runner.invoke(cli, [*SPECS, "export", "dipres_ejecucion", str(DATA / "ejecucion_2017_abril_pesos.csv"),
                                 "--layer", "silver", "--to", str(dest)])
    assert result.exit_code == 0, result.output
    df = pd.read_csv(dest, dtype=str) if suffix == ".csv" else pd.read_parquet(dest)
    assert len(df) == 144
    assert df["partida"].iloc[0] == "50"  # codes keep their zeros in both formats
    assert df["asignacion"].dropna().str.len().eq(3).all()


def test_cell_text_is_never_read_as_terminal_markup(runner, tmp_path):
    hostile = tmp_path / "markup.csv"
    hostile.write_text("[/bold];b\n[red]x[/red];[/x]\n", encoding="utf-8")
    result = runner.invoke(cli, ["preview", str(hostile)])
    assert result.exit_code == 0, result.output
    assert "[/bold]" in result.output and "[red]x[/red]" in result.output and "[/x]" in result.output


def test_markup_in_an_error_message_is_printed_literally(runner, tmp_path):
    spec = tmp_path / "m.yaml"
    spec.write_text('dataset: {slug: m, title: M}\nlayers:\n  bronze:\n    - type: "[/x]"\n', encoding="utf-8")
    result = runner.invoke(cli, ["specs", "check", str(spec)])
    assert result.exit_code == 2 and "[/x]" in result.output
