"""Pure parts of the run and lineage views: the spec diff, where a web backfill may read, the graph layout."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from workbench.engine.app import access
from workbench.engine.app.backfills import backfill_files
from workbench.engine.app.runs_read import spec_diff
from workbench.engine.core.backfill_paths import BackfillPathError
from workbench.engine.core.settings import Settings
from workbench.state.lineage import layout, node_qa
from workbench.state.run_views import no_checks


def test_spec_diff_is_a_unified_diff_between_versions() -> None:
    diff = spec_diff("a: 1\nb: 2\n", "a: 1\nb: 3\n", 1, 2)
    assert diff.changed and (diff.run_version, diff.current_version) == (1, 2)
    assert diff.diff.splitlines()[:2] == ["--- spec v1 (esta ejecución)", "+++ spec v2 (actual)"]
    assert "-b: 2" in diff.diff.splitlines() and "+b: 3" in diff.diff.splitlines()
    assert spec_diff("a: 1\n", "a: 1\n", 1, 1).model_dump() == {"run_version": 1, "current_version": 1,
                                                                "changed": False, "diff": ""}


def test_web_backfills_read_the_incoming_folder_and_examples_only(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    (tmp_path / "data" / "incoming").mkdir(parents=True)
    (tmp_path / "data" / "incoming" / "enero_2017.csv").write_text("x")
    (tmp_path / "data" / "workbench.db").write_text("x")
    (tmp_path / "fuera.csv").write_text("x")
    with access.acting_as(access.Principal("ana", "analyst")):
        assert [p.name for p in backfill_files(str(tmp_path / "data" / "incoming"), settings)] == ["enero_2017.csv"]
        assert [p.name for p in backfill_files("examples/*.csv", settings)] == ["ejecucion_2017_abril_programa.csv"]
        with pytest.raises(BackfillPathError, match="outside the allowed folders"):
            backfill_files(str(tmp_path / "*.csv"), settings)
        with pytest.raises(BackfillPathError, match="outside the allowed folders"):
            backfill_files(str(tmp_path / "data" / "*.db"), settings)  # the store itself: never
        with pytest.raises(BackfillPathError, match="does not exist"):
            backfill_files(str(tmp_path / "data" / "incoming" / "no-existe"), settings)
        with pytest.raises(BackfillPathError, match="outside"):
            backfill_files(str(tmp_path / "data" / "incoming" / ".." / ".." / "fuera.csv"), settings)
    with access.acting_as(access.Principal("vera", "viewer")), pytest.raises(access.ForbiddenError):
        backfill_files("examples/*.csv", settings)
    # the operator on the server's shell (the CLI) may backfill any folder it can read
    assert [p.name for p in backfill_files(str(tmp_path / "*.csv"), settings)] == ["fuera.csv"]


GRAPH = {
    "nodes": [
        {"id": 1, "key": "file:aa", "kind": "raw_file", "label": "f.csv", "dataset_slug": None, "qa_status": None,
         "meta": {"name": "f.csv", "sha256": "aa"}},
        {"id": 2, "key": "dataset:d:bronze", "kind": "dataset_layer", "label": "d · bronze", "dataset_slug": "d",
         "qa_status": "failed", "meta": {"layer": "bronze"}},
        {"id": 3, "key": "dataset:d:silver", "kind": "dataset_layer", "label": "d · silver", "dataset_slug": "d",
         "qa_status": "passed", "meta": {"layer": "silver"}},
        {"id": 4, "key": "table:t", "kind": "published_table", "label": "t", "dataset_slug": None, "qa_status": None},
    ],
    "edges": [{"source": 1, "target": 2, "run_id": 5}, {"source": 2, "target": 3, "run_id": 5},
              {"source": 2, "target": 3, "run_id": 6}, {"source": 3, "target": 4, "run_id": None}],
    "runs": [{"id": 5, "qa_status": "warning"}, {"id": 6, "qa_status": "passed"}],
}


def test_layout_puts_kinds_in_columns_left_to_right_and_colours_by_qa() -> None:
    nodes, edges = layout(GRAPH)
    x = {n["id"]: n["position"]["x"] for n in nodes}
    assert x["1"] < x["2"] < x["3"] < x["4"]
    colours = {n["id"]: n["style"]["borderColor"] for n in nodes}
    assert colours["2"] == "#e5484d" and colours["3"] == "#30a46c" and colours["4"] == "#8b8d98"
    assert node_qa(GRAPH["nodes"][0], GRAPH) == "warning"  # a file: the QA of the newest run that read it
    assert {(e["source"], e["target"], e["label"]) for e in edges} == {("1", "2", ""), ("2", "3", "2 ejec."),
                                                                      ("3", "4", "")}


@pytest.mark.parametrize("regex", [r"(?P<a>a+)+b", r"(?P<a>(a|ab)*)c", r"(?P<a>.*.*.*.*x)", r"(?P<a>(\w+\s?)*)$",
                                   r"(?P<a>(?:x+y?)*)z", "(?P<a>" + "x" * 300 + ")"])
def test_file_name_patterns_that_could_backtrack_for_minutes_are_refused(regex: str) -> None:
    from workbench.engine.app.backfills import params_from_filename
    from workbench.engine.core.errors import ParameterError

    with pytest.raises(ParameterError):
        params_from_filename(regex, "a" * 40 + "c")


def test_usual_file_name_patterns_still_work() -> None:
    from workbench.engine.app.backfills import params_from_filename

    name = "ejecucion_2017_04_enero.csv"
    assert params_from_filename(r"(?P<anio>\d{4})_(?P<mes>\d{2})", name) == {"anio": "2017", "mes": "04"}
    assert params_from_filename(r".*_(?P<anio>20\d\d)_", name) == {"anio": "2017"}
    assert params_from_filename(r"(?P<mes>enero|febrero)", name) == {"mes": "enero"}


@pytest.mark.parametrize(("status", "qa_status", "text"), [
    ("succeeded", "not_run", "Este dataset no declara controles de calidad."),
    ("failed", "not_run", "Sin control de calidad: la ejecución falló antes de completarlo."),
    ("cancelled", "not_run", "Sin control de calidad: la ejecución se canceló antes."),
    ("running", "not_run", "El control de calidad se hace cuando terminan los pasos de la ejecución."),
])
def test_a_run_without_checks_says_whether_qa_ran(status: str, qa_status: str, text: str) -> None:
    """The run page said "Este dataset no declara controles de calidad." for a run refused before QA ran."""
    assert no_checks(SimpleNamespace(status=status, qa_status=qa_status)) == text
