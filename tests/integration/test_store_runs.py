"""Runs end to end on a real store (SQLite file and PostgreSQL): files, versions, runs, reuse, failures."""

from __future__ import annotations

import shutil
import stat
import threading
from pathlib import Path

import pandas as pd
import pytest

from workbench.engine.app import datasets, run_execution, runs, runs_read
from workbench.engine import api
from workbench.engine.core.settings import Settings
from workbench.engine.core.spec.loader import parse_spec
from workbench.engine.core.preview import preview_file
from workbench.engine.store import datasets as dataset_store
from workbench.engine.store import runs as run_store
from workbench.engine.store.db import session_scope
from workbench.engine.store.models import RawFile, Run, SpecVersion
from sqlmodel import select

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "workbench"
CSV = DATA / "ejecucion_2017_abril_pesos.csv"


@pytest.fixture
def settings(db_url, tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("dipres_ejecucion.yaml", "dipres_ley.yaml"):
        shutil.copy(ROOT / "specs" / name, specs / name)
    return Settings(data_dir=tmp_path / "data", database_url=db_url, specs_dir=specs, user="tester")


def run(settings, path=CSV, **kw):
    return runs.run_file("dipres_ejecucion", path.read_bytes(), filename=path.name, settings=settings, **kw)


def test_run_records_everything(settings):
    result = run(settings)
    assert result.status == "succeeded" and result.qa_status == "passed"
    assert result.row_counts == {"bronze": 48, "silver": 144}
    assert result.params == {"anio": 2017}
    assert result.triggered_by == "tester"
    assert result.spec_version == 1 and result.dataset_slug == "dipres_ejecucion"
    assert result.control_totals["resultado"]["row"] == 50
    assert [s["type"] for s in result.timeline][:3] == ["rename", "strip", "drop_rows"]
    assert result.started_at <= result.finished_at and result.finished_at.tzinfo is not None
    stored = settings.raw_dir / result.inputs[0]["sha256"][:2] / result.inputs[0]["sha256"]
    assert stored.read_bytes() == CSV.read_bytes()
    assert not stored.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)  # read-only
    with session_scope(settings.db_url) as session:
        file = session.exec(select(RawFile)).one()
        assert (file.format, file.encoding, file.delimiter) == ("csv", "latin-1", ";")


def test_stored_run_exports_what_the_preview_showed(settings):
    result = run(settings)
    silver = runs_read.run_table(result.id, "silver", settings)
    spec = parse_spec((settings.specs_dir / "dipres_ejecucion.yaml").read_text(), "dipres_ejecucion.yaml")
    again = preview_file(runs_read.raw_bytes(result.id, settings), spec, filename=CSV.name).tables["silver"]
    pd.testing.assert_frame_equal(silver.df, again.df, check_dtype=False)
    assert silver.trace(0, "monto") == again.trace(0, "monto")


def test_same_inputs_are_recognised_and_can_be_forced(settings):
    first = run(settings)
    again = run(settings)
    assert again.reused and again.id == first.id
    forced = run(settings, force=True)
    assert not forced.reused and forced.id != first.id
    other_params = run(settings, params={"anio": "2018"})
    assert other_params.id not in (first.id, forced.id)
    with session_scope(settings.db_url) as session:
        assert len(session.exec(select(RawFile)).all()) == 1
        assert len(session.exec(select(Run)).all()) == 3


def test_changed_spec_is_a_new_version_and_history_stays(settings):
    first = run(settings)
    path = settings.specs_dir / "dipres_ejecucion.yaml"
    path.write_text(path.read_text().replace("unmapped: error\n    - type: type_cast", "unmapped: keep\n    - type: type_cast"))
    second = run(settings)
    assert (first.spec_version, second.spec_version) == (1, 2)
    assert not second.reused
    with session_scope(settings.db_url) as session:
        versions = session.exec(select(SpecVersion).order_by(SpecVersion.version)).all()
        assert [v.version for v in versions] == [1, 2]
        assert "unmapped: keep" in versions[1].yaml_text and "unmapped: keep" not in versions[0].yaml_text


def test_user_error_is_a_failed_run_and_the_file_is_kept(settings, tmp_path):
    nameless = tmp_path / "informe.csv"
    nameless.write_bytes(CSV.read_bytes())
    result = run(settings, path=nameless)
    assert result.status == "failed"
    assert result.error["code"] == "parameter-invalid" and "anio" in result.error["message"]
    assert (settings.raw_dir / result.inputs[0]["sha256"][:2] / result.inputs[0]["sha256"]).exists()
    html = run(settings, path=DATA / "html_disfrazado.csv", params={"anio": "2017"})
    assert html.status == "failed" and html.error["code"] == "file-format"
    fixed = run(settings, path=nameless, params={"anio": "2017"})
    assert fixed.status == "succeeded"


