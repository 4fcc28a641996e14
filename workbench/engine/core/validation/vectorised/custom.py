"""Our custom checks without GX: the same pure checks (hierarchy.py, control_total.py) on the same frame, and
the results and stored configuration GX's adapters (gx_custom.py) give them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from workbench.engine.core.validation.checks import CONTROL_TOTAL, HIERARCHY
from workbench.engine.core.validation.control_total import (ControlTotalKwargs, captured_value, check_control_total,
                                                            plain)
from workbench.engine.core.validation.frames import EXACT, scales_of
from workbench.engine.core.validation.hierarchy import HierarchyKwargs, check_hierarchy
from workbench.engine.core.validation.models import ExpectationSpec
from workbench.engine.core.validation.vectorised.batch import Batch
from workbench.engine.core.validation.vectorised.gxdoc import PARTIAL, Outcome, failed

#: The defaults of the GX classes' fields (gx_custom.py): a stored configuration leaves them out, as GX does.
#: The differential test holds the stored configurations equal to GX's.
GX_DEFAULTS: dict[str, dict[str, Any]] = {
    HIERARCHY: {"levels": None, "level_column": "nivel", "parents": None, "group_by": [], "measures": None,
                "measure_column": None, "value_column": None, "tolerance": "0", "mostly": 1.0, "exact_scales": {}},
    CONTROL_TOTAL: {"control": None, "terms": [], "tolerance": "0", "decimal": ",", "thousands": ".",
                    "expected_value": None, "control_cell": None, "exact_scales": {}},
}


def _stored(type_: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    defaults = GX_DEFAULTS[type_]
    return {k: v for k, v in kwargs.items() if k not in defaults or v != defaults[k]}


def hierarchy(batch: Batch, item: ExpectationSpec) -> tuple[dict[str, Any], Callable[[], Outcome]]:
    kw = HierarchyKwargs(**item.kwargs)
    frame = batch.frame(kw.columns(), exact=True)  # first: reading the columns gives their scales
    scales = scales_of(batch.scales, kw.columns())
    mostly = 1.0 if item.mostly is None else float(item.mostly)
    stored = _stored(HIERARCHY, {**kw.model_dump(mode="json", exclude_none=True), "exact_scales": scales,
                                 "mostly": mostly})

    def run() -> Outcome:
        try:
            outcome = check_hierarchy(frame, kw, {}, batch.keys)
        except Exception as exc:  # as GX reports a metric that raises
            return failed(str(exc))
        checked, bad = outcome.parents_checked, [m.to_dict() for m in outcome.mismatches]
        share = len(bad) / checked if checked else 0.0
        success = share <= 1 - mostly if mostly < 1 else not bad
        return Outcome(success, {"observed_value": f"{len(bad)} de {checked} totales no cuadran",
                                 "element_count": checked, "unexpected_count": len(bad),
                                 "unexpected_percent": 100 * share,
                                 "unexpected_index_list": sorted({m["position"] for m in bad}),
                                 "partial_unexpected_list": bad[:PARTIAL], "details": {"mismatches": bad}})
    return stored, run


def control_total(batch: Batch, item: ExpectationSpec) -> tuple[dict[str, Any], Callable[[], Outcome]]:
    """Raises ValueError (GX's runner refuses the check) when the captured RAW text is not a number."""
    kw = ControlTotalKwargs(**item.kwargs)
    expected, cell = captured_value(kw, batch.control_totals, batch.table, batch.raw_text)
    frame = batch.frame(kw.columns(), exact=True)  # first: reading the columns gives their scales
    scales = scales_of(batch.scales, kw.columns())
    args = kw.model_dump(mode="json", by_alias=True, exclude_none=True)
    stored = _stored(CONTROL_TOTAL, {**args, "expected_value": expected, "control_cell": cell,
                                     "exact_scales": scales})

    def run() -> Outcome:
        try:
            outcome = check_control_total(frame, kw, Decimal(0), {})  # its sum; the verdict is made below
        except Exception as exc:
            return failed(str(exc))
        if expected is None:
            return failed(f"el total de control {kw.control!r} no fue capturado en este archivo", "validate")
        computed = Decimal(plain(outcome.computed))
        difference = EXACT.subtract(computed, Decimal(expected))
        return Outcome(abs(difference) <= Decimal(args.get("tolerance", "0")), {
            "observed_value": plain(computed), "element_count": outcome.rows_summed,
            "details": {"expected_value": plain(Decimal(expected)), "difference": plain(difference),
                        "control": kw.control, "control_cell": cell}})
    return stored, run


CUSTOM = {HIERARCHY: hierarchy, CONTROL_TOTAL: control_total}

__all__ = ["CUSTOM", "GX_DEFAULTS"]
