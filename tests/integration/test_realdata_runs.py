"""Issue 3's acceptance: the 29 real April-2017 execution files, one run each, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from workbench.engine.app import lineage, runs, runs_read
from workbench.engine.core.settings import Settings
from workbench.engine.store.db import session_scope
from workbench.engine.store.models import LineageEdge, RawFile, Run

pytestmark = pytest.mark.realdata
ROOT = Path(__file__).resolve().parents[2]


def test_29_execution_files_become_29_reproducible_runs(db_url, tmp_path, shared_data):
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(ROOT / "specs" / "dipres_ejecucion.yaml", specs)
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, specs_dir=specs, user="ci")
    files = sorted((shared_data / "dipres" / "ejecucion_2017_04").glob("*.csv"))
    assert len(files) == 29
    results = [runs.run_file("dipres_ejecucion", f.read_bytes(), filename=f.name, params={"anio": "2017"},
                                 settings=settings) for f in files]
    assert [r.status for r in results] == ["succeeded"] * 29
    with session_scope(db_url) as session:
        assert len(session.exec(select(Run)).all()) == 29
        assert len(session.exec(select(RawFile)).all()) == 29
        assert len(session.exec(select(LineageEdge)).all()) == 29 * 2  # file -> bronze -> silver, per run
    graph = lineage.lineage_graph("dipres_ejecucion", settings=settings)
    kinds = sorted(n["kind"] for n in graph["nodes"])
    assert kinds.count("raw_file") == 29 and kinds.count("dataset_layer") == 2
    for result, path in zip(results[:3], files[:3]):
        silver = runs_read.run_table(result.id, "silver", settings)
        assert len(silver.df) == result.row_counts["silver"]
        assert runs_read.raw_bytes(result.id, settings) == path.read_bytes()
