"""Great Expectations (about 2-3 s to import) is not on the path of a CLI preview or run that does not need it:
the specs' checks are vectorised and Data Docs are rendered from the stored results. Each case runs in a fresh
process and reports whether ``great_expectations`` ended up in ``sys.modules``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.data.workbench.generate import execution_csv

ROOT = Path(__file__).resolve().parents[3]
#: ``python -m workbench.cli ARGS`` (how workers start the command), then what it imported, said at exit.
PROBE = """
import atexit, json, runpy, sys
atexit.register(lambda: print(json.dumps({"gx": "great_expectations" in sys.modules}), file=sys.stderr))
sys.argv = ["workbench", *sys.argv[1:]]
runpy.run_module("workbench.cli", run_name="__main__")
"""


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "ejecucion_2017_04.csv"
    path.write_bytes(execution_csv([("50", "01", "01")]))
    return path


def probe(tmp_path: Path, *args: str, engine: str | None = None) -> tuple[bool, str]:
    """Run ``workbench ARGS`` in a fresh process: (GX imported?, stdout)."""
    env = {**os.environ, "WORKBENCH_DATA_DIR": str(tmp_path / "data"), "WORKBENCH_SPECS_DIR": str(ROOT / "specs")}
    for name in ("WORKBENCH_DATABASE_URL", "WORKBENCH_REDIS_URL", "WORKBENCH_QA_ENGINE"):
        env.pop(name, None)
    if engine:
        env["WORKBENCH_QA_ENGINE"] = engine
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["gx"], done.stdout


def test_importing_the_engine_facade_does_not_import_great_expectations() -> None:
    code = "import sys, workbench.engine.api; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_preview_with_qa_does_not_import_great_expectations(tmp_path: Path, csv_file: Path) -> None:
    imported, out = probe(tmp_path, "preview", "dipres_ejecucion", str(csv_file), "--json")
    assert json.loads(out)["qa"]["statistics"]["evaluated_expectations"] == 16
    assert not imported


def test_a_run_with_qa_and_data_docs_does_not_import_great_expectations(tmp_path: Path, csv_file: Path) -> None:
    imported, _ = probe(tmp_path, "run", "dipres_ejecucion", str(csv_file))
    assert not imported
    pages = list((tmp_path / "data" / "docs" / "runs").glob("*/index.html"))
    assert len(pages) == 1 and "cuadra_resultado" in pages[0].read_text(encoding="utf-8")


def test_the_gx_engine_setting_runs_the_checks_through_great_expectations(tmp_path: Path, csv_file: Path) -> None:
    imported, out = probe(tmp_path, "preview", "dipres_ejecucion", str(csv_file), "--json", engine="gx")
    assert json.loads(out)["qa"]["statistics"]["evaluated_expectations"] == 16
    assert imported
