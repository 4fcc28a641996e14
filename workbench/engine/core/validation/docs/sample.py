"""Real GX validation results of a small budget-like table, for the Data Docs tests, e2e test and benchmark.

They must be *real* ``to_json_dict()`` output (GX changes its shape between versions, and hand-written
results would hide that), and the unit tests, the browser test and ``bench/datadocs.py`` need the same
ones, so they live here rather than in one of them. ``hostile=True`` puts ``<script>`` in a column name, a
value and a description; ``custom=True`` adds results shaped like the project's custom expectations' and one of
an expectation type no module defines.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

HOSTILE = "<script>alert('xss')</script>"
CUSTOM_TYPES = ("expect_hierarchy_consistency", "expect_control_total")
UNKNOWN_TYPE = "expect_workbench_retired_check"


def _frame(rows: int, bad_rows: int, hostile: bool) -> Any:
    bad = set(range(0, rows, max(1, rows // max(1, bad_rows)))) if bad_rows else set()
    return pd.DataFrame({
        "partida": [f"{i % 30:02d}" if i not in bad else (HOSTILE if hostile and i == 0 else f"X{i}")
                    for i in range(rows)],
        "subtitulo": [f"{i % 7:02d}" for i in range(rows)],
        "glosa": [HOSTILE if hostile and i == 1 else f"Glosa {i}" for i in range(rows)],
        "monto_pesos": [(-1 if i in bad else 1) * (1000 + i) for i in range(rows)],
        "moneda": ["CLP" if i not in bad else "USD" for i in range(rows)],
        (f"col {HOSTILE}" if hostile else "anio"): [2024] * rows,
    })


def _suites(hostile: bool) -> dict[str, list[Any]]:
    import great_expectations as gx  # lazy: ~3 s; only tests and the Data Docs benchmark make sample results

    e = gx.expectations
    year = f"col {HOSTILE}" if hostile else "anio"
    return {
        "bronze": [
            e.ExpectTableRowCountToBeBetween(min_value=1, max_value=10_000_000),
            e.ExpectColumnToExist(column="partida"),
            e.ExpectColumnToExist(column="monto_pesos"),
            e.ExpectColumnValuesToNotBeNull(column="glosa"),
            e.ExpectColumnValuesToMatchRegex(column="partida", regex=r"^\d{2}$",
                                             description=f"Partida code {HOSTILE}" if hostile else None),
        ],
        "silver": [
            e.ExpectColumnValuesToBeBetween(column="monto_pesos", min_value=0),
            e.ExpectColumnValuesToBeInSet(column="moneda", value_set=["CLP"]),
            e.ExpectColumnValuesToNotBeNull(column="partida"),
            e.ExpectColumnValuesToBeBetween(column=year, min_value=2000, max_value=2100),
            e.ExpectColumnValueLengthsToEqual(column="subtitulo", value=2),
        ],
        "gold": [
            e.ExpectColumnSumToBeBetween(column="monto_pesos", min_value=0),
            e.ExpectColumnDistinctValuesToBeInSet(column="subtitulo", value_set=[f"{i:02d}" for i in range(7)]),
            e.ExpectCompoundColumnsToBeUnique(column_list=["partida", "subtitulo", "glosa"]),
            e.ExpectColumnValuesToBeUnique(column="partida"),
            e.ExpectColumnMeanToBeBetween(column="monto_pesos", min_value=0, max_value=1e9),
        ],
    }


def _custom_results(hostile: bool) -> list[dict[str, Any]]:
    """Results shaped like the project's custom expectations' (gx_custom.py), plus one type no module defines.

    The unknown type stands for results stored before a custom expectation was renamed or removed: old
    runs' pages must still build.
    """
    parent = HOSTILE if hostile else "01"
    mismatches = [{"position": p, "parent": parent if p == 3 else "05", "measure": "monto_pesos",
                   "expected": "1500", "actual": "1490"} for p in (3, 17)]
    no_error = {"raised_exception": False, "exception_message": None, "exception_traceback": None}
    return [
        {"success": False, "meta": {}, "exception_info": no_error,
         "expectation_config": {"type": "expect_hierarchy_consistency", "meta": {}, "id": None, "kwargs": {
             "levels": ["partida", "capitulo", "programa"], "level_column": "nivel", "measures": ["monto_pesos"],
             "tolerance": "0"}},
         "result": {"observed_value": "2 de 30 totales no cuadran", "element_count": 30, "unexpected_count": 2,
                    "unexpected_percent": 100 * 2 / 30, "unexpected_index_list": [3, 17],
                    "partial_unexpected_list": mismatches, "details": {"mismatches": mismatches}}},
        {"success": True, "meta": {}, "exception_info": no_error,
         "expectation_config": {"type": "expect_control_total", "meta": {}, "id": None, "kwargs": {
             "control": "total_ley", "terms": [{"column": "monto_pesos", "sign": 1}], "tolerance": "0",
             "expected_value": "176100"}},
         "result": {"observed_value": "176100", "element_count": 200,
                    "details": {"expected_value": "176100", "difference": "0", "control": "total_ley"}}},
        {"success": False, "meta": {}, "exception_info": no_error,
         "expectation_config": {"type": UNKNOWN_TYPE, "meta": {}, "id": None, "kwargs": {"column": "partida"}},
         "result": {"observed_value": 7}},
    ]


def sample_results(*, rows: int = 200, bad_rows: int = 20, hostile: bool = False,
                   custom: bool = False) -> dict[str, dict[str, Any]]:
    """Layer -> ``to_json_dict()`` of a real validation; ``bad_rows`` rows fail several expectations."""
    import great_expectations as gx  # lazy: as in _suites
    from great_expectations.data_context.types.base import ProgressBarsConfig  # lazy: as in _suites

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (context.data_sources.add_pandas("sample").add_dataframe_asset("budget")
             .add_batch_definition_whole_dataframe("all")
             .get_batch(batch_parameters={"dataframe": _frame(rows, bad_rows, hostile)}))
    out: dict[str, dict[str, Any]] = {}
    for layer, expectations in _suites(hostile).items():
        suite = gx.ExpectationSuite(name=layer, expectations=expectations)
        out[layer] = batch.validate(suite, result_format="COMPLETE").to_json_dict()
    if custom:
        gold = out["gold"]
        extra = _custom_results(hostile)
        gold["results"] += extra
        gold["success"] = False
        stats = gold["statistics"]
        stats["evaluated_expectations"] += len(extra)
        stats["successful_expectations"] += sum(r["success"] for r in extra)
        stats["unsuccessful_expectations"] += sum(not r["success"] for r in extra)
        stats["success_percent"] = 100 * stats["successful_expectations"] / stats["evaluated_expectations"]
    return out
