"""The run page and the CLI name a failing check's row and numbers exactly as the preview does (the rest of
this story, without a stored run: tests/unit/test_qa_rows.py). A run takes the dataset lock, so this starts the
embedded Redis: an integration test."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.unit.test_qa_rows import CHECK, ROOT, csv_with_an_item_off_by_one, specs  # noqa: F401  (a fixture)
from workbench.cli.main import cli
from workbench.engine import api
from workbench.engine.core.settings import get_settings
from workbench.state import run_views


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WORKBENCH_SPECS_DIR", str(ROOT / "specs"))
    monkeypatch.delenv("WORKBENCH_DATABASE_URL", raising=False)
    monkeypatch.delenv("WORKBENCH_REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_the_run_page_and_the_cli_show_the_same_row_and_numbers_as_the_preview(store, specs) -> None:
    data, line = csv_with_an_item_off_by_one()
    run = api.run_file("dipres_ejecucion", data, filename="e_2017.csv", params={"anio": 2017})
    page = api.run_failures(run.id, expectation_id=CHECK)
    assert page["rows"][0]["row"] == line  # the API's row
    [row] = run_views.failure_rows(page)
    assert row["row_label"] == "14" and "presupuesto_inicial=3.961.560" in row["values"]
    assert "presupuesto_inicial: total 3.961.560; suma de 2 hijos: 3.961.559; diferencia: 1" in row["details"]
    check = next(c for c in run_views.checks(api.get_run(run.id)) if c["id"] == CHECK)
    assert check["sentence"].startswith("cada item es la suma de sus asignacion")
    assert check["message"] == "1 de 9 totales no cuadran con la suma de sus hijos (1 fila)"

    out = CliRunner().invoke(cli, ["runs", "failures", str(run.id), "--check", CHECK], catch_exceptions=False)
    assert out.exit_code == 0 and "RAW row" in out.output
    assert "│ 14 " in out.output and "presupuesto_inicial=3.961.560" in out.output.replace("\n", "")
    as_json = json.loads(CliRunner().invoke(cli, ["runs", "failures", str(run.id), "--check", CHECK,
                                                  "--json"]).output)
    assert as_json["rows"][0]["row"] == 14
