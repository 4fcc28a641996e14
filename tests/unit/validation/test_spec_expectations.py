"""Expectations in the spec: checked at load (without GX), errors located at the spec's line."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workbench.engine.core.errors import SpecError
from workbench.engine.core.spec.loader import load_spec, parse_spec

ROOT = Path(__file__).resolve().parents[3]
HEAD = textwrap.dedent("""\
    dataset:
      slug: demo
      title: Demo
    layers:
      bronze:
        - type: strip
    expectations:
      bronze:
    """)


def problems(body: str) -> list[dict]:
    with pytest.raises(SpecError) as info:
        parse_spec(HEAD + textwrap.indent(textwrap.dedent(body), "    "), "specs/demo.yaml")
    return info.value.details["problems"]


def test_flat_mapping_with_defaults_and_ids():
    spec = parse_spec(HEAD + "    - {type: expect_column_values_to_not_be_null, column: a}\n"
                             "    - {type: expect_column_values_to_be_in_set, column: m, value_set: [CLP], "
                             "severity: warning, id: moneda, mostly: 0.9, description: Moneda}\n", "specs/demo.yaml")
    first, second = spec.expectations["bronze"]
    assert (first.id, first.severity, first.kwargs) == ("bronze.1", "error", {"column": "a"})
    assert (second.id, second.severity, second.mostly, second.kwargs) == ("moneda", "warning", 0.9,
                                                                          {"column": "m", "value_set": ["CLP"]})


def test_unknown_type_suggests_the_closest_and_names_the_line():
    [p] = problems("- type: expect_column_values_to_not_be_nul\n  column: a\n")
    assert p["line"] == 9 and p["path"] == "expectations.bronze[0].type"
    assert "did you mean 'expect_column_values_to_not_be_null'" in p["message"]


def test_unknown_kwarg_is_located_at_its_own_line():
    [p] = problems("- type: expect_column_values_to_not_be_null\n  column: a\n  colum: b\n")
    assert (p["line"], p["path"]) == (11, "expectations.bronze[0].colum")


def test_missing_required_kwarg():
    [p] = problems("- type: expect_column_values_to_be_in_set\n  column: a\n")
    assert p["line"] == 9 and "needs `value_set`" in p["message"]


def test_wrong_kwarg_type():
    [p] = problems("- type: expect_column_values_to_be_between\n  column: a\n  min_value: mucho\n")
    assert (p["line"], p["path"]) == (11, "expectations.bronze[0].min_value")
    assert "must be number or date" in p["message"]


def test_mostly_only_where_the_type_takes_it_and_within_0_1():
    [p] = problems("- type: expect_table_row_count_to_be_between\n  min_value: 1\n  mostly: 0.5\n")
    assert "does not take `mostly`" in p["message"]
    [p] = problems("- type: expect_column_values_to_not_be_null\n  column: a\n  mostly: 2\n")
    assert p["path"].endswith("mostly")


def test_custom_check_kwargs_are_validated_with_their_location():
    found = problems("""\
        - type: expect_hierarchy_consistency
          levels: [subtitulo, item]
          measures: [m]
          tolerance: -1
        - type: expect_control_total
          control: resultado
          terms: [{column: x, sign: 2}]
        """)
    assert [(p["line"], p["path"]) for p in found] == [(12, "expectations.bronze[0].tolerance"),
                                                       (15, "expectations.bronze[1].terms[0].sign")]


def test_hierarchy_needs_one_shape():
    [p] = problems("- {type: expect_hierarchy_consistency, levels: [a, b]}\n")
    assert "either `measures`" in p["message"]


def test_duplicate_ids_are_refused():
    [p] = problems("- {type: expect_column_values_to_not_be_null, column: a, id: x}\n"
                   "- {type: expect_column_values_to_not_be_null, column: b, id: x}\n")
    assert "'x' is used twice" in p["message"]


def test_shipped_specs_declare_expectations():
    spec = load_spec(ROOT / "specs" / "dipres_ejecucion.yaml")
    types = {e.type for e in spec.expectations["bronze"]}
    assert {"expect_hierarchy_consistency", "expect_control_total"} <= types
    assert load_spec(ROOT / "specs" / "dipres_ley.yaml").expectations["silver"]


def test_loading_specs_and_the_package_does_not_import_great_expectations():
    code = ("import sys; import workbench.engine.core.validation; from workbench.engine.core.spec.loader import load_spec; "
            "load_spec('specs/dipres_ejecucion.yaml'); print('great_expectations' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