def test_a_bug_fails_the_run_and_reaches_the_caller(settings, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(run_execution, "preview_file", boom)  # execute_pipeline calls it
    with pytest.raises(RuntimeError):
        run(settings)
    [last] = runs_read.list_runs(settings, limit=1).items
    assert last.status == "failed" and last.error["code"] == "internal-error"
    assert "simulated bug" not in str(last.error) and last.error["details"]["reference"]  # the text: log only


def test_concurrent_runs_of_the_same_file_do_not_collide(settings):
    api.prepare_store(settings)
    results, errors = [], []
    together = threading.Barrier(4)  # the four runs start at once, not one after another as threads start

    def worker():
        together.wait(timeout=30)
        try:
            results.append(run(settings, force=True))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.status for r in results) == ["succeeded"] * 4
    assert len({r.id for r in results}) == 4
    with session_scope(settings.db_url) as session:
        assert len(session.exec(select(RawFile)).all()) == 1
        assert len(session.exec(select(SpecVersion)).all()) == 1


def test_spec_sync_versions_deactivates_and_reports(settings):
    report = datasets.sync_specs(settings)
    assert sorted(report.added) == ["dipres_ejecucion", "dipres_ley"]
    (settings.specs_dir / "dipres_ley.yaml").unlink()
    (settings.specs_dir / "roto.yaml").write_text("dataset: {slug: roto, title: R}\nlayers:\n  bronze:\n    - type: nope\n")
    report = datasets.sync_specs(settings)
    assert report.unchanged == ["dipres_ejecucion"]
    assert report.deactivated == ["dipres_ley"]
    assert "roto.yaml:4" in report.errors[str(settings.specs_dir / "roto.yaml")]["message"]
    with session_scope(settings.db_url) as session:
        listed = dataset_store.list_datasets(session=session)
        assert [d["slug"] for d in listed] == ["dipres_ejecucion"]
        assert dataset_store.get_dataset("dipres_ley", session=session).active is False


def test_dataset_list_carries_the_last_run(settings):
    run(settings)
    latest = run(settings, force=True)
    with session_scope(settings.db_url) as session:
        [item] = dataset_store.list_datasets(session=session, search="ejecuc")
    assert item["last_run"]["id"] == latest.id
    assert item["last_run"]["row_counts"] == {"bronze": 48, "silver": 144}


def test_abandoned_running_runs_end_failed(settings):
    result = run(settings)
    with session_scope(settings.db_url) as session:
        run_store.update_run(result.id, session=session, status="running")
        assert run_store.fail_stale_runs(session=session, older_than_s=0) == [result.id]
    assert runs_read.get_run(result.id, settings).error["code"] == "run-abandoned"


def test_missing_run_is_a_user_error(settings):
    api.prepare_store(settings)
    with pytest.raises(runs_read.RunNotFoundError):
        runs_read.get_run(999_999, settings)


def test_typed_control_totals_are_stored_as_json(settings):
    """A control total captured after type_cast is a Decimal: it must be stored, not crash the run."""
    path = settings.specs_dir / "dipres_ejecucion.yaml"
    capture = (
        "    - type: drop_rows\n"
        "      where: {column: denominacion, equals: RESULTADO}\n"
        "      capture: {name: resultado, column: ejecucion_acumulada}\n"
    )
    spec = path.read_text()
    moved = spec.replace(capture, "").replace("    - type: hierarchy_level", capture + "    - type: hierarchy_level")
    assert moved != spec
    path.write_text(moved)
    result = run(settings)
    assert result.status == "succeeded", result.error
    value = result.control_totals["resultado"]["value"]
    assert isinstance(value, int) and value < 0  # an exact Decimal, stored as a JSON number


def test_the_data_directory_is_private_to_the_products_user(tmp_path):
    """Unpublished RAW files, the SQLite database and the admin secret live there: mode 0700."""
    import stat

    from workbench.engine import api
    from workbench.engine.core.settings import Settings

    fresh = Settings(data_dir=tmp_path / "nuevo" / "data")
    api.prepare_store(fresh)
    assert stat.S_IMODE((tmp_path / "nuevo" / "data").stat().st_mode) == 0o700
    loose = tmp_path / "existente"
    loose.mkdir(mode=0o755)
    api.prepare_store(Settings(data_dir=loose))
    assert stat.S_IMODE(loose.stat().st_mode) == 0o700
