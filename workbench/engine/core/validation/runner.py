"""Run a spec's expectations over a run's layers: vectorised where it gives GX's answer, GX for the rest.

Each layer's checks are evaluated in one pass by the vectorised path (vectorised/), which produces GX's own
result documents; the checks it does not reproduce (a type it does not know, GX-only arguments) run in one GX
suite over the same frame, so GX is imported only when a spec needs it. ``WORKBENCH_QA_ENGINE=gx`` runs every
check through GX (the oracle; gx_runner.py). Either way the report, the failing rows and the Data Docs
document are the same (tests/unit/validation/test_differential.py). Failed QA is a result, never an exception.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any, get_args

import numpy as np

from workbench.engine.core.settings import QAEngine
from workbench.engine.core.table import Table
from workbench.engine.core.validation import gx_runner
from workbench.engine.core.validation.models import ExpectationSpec
from workbench.engine.core.validation.report import DEFAULT_PAGE_SIZE, ExpectationResult, QAReport, RawText
from workbench.engine.core.validation.results import first_line, to_result
from workbench.engine.core.validation.vectorised import Batch, Evaluated, evaluate
from workbench.engine.core.validation.vectorised.gxdoc import gx_order, result_doc, suite_doc

#: The environment variable choosing the QA engine, and its values: ``auto`` (default: vectorised, GX only
#: for the checks it does not reproduce) or ``gx`` (every check through GX).
ENGINE_VARIABLE = "WORKBENCH_QA_ENGINE"
ENGINES = get_args(QAEngine)


def qa_engine() -> str:
    value = os.environ.get(ENGINE_VARIABLE, "auto").strip().lower() or "auto"
    if value not in ENGINES:
        raise ValueError(f"{ENGINE_VARIABLE} must be one of {', '.join(ENGINES)}, not {value!r}")
    return value


def validate(layers: dict[str, Table], expectations: dict[str, list[ExpectationSpec]], *,
             control_totals: dict[str, Any], raw_text: RawText | None = None,
             page_size: int = DEFAULT_PAGE_SIZE, engine: str | None = None) -> QAReport:
    """Validate each layer's table against its expectations. Layers without expectations are skipped; with no
    expectation at all the report is ``not_run``. ``engine``: ``auto`` or ``gx`` (default: qa_engine())."""
    t0 = time.perf_counter()
    engine = engine or qa_engine()
    planned = {layer: items for layer, items in expectations.items() if items}
    results: list[ExpectationResult] = []
    gx_results: dict[str, dict[str, Any]] = {}
    for layer, items in planned.items():
        if layer not in layers:
            results += [refused(item, layer, f"la capa {layer!r} no se produjo en esta ejecución") for item in items]
            continue
        if engine == "gx":
            layer_results, gx_results[layer] = gx_runner.validate_layer(layer, layers[layer], items, control_totals,
                                                                       raw_text, refused)
        else:
            layer_results, gx_results[layer] = _validate_layer(layer, layers[layer], items, control_totals, raw_text)
        results += layer_results
    return QAReport.from_results(results, duration_ms=(time.perf_counter() - t0) * 1000, tables=dict(layers),
                                 gx_results=gx_results, raw_text=raw_text, page_size=page_size)


def _validate_layer(layer: str, table: Table, items: list[ExpectationSpec], control_totals: dict[str, Any],
                    raw_text: RawText | None) -> tuple[list[ExpectationResult], dict[str, Any]]:
    """The layer's checks in one vectorised pass; what it leaves runs in one GX suite. Results keep the spec's
    order; the document lists them as GX does (checks whose metrics failed first, then the others)."""
    loaded = dt.datetime.now(dt.timezone.utc)
    batch = Batch(table, control_totals=control_totals, raw_text=raw_text)
    done: dict[str, Evaluated] = {}
    for item in items:
        evaluated = evaluate(batch, item, layer)
        if evaluated is not None:
            done[item.id] = evaluated  # type: ignore[index]
    rest = [item for item in items if item.id not in done]
    gx_part: dict[str, ExpectationResult] = {}
    gx_docs: list[dict[str, Any]] = []
    if rest:
        gx_list, suite = gx_runner.validate_layer(layer, table, rest, control_totals, raw_text, refused)
        gx_part = {r.id: r for r in gx_list}
        gx_docs = suite["results"]
        loaded = _gx_loaded(suite) or loaded
    results: list[ExpectationResult] = []
    docs: dict[str, dict[str, Any]] = {}
    for item in items:
        if item.id in gx_part:
            results.append(gx_part[item.id])
            continue
        evaluated = done[item.id]  # type: ignore[index]
        if evaluated.refused is not None or evaluated.outcome is None or evaluated.config is None:
            results.append(refused(item, layer, f"no se pudo evaluar: {first_line(evaluated.refused or '')}"))
            continue
        outcome = evaluated.outcome
        results.append(to_result(item, layer, success=outcome.success, result=outcome.result,
                                 exception_info=outcome.exception_info))  # trims the result's lists as GX's
        docs[item.id] = result_doc(evaluated.config, outcome)  # type: ignore[index]
    for doc in gx_docs:
        docs[doc["expectation_config"]["meta"]["workbench_id"]] = doc
    return results, suite_doc(layer, gx_order([docs[item.id] for item in items if item.id in docs]),  # type: ignore[index]
                              loaded=loaded)


def _gx_loaded(suite: dict[str, Any]) -> dt.datetime | None:
    text = ((suite.get("meta") or {}).get("batch_markers") or {}).get("ge_load_time")
    try:
        return dt.datetime.strptime(text, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=dt.timezone.utc) if text else None
    except ValueError:
        return None


def refused(item: ExpectationSpec, layer: str, message: str) -> ExpectationResult:
    """The result of a check that could not be built or run at all (no GX document)."""
    return ExpectationResult(id=item.id or "?", layer=layer, type=item.type, kwargs=item.kwargs,
                             severity=item.severity, mostly=item.mostly, description=item.description,
                             success=False, status="error", message=message, positions=np.array([], dtype=np.int64))


def warm_up() -> None:
    """Prepare the first validation of a long-lived process (worker, web server), meant for a background thread
    at start. With the ``gx`` engine this imports GX (about 3 s); the vectorised path needs nothing more."""
    if qa_engine() == "gx":
        gx_runner.gx()

__all__ = ["ENGINES", "ENGINE_VARIABLE", "qa_engine", "validate", "warm_up"]
