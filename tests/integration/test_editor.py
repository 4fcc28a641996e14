"""The rule editor's use cases on both stores: a draft of a dataset edited step by step with its preview on a
sample, undo/redo, concurrent tabs, publication (the file on disk and the store agree, the next run uses it), a
new spec made from a file never seen that reconciles with the shipped spec, and the preview equal to the full
run on the sampled rows."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tests.data.workbench.generate import execution_csv
from tests.data.workbench.drift_variants import OTHER_PROGRAMS
from workbench.engine.app import access, datasets, editor, editor_publish, editor_sources, runs, runs_read
from workbench.engine.core import editor_preview
from workbench.engine.core.errors import SpecError
from workbench.engine.core.preview import preview_file
from workbench.engine.core.settings import Settings
from workbench.engine.core.spec.loader import load_spec, parse_spec
from workbench.engine.core.spec.yaml_doc import EditError
from workbench.engine.store.files import RawFileStore

ROOT = Path(__file__).resolve().parents[2]
EXECUTION = ROOT / "examples" / "ejecucion_2017_abril_programa.csv"
PROGRAM_XLSX = ROOT / "examples" / "programa_ejecucion_2017_abril.xlsx"


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("dipres_ejecucion.yaml", "dipres_programa_xlsx.yaml"):
        shutil.copy(ROOT / "specs" / name, specs / name)
    return Settings(data_dir=tmp_path / "data", database_url=db_url, specs_dir=specs, user="tester")


def _step(draft: editor.DraftView, layer: str, kind: str) -> int:
    return next(s.index for s in next(lay for lay in draft.layers if lay.name == layer).steps if s.type == kind)


def test_a_dataset_is_edited_previewed_undone_published_and_the_next_run_uses_the_new_version(settings):
    first = runs.run_file("dipres_ejecucion", EXECUTION.read_bytes(), filename=EXECUTION.name,
                          params={"anio": 2017}, settings=settings)
    assert first.status == "succeeded"
    draft = editor.create_draft("dipres_ejecucion", settings)
    assert draft.base_version == draft.current_version == first.spec_version and not draft.can_undo
    assert editor.create_draft("dipres_ejecucion", settings).id == draft.id  # the open draft is reopened
    (stored,) = editor.draft_sample_files(draft.id, settings)
    assert stored["filename"] == EXECUTION.name and stored["params"] == {"anio": 2017}
    draft = editor.set_draft_sample(draft.id, stored["sha256"], filename=stored["filename"],
                                    params=stored["params"], settings=settings)
    at = _step(draft, "bronze", "type_cast")
    mapping = {"Subsecretaría de Hacienda": "SUBSE"}
    step = {"type": "map_categories", "column": "denominacion", "mapping": mapping, "target": "entidad"}
    draft = editor.edit_draft(draft.id, {"op": "add_step", "layer": "bronze", "index": at, "step": step},
                              revision=draft.revision, settings=settings)
    preview = editor.preview_draft_step(draft.id, layer="bronze", index=at, settings=settings)
    assert preview["error"]["code"] == "step-failed" and "sin equivalencia" in preview["error"]["message_es"]
    help_ = preview["help"]
    assert help_["kind"] == "map_categories" and 0 < help_["coverage"] < 100
    unmapped = {u["value"]: u["count"] for u in help_["unmapped"]}
    assert "Tesoro Público" in unmapped and sum(unmapped.values()) == help_["unmapped_rows"]
    assert [s["ran"] for s in preview["steps"]][at + 1:] == [False] * (len(preview["steps"]) - at - 1)
    fixed = {**mapping, **{value: value.upper()[:10] for value in unmapped}}
    draft = editor.edit_draft(draft.id, {"op": "update_step", "layer": "bronze", "index": at,
                                         "step": {**step, "mapping": fixed}}, settings=settings)
    preview = editor.preview_draft_step(draft.id, layer="bronze", index=at, settings=settings)
    assert preview["error"] is None and preview["help"]["coverage"] == 100.0 and preview["columns_added"] == ["entidad"]
    assert preview["after"]["row_count"] == preview["before"]["row_count"] == preview["rows_in"]
    assert all(s["error"] is None and s["ran"] for s in preview["steps"])
    select = _step(draft, "bronze", "select")
    draft = editor.edit_draft(draft.id, {"op": "move_step", "layer": "bronze", "index": at, "to": at - 1},
                              settings=settings)
    assert _step(draft, "bronze", "map_categories") < at
    draft = editor.undo_draft(draft.id, settings)
    assert draft.can_redo and [s.type for s in draft.layers[0].steps][at] == "map_categories"
    draft = editor.redo_draft(draft.id, settings)
    draft = editor.undo_draft(draft.id, settings)
    with pytest.raises(editor.DraftConflictError):  # a second tab still on an old revision
        editor.edit_draft(draft.id, {"op": "delete_step", "layer": "bronze", "index": 0}, revision=draft.revision - 1,
                          settings=settings)
    with pytest.raises(SpecError):  # an invalid edit is refused whole ...
        editor.edit_draft(draft.id, {"op": "update_step", "layer": "bronze", "index": at,
                                     "step": {**step, "mapping": {}}}, settings=settings)
    assert editor.get_draft(draft.id, settings).revision == draft.revision  # ... and saves nothing
    sel = dict(draft.layers[0].steps[select].step)
    draft = editor.edit_draft(draft.id, {"op": "update_step", "layer": "bronze", "index": select,
                                         "step": {**sel, "columns": [*sel["columns"], "entidad"]}}, settings=settings)
    diff = editor_publish.draft_diff(draft.id, settings)
    assert "+    - type: map_categories" in diff and "+      target: entidad" in diff
    published = editor_publish.publish_draft(draft.id, revision=draft.revision, settings=settings)
    assert published.version == first.spec_version + 1 and published.outcome == "updated"
    on_disk = (settings.specs_dir / "dipres_ejecucion.yaml").read_text(encoding="utf-8")
    assert on_disk == draft.yaml
    stored = datasets.dataset_detail("dipres_ejecucion", settings)
    assert stored.spec_yaml == on_disk and stored.spec_version == published.version  # the store agrees
    detail = editor.get_draft(draft.id, settings)
    assert detail.status == "published" and detail.published_version == published.version
    with pytest.raises(editor.DraftNotFoundError):
        editor.edit_draft(draft.id, {"op": "delete_step", "layer": "bronze", "index": 0}, settings=settings)
    second = runs.run_file("dipres_ejecucion", EXECUTION.read_bytes(), filename=EXECUTION.name,
                           params={"anio": 2017}, settings=settings)
    assert second.status == "succeeded" and second.spec_version == published.version
    bronze = runs_read.run_table(second.id, "bronze", settings).df
    assert bronze["entidad"].iloc[:3].tolist() == ["TRANSFEREN", "DEL GOBIER", "SUBSE"]


def test_fifty_edits_can_be_undone_and_redone(settings):
    draft = editor.create_draft("dipres_ejecucion", settings)
    original = draft.yaml
    for i in range(55):
        draft = editor.edit_draft(draft.id, {"op": "add_step", "layer": "silver",
                                             "step": {"type": "sort", "by": ["partida"], "descending": i % 2 == 0}},
                                  settings=settings)
    assert draft.undo_depth == 55
    for _ in range(55):
        draft = editor.undo_draft(draft.id, settings)
    assert draft.yaml == original and not draft.can_undo and draft.redo_depth == 55
    with pytest.raises(EditError):
        editor.undo_draft(draft.id, settings)
    for _ in range(55):
        draft = editor.redo_draft(draft.id, settings)
    assert len(draft.layers[1].steps) == 2 + 55 and not draft.can_redo


def test_publication_is_refused_when_a_step_fails_on_the_sample_or_the_dataset_moved(settings):
    data = EXECUTION.read_bytes()
    sha, _, _ = RawFileStore(settings).put(data)
    draft = editor.create_draft("dipres_ejecucion", settings)
    draft = editor.set_draft_sample(draft.id, sha, filename=EXECUTION.name, params={"anio": 2017}, settings=settings)
    draft = editor.edit_draft(draft.id, {"op": "add_step", "layer": "silver", "index": 0,
                                         "step": {"type": "fill_down", "columns": ["no_existe"]}}, settings=settings)
    preview = editor.preview_draft_step(draft.id, layer="silver", index=0, settings=settings)
    assert preview["error"]["code"] == "column-not-found" and "no_existe" in preview["error"]["message_es"]
    with pytest.raises(editor.DraftInvalidError) as refused:
        editor_publish.publish_draft(draft.id, settings=settings)
    assert "silver[0] fill_down" in refused.value.message_es
    assert not (settings.specs_dir / "dipres_ejecucion.yaml").read_text(encoding="utf-8").count("no_existe")
    draft = editor.undo_draft(draft.id, settings)
    other = editor.create_draft("dipres_ejecucion", settings, fresh=True)
    other = editor.edit_draft(other.id, {"op": "toggle_step", "layer": "silver", "index": 1, "disabled": True},
                              settings=settings)
    editor_publish.publish_draft(other.id, settings=settings)
    draft = editor.edit_draft(draft.id, {"op": "add_step", "layer": "silver",
                                         "step": {"type": "sort", "by": ["partida"]}}, settings=settings)
    assert editor.get_draft(draft.id, settings).stale
    with pytest.raises(editor.DraftConflictError):
        editor_publish.publish_draft(draft.id, settings=settings)
    assert editor_publish.publish_draft(draft.id, force=True, settings=settings).version == 3


def test_a_viewer_reads_drafts_but_may_not_edit_or_publish(settings):
    draft = editor.create_draft("dipres_ejecucion", settings)
    with access.acting_as(access.Principal("lector", "viewer")):
        assert editor.get_draft(draft.id, settings).id == draft.id
        with pytest.raises(access.ForbiddenError):
            editor.edit_draft(draft.id, {"op": "delete_step", "layer": "bronze", "index": 0}, settings=settings)
        with pytest.raises(access.ForbiddenError):
            editor_publish.publish_draft(draft.id, settings=settings)
    with access.acting_as(access.Principal("analista", "analyst")):
        assert editor.create_draft("dipres_ejecucion", settings).author == "analista"


def test_a_new_spec_from_a_file_never_seen_reconciles_with_the_shipped_spec(settings):
    data = PROGRAM_XLSX.read_bytes()
    sha, _, _ = RawFileStore(settings).put(data)
    proposal = editor_sources.propose_spec(sha, filename=PROGRAM_XLSX.name, settings=settings)
    assert proposal["source"]["header"] == {"find": ["Subt.", "Ítem", "Asig."]} and proposal["header_row"] == 7
    kinds = {c["name"]: (c["kind"], c["suggest"]) for c in proposal["columns"]}
    assert kinds["Subt."] == ("code", "key") and kinds["Devengado"] == ("number", "measure")
    assert kinds["Denominación"] == ("text", "attribute")
    measures = ["Presupuesto Inicial", "Modificaciones", "Presupuesto Vigente", "Compromiso", "Devengado",
                "Ejecución Acumulada a Abril", "Saldo por Ejecutar"]
    with pytest.raises(EditError):
        editor_sources.create_draft_from_file(sha, filename=PROGRAM_XLSX.name, slug="dipres_programa_xlsx", title="x",
                                      keys=["Subt."], measures=[], settings=settings)
    draft = editor_sources.create_draft_from_file(
        sha, filename=PROGRAM_XLSX.name, slug="programa_editor", title="Programa (editor)",
        keys=["Subt.", "Ítem", "Asig."], measures=measures, types={"% Ejecución": "float"},
        names={"Subt.": "subtitulo", "Asig.": "asignacion", "Ejecución Acumulada a Abril": "ejecucion_acumulada"},
        settings=settings)
    assert draft.is_new and draft.sample["sha256"] == sha and draft.current_version is None
    melt = editor.preview_draft_step(draft.id, layer="silver", index=0, settings=settings)
    assert melt["help"]["taken"] == ["presupuesto_inicial", "modificaciones", "presupuesto_vigente", "compromiso",
                                     "devengado", "ejecucion_acumulada", "saldo_por_ejecutar"]
    assert melt["help"]["new"] == ["ejecucion"]  # the percentage looks like an amount and is not melted: shown
    published = editor_publish.publish_draft(draft.id, settings=settings)
    assert published.version == 1 and published.outcome == "added"
    assert (settings.specs_dir / "programa_editor.yaml").read_text(encoding="utf-8") == draft.yaml
    new = runs.run_file("programa_editor", data, filename=PROGRAM_XLSX.name, settings=settings)
    shipped = runs.run_file("dipres_programa_xlsx", data, filename=PROGRAM_XLSX.name, settings=settings)
    assert new.status == shipped.status == "succeeded"
    ours = preview_file(data, load_spec(settings.specs_dir / "programa_editor.yaml"), filename=PROGRAM_XLSX.name)
    theirs = preview_file(data, load_spec(settings.specs_dir / "dipres_programa_xlsx.yaml"), filename=PROGRAM_XLSX.name)
    a, b = ours.tables["silver"].df, theirs.tables["silver"].df
    assert len(a) == len(b) == new.row_counts["silver"] == shipped.row_counts["silver"]
    totals = lambda df: {k: Decimal(str(v)) for k, v in df.groupby("medida")["monto"].sum().items()}  # noqa: E731
    assert totals(a) == totals(b)
    key = ["subtitulo", "item", "asignacion"]
    assert a[key].astype(str).values.tolist() == b[key].astype(str).values.tolist()  # codes padded the same


def _generated(programs: int) -> bytes:
    chosen = [OTHER_PROGRAMS[i % len(OTHER_PROGRAMS)][:2] + (f"{i:02d}",) for i in range(programs)]
    return execution_csv(chosen, month=4)


def _assert_run_equals_preview(data: bytes, spec, sample, filename: str) -> None:
    """Every layer of the full preview, restricted to the sample's RAW rows, is the draft preview's layer."""
    full = preview_file(data, spec, filename=filename).tables
    sampled = editor_preview.final_tables(spec, sample)
    raw_rows = set(sample.table.df["_raw_row"])
    for layer in spec.layer_names:
        whole = full[layer].df
        expected = whole[whole["_raw_row"].isin(raw_rows)].reset_index(drop=True)
        pd.testing.assert_frame_equal(sampled[layer].df.reset_index(drop=True), expected)


@pytest.mark.parametrize("rows", [50, 1000])
def test_the_full_run_equals_the_preview_on_the_sampled_rows(rows):
    """Every layer of the full preview, restricted to the sample's RAW rows, is the draft preview's layer."""
    data = _generated(60)
    spec = parse_spec((ROOT / "specs" / "dipres_ejecucion.yaml").read_text(encoding="utf-8"))
    sample = editor_preview.load_sample(data, spec, sha256="generated-60", filename="ejecucion_2017_abril.csv",
                                        rows=rows)
    assert len(sample.table.df) == rows < sample.total_rows
    _assert_run_equals_preview(data, spec, sample, "ejecucion_2017_abril.csv")


@pytest.mark.realdata
def test_the_full_run_equals_the_preview_on_a_sample_of_a_real_budget_law(shared_data):
    path = shared_data / "dipres" / "elaval_ley2017_nacional.csv"
    if not path.exists():
        pytest.skip("the real DIPRES law file is not in ../shared")
    data = path.read_bytes()
    spec = load_spec(ROOT / "specs" / "dipres_ley.yaml")
    sample = editor_preview.load_sample(data, spec, sha256="ley2017", filename=path.name, rows=1000)
    _assert_run_equals_preview(data, spec, sample, path.name)


def test_a_drifted_file_opens_as_a_draft_with_the_proposed_fix_which_publishes_and_runs(settings):
    from tests.data.workbench import drift_variants as v

    assert runs.run_file("dipres_ejecucion", v.base_execution(), filename="ejecucion_2017_04.csv",
                         settings=settings).status == "succeeded"
    renamed = v.to_csv(v.relabel(v.execution_rows(month=5), "Denominación", "Glosa"))
    sha, _, _ = RawFileStore(settings).put(renamed)
    draft = editor_sources.draft_from_drift("dipres_ejecucion", sha, filename="ejecucion_2017_05.csv", settings=settings)
    assert draft.can_undo and draft.sample["sha256"] == sha
    assert "Glosa" in editor_publish.draft_diff(draft.id, settings)
    last = draft.layers[-1]
    preview = editor.preview_draft_step(draft.id, layer=last.name, index=len(last.steps) - 1, settings=settings)
    assert preview["error"] is None and all(s["error"] is None for s in preview["steps"])
    published = editor_publish.publish_draft(draft.id, settings=settings)
    run = runs.run_file("dipres_ejecucion", renamed, filename="ejecucion_2017_05.csv", settings=settings)
    assert run.status == "succeeded" and run.spec_version == published.version
    same = v.to_csv(v.relabel(v.execution_rows(month=6), "Denominación", "Glosa"))  # the layout it now reads
    sha_same, _, _ = RawFileStore(settings).put(same)
    with pytest.raises(EditError):
        editor_sources.draft_from_drift("dipres_ejecucion", sha_same, filename="ejecucion_2017_06.csv", settings=settings)
