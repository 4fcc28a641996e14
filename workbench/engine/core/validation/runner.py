"""Run a spec's expectations over a run's layers with Great Expectations: the only module importing it.

GX is imported inside functions (the import costs ~3 s and the CLI and web app must start without it). One
ephemeral context per process, one batch and one suite per layer, ``COMPLETE`` results so every failing
row is known; the GX frame has a positional index (frames.gx_frame), so failing indexes are row positions and
map straight to provenance. Failed QA is a result, never an exception: a check that raises is an ``error``.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import cache
from typing import Any

import numpy as np

from workbench.engine.core.serialize import jsonable
from workbench.engine.core.table import Table
from workbench.engine.core.validation.checks import CONTROL_TOTAL, HIERARCHY
from workbench.engine.core.validation.control_total import ControlTotalKwargs, parse_control, plain
from workbench.engine.core.validation.frames import gx_frame
from workbench.engine.core.validation.hierarchy import HierarchyKwargs
from workbench.engine.core.validation.models import ExpectationSpec
from workbench.engine.core.validation.report import DEFAULT_PAGE_SIZE, ExpectationResult, QAReport, RawText
from workbench.engine.core.validation.results import to_result

#: Every failing row's index (COMPLETE), but not GX's pandas query text listing them again.
RESULT_FORMAT = {"result_format": "COMPLETE", "partial_unexpected_count": 20, "include_unexpected_rows": False,
                 "return_unexpected_index_query": False}
_LOCK = threading.Lock()  # one GX context per process, used by one validation at a time
GX_SEVERITY = {"error": "critical", "warning": "warning"}


@cache
def _gx() -> Any:
    """Import GX once, quietly: no progress bars, no per-batch data fingerprint (a hash of every cell, ~0.5 s
    per 200k Arrow rows, only used as a batch marker we never read)."""
    import great_expectations as gx
    from great_expectations.execution_engine import pandas_execution_engine

    import workbench.engine.core.validation.gx_custom  # noqa: F401  (registers our expectations)

    pandas_execution_engine.HASH_THRESHOLD = 0
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    return gx


def validate(layers: dict[str, Table], expectations: dict[str, list[ExpectationSpec]], *,
             control_totals: dict[str, Any], raw_text: RawText | None = None,
             page_size: int = DEFAULT_PAGE_SIZE) -> QAReport:
    """Validate each layer's table against its expectations. Layers without expectations are skipped; with no
    expectation at all the report is ``not_run`` (and GX is not even imported)."""
    t0 = time.perf_counter()
    planned = {layer: items for layer, items in expectations.items() if items}
    results: list[ExpectationResult] = []
    gx_results: dict[str, dict[str, Any]] = {}
    for layer, items in planned.items():
        if layer not in layers:
            results += [_error(item, layer, f"la capa {layer!r} no se produjo en esta ejecución") for item in items]
            continue
        with _LOCK:
            layer_results, gx_results[layer] = _validate_layer(layer, layers[layer], items, control_totals, raw_text)
        results += layer_results
    return QAReport.from_results(results, duration_ms=(time.perf_counter() - t0) * 1000, tables=dict(layers),
                                 gx_results=gx_results, raw_text=raw_text, page_size=page_size)


@cache
def _source() -> Any:
    """The process's ephemeral context and its pandas data source, made once: creating them per call re-saves
    the context's YAML config each time (~25 ms). Nothing is stored in them but the assets' names."""
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context.data_sources.add_pandas("workbench")


@cache
def _batch_definition(layer: str) -> Any:
    """One dataframe asset per layer name; the frame itself is a batch parameter of each validation."""
    return _source().add_dataframe_asset(layer).add_batch_definition_whole_dataframe(layer)


def _validate_layer(layer: str, table: Table, items: list[ExpectationSpec], control_totals: dict[str, Any],
                    raw_text: RawText | None) -> tuple[list[ExpectationResult], dict]:
    """One suite over one batch. Uses GX's v1 Validator directly: ``Batch.validate`` would build the batch a
    second time."""
    gx = _gx()
    from great_expectations.validator.v1_validator import Validator

    batch_definition = _batch_definition(layer)  # first: building a suite needs an active context
    frame, scales = gx_frame(table)
    suite = gx.ExpectationSuite(name=f"workbench.{layer}")
    broken: dict[str, ExpectationResult] = {}
    for item in items:
        try:
            suite.add_expectation(_gx_expectation(item, layer, scales, control_totals, table, raw_text))
        except (ValueError, TypeError, gx.exceptions.GreatExpectationsError) as exc:  # GX refuses the kwargs
            broken[item.id] = _error(item, layer, f"no se pudo evaluar: {_first_line(exc)}")  # type: ignore[index]
    validator = Validator(batch_definition, result_format=RESULT_FORMAT, batch_parameters={"dataframe": frame})
    suite_result = validator.validate_expectation_suite(suite)
    by_id = {r.expectation_config.meta["workbench_id"]: r for r in suite_result.results}
    results = [broken.get(item.id) or to_result(item, layer, by_id[item.id]) for item in items]  # type: ignore[index]
    return results, suite_result.to_json_dict()


def _gx_expectation(item: ExpectationSpec, layer: str, scales: dict[str, int], control_totals: dict[str, Any],
                    table: Table, raw_text: RawText | None) -> Any:
    """The GX expectation for one spec entry (custom checks get their runtime values here)."""
    gx = _gx()
    from workbench.engine.core.validation.gx_custom import GX_CUSTOM

    common: dict[str, Any] = {"severity": GX_SEVERITY[item.severity], "meta": {"workbench_id": item.id, "layer": layer}}
    if item.description:
        common["description"] = item.description
    if item.mostly is not None:
        common["mostly"] = item.mostly
    kwargs = item.kwargs
    if item.type == HIERARCHY:
        kw = HierarchyKwargs(**kwargs)
        args = kw.model_dump(mode="json", exclude_none=True)
        return GX_CUSTOM[HIERARCHY](**args, exact_scales=_used(scales, kw.columns()), **common)
    if item.type == CONTROL_TOTAL:
        kw = ControlTotalKwargs(**kwargs)
        args = kw.model_dump(mode="json", by_alias=True, exclude_none=True)
        expected, cell = _control_value(kw, control_totals, table, raw_text)
        return GX_CUSTOM[CONTROL_TOTAL](**args, expected_value=expected, control_cell=cell,
                                        exact_scales=_used(scales, kw.columns()), **common)
    cls = gx.expectations.registry.get_expectation_impl(item.type)
    return cls(**kwargs, **common)


def _used(scales: dict[str, int], columns: list[str]) -> dict[str, int]:
    """The scales of the columns a check reads (GX copies an expectation's kwargs many times: keep them small)."""
    return {c: scales[c] for c in columns if c in scales}


def _control_value(kw: ControlTotalKwargs, control_totals: dict[str, Any], table: Table,
                   raw_text: RawText | None) -> tuple[str | None, dict[str, Any] | None]:
    """(the control total parsed from its RAW text, its RAW cell) or (None, None) when not captured."""
    captured = control_totals.get(kw.control)
    if not captured:
        return None, None
    value = parse_control(captured.get("value"), decimal=kw.decimal, thousands=kw.thousands)
    row, column = captured.get("row"), captured.get("column")
    text = raw_text(row, column) if raw_text and isinstance(row, int) and column else None
    cell = {"sheet": table.sheet, "row": row, "column": column, "text": text, "value": captured.get("value")}
    return plain(value), jsonable(cell)


def _error(item: ExpectationSpec, layer: str, message: str) -> ExpectationResult:
    return ExpectationResult(id=item.id or "?", layer=layer, type=item.type, kwargs=item.kwargs,
                             severity=item.severity, mostly=item.mostly, description=item.description,
                             success=False, status="error", message=message, positions=np.array([], dtype=np.int64))


def _first_line(exc: BaseException) -> str:
    """The error in one line (GX's pydantic errors put the reason on the lines after the first)."""
    return (" ".join(line.strip() for line in str(exc).splitlines() if line.strip()) or type(exc).__name__)[:300]




def warm_up() -> None:
    """Import GX now (about 3 s), so the first validation of a long-lived process (worker, web server)
    doesn't pay it; meant for a background thread at start."""
    _gx()


__all__ = ["validate", "warm_up"]
