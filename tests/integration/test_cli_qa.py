"""The CLI shows QA everywhere and never as green when it failed: preview, run (exit 3), runs show,
runs failures (paged, with RAW cells), docs build/open, export refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli.main import cli
from workbench.engine.core.settings import get_settings

SPEC = """\
dataset: {slug: montos, title: Montos}
source: {format: csv, delimiter: ";"}
layers:
  bronze:
    - type: type_cast
      decimal: ","
      columns: {monto: {type: decimal, scale: 2}}
expectations:
  bronze:
    - type: expect_column_values_to_be_between
      id: monto_positivo
      column: monto
      min_value: 0
"""


@pytest.fixture
def env(tmp_path, monkeypatch):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "montos.yaml").write_text(SPEC, encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WORKBENCH_SPECS_DIR", str(specs))
    monkeypatch.delenv("WORKBENCH_DATABASE_URL", raising=False)
    monkeypatch.delenv("WORKBENCH_REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def write_csv(path: Path, negatives: int) -> Path:
    rows = [f"{i:02d};{'-' if i < negatives else ''}{i},50" for i in range(60)]
    path.write_text("codigo;monto\n" + "\n".join(rows) + "\n", encoding="latin-1")
    return path


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_failed_qa_is_shown_traced_and_blocks_export(env):
    bad = write_csv(env / "montos_bad.csv", 12)
    preview = invoke("preview", "montos", str(bad))
    assert "QA FAILED (publication blocked)" in preview.output and "0/1 checks passed" in preview.output
    assert "RAW B2='-0,50'" in preview.output  # the first failing row's RAW cell
    doc = json.loads(invoke("preview", "montos", str(bad), "--json").output)
    assert doc["qa"]["status"] == "failed" and doc["qa"]["results"][0]["unexpected_rows_total"] == 12

    run = invoke("run", "montos", str(bad))
    assert run.exit_code == 3 and "QA FAILED" in run.output
    run_id = json.loads(invoke("runs", "list", "--json").output)[0]["id"]
    shown = invoke("runs", "show", str(run_id))
    assert "succeeded" in shown.output and "QA FAILED" in shown.output and "monto_positivo" in shown.output
    page = json.loads(invoke("runs", "failures", str(run_id), "--offset", "10", "--json").output)
    assert page["total"] == 12 and [r["raw"][0]["row"] for r in page["rows"]] == [12, 13]
    refused = invoke("export", str(run_id), "--layer", "bronze", "--to", str(env / "out.csv"))
    assert refused.exit_code == 2 and "qa-failed" in refused.output and not (env / "out.csv").exists()
    refused_file = invoke("export", "montos", str(bad), "--layer", "bronze", "--to", str(env / "out2.csv"))
    assert refused_file.exit_code == 2 and "qa-failed" in refused_file.output

    built = invoke("docs", "build", str(run_id))
    page_path = Path(built.output.strip())
    assert page_path.name == "index.html" and page_path.parent.name == str(run_id) and page_path.exists()
    opened = invoke("docs", "open", str(run_id), "--no-browser")
    assert Path(opened.output.strip()) == page_path


def test_passing_qa_exports(env):
    good = write_csv(env / "montos_ok.csv", 0)
    run = invoke("run", "montos", str(good))
    assert run.exit_code == 0 and "QA passed" in run.output
    run_id = json.loads(invoke("runs", "list", "--json").output)[0]["id"]
    assert invoke("export", str(run_id), "--layer", "bronze", "--to", str(env / "ok.csv")).exit_code == 0
    assert (env / "ok.csv").read_text(encoding="utf-8").count("\n") == 61
