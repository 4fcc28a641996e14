"""GX's result documents, written without GX: the same JSON a GX validation's ``to_json_dict()`` gives.

The vectorised checks produce GX's ``result`` dicts (``map_result`` is GX 1.24's ``_format_map_output`` for the
runner's COMPLETE result format); this module wraps them as GX does: the expectation's configuration, the
validation result, one suite result per layer. Values become JSON as ``convert_to_json_serializable`` makes
them (NaN and NA -> null, Decimal -> float, dates -> ISO text, numpy scalars -> Python). The differential test
(tests/unit/validation/test_differential.py) holds these documents equal to GX's own.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from workbench.engine.core.validation.catalog import gx_version

#: GX's list lengths in the runner's result format (runner.RESULT_FORMAT; GX's MAX_RESULT_RECORDS).
PARTIAL = 20
MAX_RESULT_RECORDS = 200
GX_SEVERITY = {"error": "critical", "warning": "warning"}
_NO_COLUMN = object()
NO_EXCEPTION = {"raised_exception": False, "exception_traceback": None, "exception_message": None}


@dataclass
class Outcome:
    """One check's verdict in GX's terms. ``error``: the check could not be evaluated (its message);
    ``stage`` says where GX would have failed: ``metric`` (GX lists those results first) or ``validate``."""

    success: bool
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    stage: str = "validate"

    @property
    def exception_info(self) -> dict[str, Any]:
        if self.error is None:
            return dict(NO_EXCEPTION)
        entry = {"exception_traceback": None, "exception_message": self.error, "raised_exception": True}
        return {"metric": entry} if self.stage == "metric" else entry


def failed(message: str, stage: str = "metric") -> Outcome:
    return Outcome(False, {}, message, stage)


def json_value(value: Any) -> Any:  # noqa: C901 (one branch per type, as GX's converter)
    """A value as GX's ``convert_to_json_serializable`` writes it (for the types a layer table holds)."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_value(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_value(v) for v in value.tolist()]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(round(value, sys.float_info.dig))
    if isinstance(value, np.datetime64):
        return np.datetime_as_string(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{value!s} is of type {type(value).__name__} which cannot be serialized.")


def map_result(success: bool, *, element_count: int, unexpected_count: int, unexpected_list: list[Any],
               unexpected_index_list: list[int], nonnull_count: int | None) -> dict[str, Any]:
    """GX's result of a map expectation (COMPLETE, no query, no rows): counts, percents, lists."""
    result: dict[str, Any] = {"element_count": element_count, "unexpected_count": unexpected_count}
    missing_count = None if nonnull_count is None else element_count - nonnull_count
    missing_percent = total = nonmissing = None
    if element_count > 0:
        total = unexpected_count / element_count * 100
        if missing_count is not None:
            missing_percent = missing_count / element_count * 100
            nonmissing = unexpected_count / nonnull_count * 100 if nonnull_count else None
        else:
            nonmissing = total
    result["unexpected_percent"] = nonmissing
    result["partial_unexpected_list"] = unexpected_list[:PARTIAL]
    if missing_count is not None:
        result.update(missing_count=missing_count, missing_percent=missing_percent,
                      unexpected_percent_total=total, unexpected_percent_nonmissing=nonmissing)
    counts = partial_counts(unexpected_list)
    if counts is not None:
        result["partial_unexpected_counts"] = counts
    result["partial_unexpected_index_list"] = unexpected_index_list[:PARTIAL]
    result["unexpected_list"] = unexpected_list
    result["unexpected_index_list"] = unexpected_index_list
    return result


def partial_counts(values: list[Any]) -> list[dict[str, Any]] | None:
    """The 20 most common unexpected values, as GX sorts them; None where GX gives up (unorderable values)."""
    hashable = [tuple(v.values()) for v in values] if values and isinstance(values[0], dict) else values
    try:
        common = sorted(Counter(hashable).most_common(PARTIAL), key=lambda x: (-x[1], x[0]))
    except TypeError:
        return None
    return [{"value": key, "count": count} for key, count in common]


def mostly_success(considered: int, unexpected: int, mostly: float) -> bool:
    """GX's ``_mostly_success``: the share of considered rows that pass, against ``mostly``."""
    return (float(considered) - float(unexpected)) / float(considered) >= mostly


def config_doc(type_: str, kwargs: dict[str, Any], *, layer: str, item_id: str, severity: str,
               description: str) -> dict[str, Any]:
    """An expectation's configuration as GX stores it in a result (``kwargs`` already as GX keeps them)."""
    doc: dict[str, Any] = {"type": type_, "kwargs": json_value({**kwargs, "batch_id": f"workbench-{layer}"}),
                           "meta": {"workbench_id": item_id, "layer": layer}}
    if description:
        doc["description"] = description
    doc["severity"] = GX_SEVERITY[severity]
    return doc


def result_doc(config: dict[str, Any], outcome: Outcome) -> dict[str, Any]:
    return {"success": outcome.success, "expectation_config": config, "result": json_value(outcome.result),
            "meta": {}, "exception_info": outcome.exception_info}


def suite_statistics(results: list[dict[str, Any]]) -> dict[str, Any]:
    count = len(results)
    passed = sum(1 for r in results if r["success"])
    return {"evaluated_expectations": count, "successful_expectations": passed,
            "unsuccessful_expectations": count - passed, "success_percent": passed / count * 100 if count else None}


def suite_doc(layer: str, results: list[dict[str, Any]], *, loaded: dt.datetime) -> dict[str, Any]:
    """One layer's ``ExpectationSuiteValidationResult.to_json_dict()``."""
    statistics = suite_statistics(results)
    return {"success": statistics["unsuccessful_expectations"] == 0, "results": results,
            "suite_name": f"workbench.{layer}", "suite_parameters": {}, "statistics": statistics,
            "meta": {"great_expectations_version": gx_version(), "batch_spec": {"batch_data": "PandasDataFrame"},
                     "batch_markers": {"ge_load_time": loaded.strftime("%Y%m%dT%H%M%S.%fZ")},
                     "active_batch_definition": {"datasource_name": "workbench", "data_connector_name": "fluent",
                                                 "data_asset_name": layer,
                                                 "batch_identifiers": {"dataframe": "<DATAFRAME>"}}},
            "id": None}


def gx_order(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Results in the order GX lists them: grouped by their ``column`` kwarg (groups in order of first
    appearance; checks without one form a group too: GX's ``process_expectations_for_validation``), then the
    checks whose metrics failed before the others (GX's ``graph_validate``)."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    for doc in docs:
        column = doc["expectation_config"]["kwargs"].get("column")
        groups.setdefault(column if isinstance(column, str) else _NO_COLUMN, []).append(doc)
    grouped = [doc for group in groups.values() for doc in group]
    return sorted(grouped, key=lambda doc: not _metric_failed(doc))  # stable


def _metric_failed(doc: dict[str, Any]) -> bool:
    """Did the check fail while GX computed its metrics? (Then its exception info is keyed by metric.)"""
    info = doc.get("exception_info") or {}
    return "raised_exception" not in info and any(isinstance(v, dict) for v in info.values())


__all__ = ["GX_SEVERITY", "MAX_RESULT_RECORDS", "Outcome", "config_doc", "failed", "json_value", "map_result",
           "gx_order", "mostly_success", "partial_counts", "result_doc", "suite_doc", "suite_statistics"]
