"""A layer's checks run by Great Expectations itself: the GX path (and the oracle of the vectorised one).

GX is imported inside functions (the import costs ~3 s and the CLI and web app must start without it). One
ephemeral context per process, one batch and one suite per layer, ``COMPLETE`` results so every failing
row is known; the GX frame has a positional index (frames.gx_frame), so failing indexes are row positions and
map straight to provenance. Failed QA is a result, never an exception: a check that raises is an ``error``.
"""

from __future__ import annotations

import copy
import logging
import threading
from functools import cache
from typing import Any, Callable

from workbench.engine.core.table import Table
from workbench.engine.core.validation.checks import CONTROL_TOTAL, HIERARCHY
from workbench.engine.core.validation.control_total import ControlTotalKwargs, captured_value
from workbench.engine.core.validation.frames import gx_frame, scales_of
from workbench.engine.core.validation.hierarchy import HierarchyKwargs
from workbench.engine.core.validation.models import ExpectationSpec
from workbench.engine.core.validation.report import ExpectationResult, RawText
from workbench.engine.core.validation.results import first_line, to_result, trim_row_lists
from workbench.engine.core.validation.vectorised.gxdoc import GX_SEVERITY, gx_order, suite_statistics

#: Every failing row's index (COMPLETE), but not GX's pandas query text listing them again.
RESULT_FORMAT = {"result_format": "COMPLETE", "partial_unexpected_count": 20, "include_unexpected_rows": False,
                 "return_unexpected_index_query": False}
_LOCK = threading.Lock()  # one GX context per process, used by one validation at a time


@cache
def gx() -> Any:
    """Import GX once, quietly: no progress bars, no per-batch data fingerprint (a hash of every cell, ~0.5 s
    per 200k Arrow rows, only used as a batch marker we never read)."""
    # lazy: great_expectations takes ~3 s to import; only checks the vectorised path leaves to GX (or
    # WORKBENCH_QA_ENGINE=gx) need it, so a CLI preview or run never pays it. gx_custom subclasses GX's classes.
    import great_expectations as gx
    from great_expectations.execution_engine import pandas_execution_engine

    import workbench.engine.core.validation.gx_custom  # noqa: F401  (registers our expectations; lazy: as above)

    pandas_execution_engine.HASH_THRESHOLD = 0
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    return gx


@cache
def _source() -> Any:
    """The process's ephemeral context and its pandas data source, made once: creating them per call re-saves
    the context's YAML config each time (~25 ms). Nothing is stored in them but the assets' names."""
    from great_expectations.data_context.types.base import ProgressBarsConfig  # lazy: see gx()

    context = gx().get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context.data_sources.add_pandas("workbench")


@cache
def _batch_definition(layer: str) -> Any:
    """One dataframe asset per layer name; the frame itself is a batch parameter of each validation."""
    return _source().add_dataframe_asset(layer).add_batch_definition_whole_dataframe(layer)


def validate_layer(layer: str, table: Table, items: list[ExpectationSpec], control_totals: dict[str, Any],
                   raw_text: RawText | None,
                   refused: Callable[[ExpectationSpec, str, str], ExpectationResult],
                   ) -> tuple[list[ExpectationResult], dict[str, Any]]:
    """One suite over one batch: (our results in ``items`` order, GX's suite result document). Uses GX's v1
    Validator directly: ``Batch.validate`` would build the batch a second time. ``refused`` makes the result of
    a check GX will not build."""
    with _LOCK:
        return _validate(layer, table, items, control_totals, raw_text, refused)


