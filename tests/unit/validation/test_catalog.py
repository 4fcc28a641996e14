"""The static catalog shipped for load-time checks equals what the installed GX exposes."""

from __future__ import annotations

import json

from workbench.engine.core.validation.catalog import CATALOG_PATH, build_catalog, core_catalog


def test_catalog_equals_installed_great_expectations():
    import great_expectations

    shipped = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    assert shipped["great_expectations"] == great_expectations.__version__
    assert shipped["expectations"] == build_catalog(), (
        "catalog.json is stale: regenerate it with "
        "python -c 'from workbench.engine.core.validation.catalog import write_catalog; write_catalog()'")


def test_catalog_has_the_core_types_with_kwargs():
    catalog = core_catalog()
    assert "expect_hierarchy_consistency" not in catalog  # ours are not core
    between = {k["name"]: k for k in catalog["expect_column_values_to_be_between"]}
    assert between["column"] == {"name": "column", "required": True, "types": ["string"]}
    assert between["mostly"]["types"] == ["number"]
    assert {k["name"] for k in catalog["expect_column_values_to_be_in_set"] if k["required"]} == {"column", "value_set"}
