"""The rule editor's view helpers (workbench/state/editor_views.py): catalog-generated forms round-trip every step
type's example, a field that can't be read names itself, and a step preview becomes small text grids."""

from __future__ import annotations

import pytest

from workbench.engine.core.spec.catalog import step_catalog
from workbench.state import editor_views as views
from workbench.state.editor_new import proposal_view, slug_of
from workbench.state.editor_preview import parse_params


@pytest.mark.parametrize("entry", step_catalog(), ids=lambda e: e["type"])
def test_every_step_forms_example_round_trips_through_its_form(entry):
    example = {k: v for k, v in entry["example"].items() if k != "type"}
    fields = views.form_fields(entry["fields"], example)
    assert views.values_from_form(fields) == example


def test_an_unreadable_field_is_named_and_nothing_is_built():
    fields = views.form_fields([{"name": "scale", "title": "Escala", "kind": "int"}], {})
    fields[0]["value"] = "tres"
    with pytest.raises(views.FormError, match="«Escala» debe ser un número entero"):
        views.values_from_form(fields)


def test_text_map_lines_and_es_cl_numbers():
    fields = views.form_fields([{"name": "mapping", "title": "Mapeo", "kind": "text_map"},
                                {"name": "min", "title": "Mínimo", "kind": "number"}], {"mapping": {"P": "CLP"}})
    assert fields[0]["value"] == "P = CLP"
    fields[0]["value"] += "\nD = USD"
    fields[1]["value"] = "1.234,5"
    assert views.values_from_form(fields) == {"mapping": {"P": "CLP", "D": "USD"}, "min": 1234.5}
    fields[0]["value"] = "sin signo igual"
    with pytest.raises(views.FormError, match="línea 1"):
        views.values_from_form(fields)


def test_a_required_empty_field_is_refused_and_an_optional_one_left_out():
    fields = views.form_fields([{"name": "column", "title": "Columna", "kind": "text", "required": True},
                                {"name": "target", "title": "Destino", "kind": "text"}], {})
    with pytest.raises(views.FormError, match="obligatorio"):
        views.values_from_form(fields)
    fields[0]["value"] = "moneda"
    assert views.values_from_form(fields) == {"column": "moneda"}


def test_preview_view_text_grids_help_and_strip():
    sp = {"layer": "bronze", "index": 6, "type": "map_categories", "label": "moneda", "rows_in": 72, "rows_out": 72,
          "columns_in": ["moneda", "monto"], "columns_out": ["moneda", "monto"], "columns_added": [],
          "columns_removed": [], "cells_changed": {"moneda": 70},
          "before": {"columns": ["moneda", "monto"], "rows": [{"moneda": "P", "monto": 1234.5},
                                                              {"moneda": "<b>x</b>", "monto": None}]},
          "after": None, "error": None, "sample_rows": 72, "elapsed_ms": 3.2, "cached_prefix": 5,
          "help": {"values": [{"value": "P", "count": 70, "mapped": True, "mapped_to": "CLP"}],
                   "unmapped": [{"value": "X", "count": 2}], "coverage": 97.2},
          "steps": [{"layer": "bronze", "index": 6, "type": "map_categories", "rows_out": 72, "error": None}]}
    view = views.preview_view(sp)
    assert view["before"]["rows"] == [["P", "1.234,5"], ["<b>x</b>", "—"]]  # text, escaped when bound
    assert view["after"] == {"columns": [], "rows": []}
    assert view["help"]["unmapped"] == [{"value": "X", "count": "2"}]
    assert view["help"]["coverage"] == "97,2 %"
    assert view["changed_total"] == "70"
    strip = views.status_strip(sp["steps"], "bronze:6")
    assert strip[0]["selected"] and strip[0]["rows"] == "72" and strip[0]["n"] == 7


def test_engine_error_problems_in_spanish():
    view = views.error_view({"code": "draft-invalid", "message_es": "el borrador no es válido",
                             "details": {"problems": [{"line": 12, "path": "layers.bronze.3", "message": "x",
                                                       "message_es": "falta la columna"}]}})
    assert view["problems"] == [{"line": "línea 12", "path": "layers.bronze.3", "message": "falta la columna"}]


def test_new_spec_helpers():
    assert slug_of("Programa Ejecución 2017-abril.xlsx") == "programa_ejecuci_n_2017_abril"
    assert parse_params("anio=2017, mes = 4") == {"anio": "2017", "mes": "4"}
    view = proposal_view({"raw": {"columns": ["A", "B"], "sample": [{"A": "x", "B": None, "_row": 3}]},
                          "columns": [{"name": "Monto", "snake": "monto", "kind": "number", "suggest": "measure",
                                       "examples": ["1,5"]}], "source": {"format": "xlsx"}, "header_row": 3})
    assert view["raw"]["rows"] == [["3 · encabezado", "x", ""]]
    assert view["columns"][0]["role"] == "measure" and view["columns"][0]["type"] == "decimal"


def _shipped_steps() -> list[tuple[str, dict]]:
    import yaml
    from pathlib import Path

    out = []
    for path in sorted((Path(__file__).resolve().parents[2] / "specs").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for layer, steps in (doc.get("layers") or {}).items():
            out += [(f"{path.stem}.{layer}[{i}]", step) for i, step in enumerate(steps or [])]
    return out


@pytest.mark.parametrize("where,step", _shipped_steps(), ids=[w for w, _ in _shipped_steps()])
def test_every_shipped_step_comes_back_unchanged_from_its_form(where, step):
    """Opening a step's form and saving it untouched sends the same step (what the form doesn't show is kept)."""
    entry = next(e for e in step_catalog() if e["type"] == step["type"])
    fields = views.form_fields(entry["fields"], step)
    shown = {f["name"] for f in fields} | {"type"}
    extra = {k: v for k, v in step.items() if k not in shown}
    assert {"type": step["type"], **extra, **views.values_from_form(fields)} == step