def _validate(layer: str, table: Table, items: list[ExpectationSpec], control_totals: dict[str, Any],
              raw_text: RawText | None, refused: Callable[[ExpectationSpec, str, str], ExpectationResult],
              ) -> tuple[list[ExpectationResult], dict[str, Any]]:
    lib = gx()
    from great_expectations.validator.v1_validator import Validator  # lazy: see gx()

    batch_definition = _batch_definition(layer)  # first: building a suite needs an active context
    frame, scales = gx_frame(table)
    suite = lib.ExpectationSuite(name=f"workbench.{layer}")
    broken: dict[str, ExpectationResult] = {}
    built: dict[str, Any] = {}
    for item in items:
        try:
            built[item.id] = suite.add_expectation(  # type: ignore[index]
                _gx_expectation(item, layer, scales, control_totals, table, raw_text))
        except (ValueError, TypeError, lib.exceptions.GreatExpectationsError) as exc:  # GX refuses the kwargs
            broken[item.id] = refused(item, layer, f"no se pudo evaluar: {first_line(exc)}")  # type: ignore[index]
    validator = Validator(batch_definition, result_format=RESULT_FORMAT, batch_parameters={"dataframe": frame})
    suite_result = validator.validate_expectation_suite(suite)
    by_id = {r.expectation_config.meta["workbench_id"]: r for r in suite_result.results}
    document = suite_result.to_json_dict()
    for doc in document["results"]:  # a sample of the failing rows, as the vectorised path's documents
        trim_row_lists(doc.get("result") or {})
    docs = {d["expectation_config"]["meta"]["workbench_id"]: d for d in document["results"]}
    for item_id, expectation in built.items():  # GX keeps one of two equal checks: the other gets its result
        if item_id not in by_id:
            twin = next(i for i, e in built.items() if i in by_id and _same(e, expectation))
            by_id[item_id] = by_id[twin]
            docs[item_id] = copy.deepcopy(docs[twin])
            docs[item_id]["expectation_config"]["meta"]["workbench_id"] = item_id
    results = [broken.get(item.id) or _ours(item, layer, by_id[item.id]) for item in items]  # type: ignore[index]
    if len(docs) > len(document["results"]):
        document["results"] = gx_order([docs[i.id] for i in items if i.id in docs])  # type: ignore[index]
        document["statistics"] = suite_statistics(document["results"])
    return results, document


def _same(a: Any, b: Any) -> bool:
    """GX's test of two expectations being one in a suite (``ExpectationSuite._expectations_are_equalish``)."""
    plumbing = {"id", "rendered_content", "notes", "meta"}
    return type(a) is type(b) and a.dict(exclude=plumbing) == b.dict(exclude=plumbing)


def _ours(item: ExpectationSpec, layer: str, evr: Any) -> ExpectationResult:
    return to_result(item, layer, success=evr.success, result=evr.result, exception_info=evr.exception_info)


def _gx_expectation(item: ExpectationSpec, layer: str, scales: dict[str, int], control_totals: dict[str, Any],
                    table: Table, raw_text: RawText | None) -> Any:
    """The GX expectation for one spec entry (custom checks get their runtime values here)."""
    from workbench.engine.core.validation.gx_custom import GX_CUSTOM  # lazy: imports GX (see gx())

    common: dict[str, Any] = {"severity": GX_SEVERITY[item.severity], "meta": {"workbench_id": item.id, "layer": layer}}
    if item.description:
        common["description"] = item.description
    if item.mostly is not None:
        common["mostly"] = item.mostly
    kwargs = item.kwargs
    if item.type == HIERARCHY:
        kw = HierarchyKwargs(**kwargs)
        args = kw.model_dump(mode="json", exclude_none=True)
        return GX_CUSTOM[HIERARCHY](**args, exact_scales=scales_of(scales, kw.columns()), **common)
    if item.type == CONTROL_TOTAL:
        kw = ControlTotalKwargs(**kwargs)
        args = kw.model_dump(mode="json", by_alias=True, exclude_none=True)
        expected, cell = captured_value(kw, control_totals, table, raw_text)
        return GX_CUSTOM[CONTROL_TOTAL](**args, expected_value=expected, control_cell=cell,
                                        exact_scales=scales_of(scales, kw.columns()), **common)
    cls = gx().expectations.registry.get_expectation_impl(item.type)
    return cls(**kwargs, **common)


__all__ = ["RESULT_FORMAT", "gx", "validate_layer"]
