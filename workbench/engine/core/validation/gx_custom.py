"""Our custom checks as real GX expectations (registered with GX on import), so they run in the same suite as
the core ones and appear in GX validation results and Data Docs.

Each is a BatchExpectation over its own table metric; the metric calls the pure check (hierarchy.py,
control_total.py) on the batch's frame. Imported only by the runner, which imports great_expectations lazily.
Decimal values travel as text (exact, JSON-safe). ``exact_scales`` is set by the runner, never by a spec: it
names the float64 columns of the GX frame that hold decimals (frames.gx_frame).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, Dict, List, Optional

from great_expectations.core.metric_domain_types import MetricDomainTypes
from great_expectations.execution_engine import ExecutionEngine, PandasExecutionEngine
from great_expectations.expectations.expectation import BatchExpectation
from great_expectations.expectations.metrics.metric_provider import metric_value
from great_expectations.expectations.metrics.table_metric_provider import TableMetricProvider

from workbench.engine.core.validation.control_total import ControlTotalKwargs, check_control_total, plain
from workbench.engine.core.validation.frames import EXACT
from workbench.engine.core.validation.hierarchy import HierarchyKwargs, check_hierarchy

HIERARCHY_METRIC = "table.workbench_hierarchy_mismatches"
CONTROL_METRIC = "table.workbench_control_total"
PARTIAL_LIST = 20  # mismatches repeated in partial_unexpected_list (Data Docs shows these)


def _frame(execution_engine: ExecutionEngine, domain: dict) -> Any:
    df, _, _ = execution_engine.get_compute_domain(domain, domain_type=MetricDomainTypes.TABLE)
    return df


class HierarchyMismatches(TableMetricProvider):
    """Parents whose children do not add up (see hierarchy.check_hierarchy)."""

    metric_name = HIERARCHY_METRIC
    value_keys = (*HierarchyKwargs.model_fields, "exact_scales")

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(cls, execution_engine: ExecutionEngine, metric_domain_kwargs: dict, metric_value_kwargs: dict,
                metrics: Dict[str, Any], runtime_configuration: dict) -> dict:
        args = {k: v for k, v in metric_value_kwargs.items() if k in HierarchyKwargs.model_fields and v is not None}
        outcome = check_hierarchy(_frame(execution_engine, metric_domain_kwargs), HierarchyKwargs(**args),
                                  metric_value_kwargs.get("exact_scales") or {})
        return {"parents_checked": outcome.parents_checked, "mismatches": [m.to_dict() for m in outcome.mismatches]}


class _Tolerant:
    """Stored results are rendered again later (Data Docs), maybe by a newer version of these classes: unknown
    or missing kwargs must not break rendering. Specs are validated strictly at load (models.py) instead."""

    class Config:
        extra = "ignore"


class ExpectHierarchyConsistency(BatchExpectation):
    """Children rows add up to their parent row, per measure, within an absolute tolerance."""

    Config = _Tolerant.Config
    levels: Optional[List[str]] = None
    level_column: str = "nivel"
    parents: Optional[List[str]] = None
    group_by: List[str] = []
    measures: Optional[List[str]] = None
    measure_column: Optional[str] = None
    value_column: Optional[str] = None
    tolerance: str = "0"
    mostly: float = 1.0
    exact_scales: Dict[str, int] = {}

    metric_dependencies = (HIERARCHY_METRIC,)
    success_keys = (*HierarchyKwargs.model_fields, "mostly", "exact_scales")
    args_keys = ("levels", "measures")
    library_metadata: ClassVar[Dict[str, Any]] = {"tags": ["workbench", "budget"], "contributors": ["Data Workbench"]}

    def _validate(self, metrics: Dict, runtime_configuration: Optional[dict] = None,
                  execution_engine: Optional[ExecutionEngine] = None) -> dict:
        value = metrics[HIERARCHY_METRIC]
        checked, bad = value["parents_checked"], value["mismatches"]
        share = len(bad) / checked if checked else 0.0
        success = share <= 1 - self.mostly if self.mostly < 1 else not bad
        return {"success": success, "result": {
            "observed_value": f"{len(bad)} de {checked} totales no cuadran",
            "element_count": checked,
            "unexpected_count": len(bad),
            "unexpected_percent": 100 * share,
            "unexpected_index_list": sorted({m["position"] for m in bad}),
            "partial_unexpected_list": bad[:PARTIAL_LIST],
            "details": {"mismatches": bad},
        }}


class ControlTotalSum(TableMetricProvider):
    """The signed sum the control total is compared with (see control_total.check_control_total)."""

    metric_name = CONTROL_METRIC
    value_keys = ("terms", "exact_scales")

    @metric_value(engine=PandasExecutionEngine)
    def _pandas(cls, execution_engine: ExecutionEngine, metric_domain_kwargs: dict, metric_value_kwargs: dict,
                metrics: Dict[str, Any], runtime_configuration: dict) -> dict:
        kw = ControlTotalKwargs(control="-", terms=metric_value_kwargs["terms"])
        outcome = check_control_total(_frame(execution_engine, metric_domain_kwargs), kw, Decimal(0),
                                      metric_value_kwargs.get("exact_scales") or {})
        return {"sum": plain(outcome.computed), "rows": outcome.rows_summed}


class ExpectControlTotal(BatchExpectation):
    """A signed sum over the table equals a control total captured from the RAW file."""

    Config = _Tolerant.Config
    control: Optional[str] = None
    terms: List[Dict[str, Any]] = []
    tolerance: str = "0"
    decimal: str = ","
    thousands: str = "."
    expected_value: Optional[str] = None  # the parsed control total, set by the runner
    control_cell: Optional[Dict[str, Any]] = None  # its RAW cell: {"sheet", "row", "column", "text"}
    exact_scales: Dict[str, int] = {}

    metric_dependencies = (CONTROL_METRIC,)
    success_keys = ("control", "terms", "tolerance", "expected_value", "exact_scales")
    args_keys = ("control", "terms")
    library_metadata: ClassVar[Dict[str, Any]] = {"tags": ["workbench", "budget"], "contributors": ["Data Workbench"]}

    def _validate(self, metrics: Dict, runtime_configuration: Optional[dict] = None,
                  execution_engine: Optional[ExecutionEngine] = None) -> dict:
        if self.expected_value is None:
            raise ValueError(f"el total de control {self.control!r} no fue capturado en este archivo")
        value = metrics[CONTROL_METRIC]
        computed, expected = Decimal(value["sum"]), Decimal(self.expected_value)
        difference = EXACT.subtract(computed, expected)
        return {"success": abs(difference) <= Decimal(self.tolerance), "result": {
            "observed_value": plain(computed),
            "element_count": value["rows"],
            "details": {"expected_value": plain(expected), "difference": plain(difference),
                        "control": self.control, "control_cell": self.control_cell},
        }}


#: spec type -> GX class (registered with GX by their definition above)
GX_CUSTOM: Dict[str, type] = {"expect_hierarchy_consistency": ExpectHierarchyConsistency,
                              "expect_control_total": ExpectControlTotal}

__all__ = ["GX_CUSTOM", "ExpectControlTotal", "ExpectHierarchyConsistency"]
