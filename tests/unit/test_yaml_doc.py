"""The rule editor's edits of a spec's YAML text: zero diff without an edit, an edit's diff is the edit, comments
and hand-wrapped lists survive, every result is a valid spec, and an invalid edit changes nothing."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from workbench.engine.core.errors import SpecError
from workbench.engine.core.pipeline import run_pipeline
from workbench.engine.core.spec.catalog import step_catalog
from workbench.engine.core.spec.loader import parse_spec
from workbench.engine.core.spec.yaml_doc import SECTIONS, EditError, SpecDocument, apply_edit, step_dicts
from workbench.engine.core.spec.yaml_render import wrap_flow
from workbench.engine.core.table import Table

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "specs").glob("*.yaml"))


def _name(path: Path) -> str:
    return f"specs/{path.name}"


def _changed(old: str, new: str) -> list[str]:
    return [line for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def _plain(node) -> object:
    return json.loads(json.dumps(node, default=str))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_loading_and_saving_every_spec_with_no_edit_gives_zero_diff(path: Path) -> None:
    """Every step and every section written back with the data it holds: the text is byte for byte the same
    (comments, key order, quoting, hand-wrapped flow lists)."""
    text = path.read_text(encoding="utf-8")
    doc = SpecDocument(text, _name(path))
    saved = text
    for layer in doc.spec.layer_names:
        for index in range(len(doc.spec.layers[layer])):
            step = _plain(SpecDocument(saved, _name(path)).doc["layers"][layer][index])
            saved = apply_edit(saved, {"op": "update_step", "layer": layer, "index": index, "step": step},
                               filename=_name(path))
    for section in SECTIONS:
        if section in doc.doc:
            value = _plain(SpecDocument(saved, _name(path)).doc[section])
            saved = apply_edit(saved, {"op": "set_section", "section": section, "value": value}, filename=_name(path))
    saved = apply_edit(saved, {"op": "replace_yaml", "text": saved}, filename=_name(path))
    assert _changed(text, saved) == []
    assert saved == text


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_an_edit_changes_only_its_own_lines_and_undoing_it_restores_the_text(path: Path) -> None:
    text, name = path.read_text(encoding="utf-8"), _name(path)
    comments = [line for line in text.splitlines() if line.strip().startswith("#")]
    new_step = {"type": "map_categories", "column": "moneda", "mapping": {"P": "CLP", "01": "uno"}, "unmapped": "keep"}
    added = apply_edit(text, {"op": "add_step", "layer": "bronze", "index": 2, "step": new_step}, filename=name)
    assert _changed(text, added) == ["+    - type: map_categories", "+      column: moneda",
                                     "+      mapping: {P: CLP, '01': uno}", "+      unmapped: keep"]
    assert parse_spec(added, name).layers["bronze"][2].mapping == {"P": "CLP", "01": "uno"}  # '01' stays text
    assert [line for line in added.splitlines() if line.strip().startswith("#")] == comments
    switched = apply_edit(added, {"op": "toggle_step", "layer": "bronze", "index": 2, "disabled": True}, filename=name)
    assert _changed(added, switched) == ["+      disabled: true"]
    assert parse_spec(switched, name).layers["bronze"][2].disabled is True
    back_on = apply_edit(switched, {"op": "toggle_step", "layer": "bronze", "index": 2, "disabled": False}, filename=name)
    assert back_on == added
    moved = apply_edit(added, {"op": "move_step", "layer": "bronze", "index": 2, "to": 0}, filename=name)
    assert [s.type for s in parse_spec(moved, name).layers["bronze"]][:1] == ["map_categories"]
    without = apply_edit(moved, {"op": "delete_step", "layer": "bronze", "index": 0}, filename=name)
    assert without == text  # the move carried the step's own lines and touched no other
    assert apply_edit(moved, {"op": "move_step", "layer": "bronze", "index": 0, "to": 2}, filename=name) == added
    assert apply_edit(added, {"op": "delete_step", "layer": "bronze", "index": 2}, filename=name) == text


def test_a_changed_option_inside_a_commented_step_rewrites_one_line() -> None:
    path = ROOT / "specs" / "dipres_programa_xlsx.yaml"
    text, name = path.read_text(encoding="utf-8"), _name(path)
    doc = SpecDocument(text, name)
    index = next(i for i, s in enumerate(doc.spec.layers["bronze"]) if s.type == "type_cast")
    step = _plain(doc.doc["layers"]["bronze"][index])
    step["columns"]["devengado"] = {"type": "decimal", "scale": 2}
    new = apply_edit(text, {"op": "update_step", "layer": "bronze", "index": index, "step": step}, filename=name)
    assert _changed(text, new) == ["-        devengado: {type: decimal, scale: 3}",
                                   "+        devengado: {type: decimal, scale: 2}"]
    assert "# Workbook numbers arrive as plain text" in new


@pytest.mark.parametrize("form", step_catalog(), ids=lambda f: f["type"])
def test_every_step_type_can_be_added_to_every_layer_and_reads_back_as_given(form: dict) -> None:
    path = ROOT / "specs" / "dipres_ejecucion.yaml"
    text, name = path.read_text(encoding="utf-8"), _name(path)
    for layer in ("bronze", "silver", "gold"):
        new = apply_edit(text, {"op": "add_step", "layer": layer, "step": form["example"]}, filename=name)
        spec = parse_spec(new, name)
        assert spec.layers[layer][-1].type == form["type"]  # apply_edit also compares it with the given step
        assert apply_edit(new, {"op": "delete_step", "layer": layer, "index": len(spec.layers[layer]) - 1},
                          filename=name) == text


def test_a_section_is_added_in_its_place_changed_key_by_key_and_removed_with_its_comments() -> None:
    path = ROOT / "specs" / "dipres_ley.yaml"
    text, name = path.read_text(encoding="utf-8"), _name(path)
    source = _plain(SpecDocument(text, name).doc["source"])
    changed = apply_edit(text, {"op": "set_section", "section": "source",
                                "value": source | {"skip_blank_rows": False}}, filename=name)
    assert _changed(text, changed) == ["+  skip_blank_rows: false"]
    exposures = [{"name": "tablero_ley", "type": "dashboard", "owner": {"name": "Finanzas"}}]
    added = apply_edit(text, {"op": "set_section", "section": "exposures", "value": exposures}, filename=name)
    assert parse_spec(added, name).exposures[0].name == "tablero_ley"
    lines = added.splitlines()
    assert lines.index("exposures:") > lines.index("layers:")  # the canonical order: after layers
    assert apply_edit(added, {"op": "set_section", "section": "exposures", "value": None}, filename=name) == text


@pytest.mark.parametrize("op, error", [
    ({"op": "add_step", "layer": "bronze", "step": {"type": "map_categories", "column": "x", "mapping": {}}}, SpecError),
    ({"op": "add_step", "layer": "platinum", "step": {"type": "strip"}}, EditError),
    ({"op": "delete_step", "layer": "bronze", "index": 99}, EditError),
    ({"op": "move_step", "layer": "bronze", "index": 0, "to": 99}, EditError),
    ({"op": "move_step", "layer": "bronze", "index": 99, "to": 0}, EditError),
    ({"op": "toggle_step", "layer": "silver", "index": 5}, EditError),
    ({"op": "toggle_step", "layer": "gold", "index": 1}, EditError),
    ({"op": "update_step", "layer": "bronze", "index": 0}, EditError),
    ({"op": "set_section", "section": "layers", "value": {}}, EditError),
    ({"op": "set_section", "section": "source", "value": {"format": "pdf"}}, SpecError),
    ({"op": "replace_yaml", "text": "a: &x [1]\nb: *x\n"}, SpecError),
    ({"op": "replace_yaml", "text": "dataset: {slug: otro, title: t}\nlayers: {bronze: []}\n"}, SpecError),
    ({"op": "explode"}, EditError),
])
def test_an_invalid_edit_raises_a_located_error_and_changes_nothing(op: dict, error: type) -> None:
    path = ROOT / "specs" / "dipres_ejecucion.yaml"
    text = path.read_text(encoding="utf-8")
    with pytest.raises(error) as raised:
        apply_edit(text, op, filename=_name(path))
    assert raised.value.message_es
    if error is SpecError and op["op"] == "add_step":
        problem = raised.value.details["problems"][0]
        assert problem["path"].startswith("layers.bronze[") and problem["line"] > 0
    assert path.read_text(encoding="utf-8") == text


def test_long_flow_lists_wrap_after_commas_outside_quotes() -> None:
    line = "      columns: [" + ", ".join(["'a, b'", *(f"columna_{i}" for i in range(14))]) + "]\n"
    wrapped = wrap_flow(line)
    assert len(wrapped) > 1 and all(len(x.rstrip("\n")) <= 112 for x in wrapped)
    assert all(x.startswith(" " * 16) for x in wrapped[1:])  # under the first item
    import yaml
    assert yaml.safe_load("".join(wrapped).strip()) == yaml.safe_load(line.strip())


def test_a_disabled_step_is_skipped_by_the_pipeline_and_changes_the_hash_but_an_enabled_one_does_not() -> None:
    import pandas as pd

    text = ("dataset: {slug: prueba, title: Prueba}\nlayers:\n  bronze:\n    - type: strip\n"
            "    - type: drop_rows\n      where: {column: a, equals: x}\n")
    spec = parse_spec(text)
    off = parse_spec(apply_edit(text, {"op": "toggle_step", "layer": "bronze", "index": 1, "disabled": True}))
    same = parse_spec(text.replace("- type: strip", "- type: strip\n      disabled: false"))
    assert same.content_hash() == spec.content_hash() and off.content_hash() != spec.content_hash()
    assert "disabled" not in json.dumps(spec.model_dump(mode="json"))
    table = Table(pd.DataFrame({"a": ["x", "y"], "_raw_row": [2, 3]}))
    on_rows = run_pipeline(spec, table, params={}, raw_header=["a"]).layers["bronze"].df
    off_result = run_pipeline(off, table, params={}, raw_header=["a"])
    assert len(on_rows) == 1 and len(off_result.layers["bronze"].df) == 2
    assert [r.index for r in off_result.timeline] == [1]  # the timeline keeps the spec's positions


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_each_step_as_the_editor_shows_it_writes_back_unchanged(path: Path) -> None:
    """The steps a draft view carries (``step_dicts``: aliases such as `all`/`in`, explicit defaults kept) are
    what a form sends back: sending every one back untouched leaves the text byte for byte."""
    text, name = path.read_text(encoding="utf-8"), _name(path)
    saved = text
    for layer, steps in step_dicts(text).items():
        for index, step in enumerate(steps):
            saved = apply_edit(saved, {"op": "update_step", "layer": layer, "index": index,
                                       "step": json.loads(json.dumps(step))}, filename=name)
    assert saved == text
