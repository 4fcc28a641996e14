"""Run a spec's layers (RAW -> bronze -> silver -> gold) and record what every step did: the timeline."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.engine.core.notices import Notice
from workbench.engine.core.serialize import records
from workbench.engine.core.spec.models import Spec
from workbench.engine.core.steps.base import Step, StepContext
from workbench.engine.core.table import Table

SAMPLE_ROWS = 5


@dataclass
class StepRecord:
    """One timeline entry: what a step did to the table."""

    layer: str
    index: int  # 1-based position inside its layer
    type: str
    label: str
    rows_in: int
    rows_out: int
    columns_in: list[str]
    columns_out: list[str]
    columns_added: list[str]
    columns_removed: list[str]
    cells_changed: dict[str, int]
    retyped: dict[str, str]
    duration_ms: float
    sample: list[dict[str, Any]]
    removed_sample: list[dict[str, Any]]
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class PipelineResult:
    layers: dict[str, Table]
    timeline: list[StepRecord]
    control_totals: dict[str, Any]
    warnings: list[Notice]
    params: dict[str, Any]


def _as_arrow(series: pd.Series) -> pa.ChunkedArray:
    """The column as Arrow (zero-copy for Arrow-backed dtypes; pandas Series speak the Arrow stream protocol)."""
    try:
        return pa.chunked_array(series)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):  # mixed Python objects
        return pa.chunked_array([pa.array(series.astype("str"))])


def _count_changed(old: pd.Series, new: pd.Series) -> int:
    """Cells whose value or missingness differs (Arrow kernels: a few ms per 60k-row column)."""
    a, b = _as_arrow(old), _as_arrow(new)
    differs = pc.fill_null(pc.not_equal(a, b), False)
    missing = pc.not_equal(pc.is_null(a), pc.is_null(b))
    return int(pc.sum(pc.or_(differs, missing)).as_py() or 0)


def _kept_rows(before: Table, after: Table) -> np.ndarray | None:
    """Which input rows survive, by index label: None when the step made new rows (melt) or reordered
    them beyond recognition; all True when the index is unchanged."""
    a, b = before.df.index, after.df.index
    if a.equals(b):
        return np.ones(len(a), dtype=bool)
    if len(b) > len(a) or not a.is_unique:
        return None
    kept = a.isin(b)
    return kept if int(kept.sum()) == len(b) else None


def _changes(step: Step, before: Table, after: Table, kept: np.ndarray | None) -> tuple[dict[str, int], dict[str, str]]:
    """Changed-cell counts for the columns the step touches in place, and dtype changes."""
    a, b = before.df, after.df
    before_types, after_types = a.dtypes.to_dict(), b.dtypes.to_dict()
    retyped = {c: str(t) for c, t in after_types.items() if c in before_types and str(before_types[c]) != str(t)}
    changed: dict[str, int] = {}
    if kept is None:
        return changed, retyped
    same_index = len(a) == len(b) and a.index.equals(b.index)
    for col in step.touched_columns(before):
        if col not in a.columns or col not in b.columns or col in retyped:
            continue
        old = a[col] if same_index else a[col].loc[b.index]
        changed[col] = _count_changed(old, b[col])
    return changed, retyped


def _removed(before: Table, kept: np.ndarray | None, n: int) -> list[dict[str, Any]]:
    if kept is None or kept.all():
        return []
    return records(before.df[~kept].head(n))


def run_step(step: Step, table: Table, ctx: StepContext, *, layer: str, index: int, sample_rows: int) -> tuple[Table, StepRecord]:
    ctx.layer, ctx.details = layer, {}
    ctx.step_label = f"{layer}[{index - 1}] {step.type}"  # type: ignore[attr-defined]
    started = time.perf_counter()
    out = step.apply(table, ctx)
    duration = (time.perf_counter() - started) * 1000
    cols_in, cols_out = table.data_columns, out.data_columns
    kept = _kept_rows(table, out)
    changed, retyped = _changes(step, table, out, kept)
    record = StepRecord(
        layer=layer,
        index=index,
        type=step.type,  # type: ignore[attr-defined]
        label=step.describe(),
        rows_in=len(table.df),
        rows_out=len(out.df),
        columns_in=cols_in,
        columns_out=cols_out,
        columns_added=[c for c in cols_out if c not in cols_in],
        columns_removed=[c for c in cols_in if c not in cols_out],
        cells_changed=changed,
        retyped=retyped,
        duration_ms=round(duration, 3),
        sample=records(out.df.head(sample_rows)),
        removed_sample=_removed(table, kept, sample_rows),
        details=dict(ctx.details),
    )
    return out, record


def run_pipeline(
    spec: Spec,
    table: Table,
    *,
    params: dict[str, Any],
    raw_header: list[str],
    preamble: list[tuple[int, str]] | None = None,
    source_file: str | None = None,
    sample_rows: int = SAMPLE_ROWS,
    on_step: Callable[[StepRecord, int, int], None] | None = None,
) -> PipelineResult:
    """Apply every layer's steps in order. Each layer starts from the previous layer's output.
    ``on_step(record, done, total)`` is called after each step (progress for jobs and event streams)."""
    ctx = StepContext(params=params, raw_header=raw_header, preamble=preamble or [], source_file=source_file)
    layers: dict[str, Table] = {}
    timeline: list[StepRecord] = []
    current = table
    total = sum(1 for layer in spec.layer_names for s in spec.layers[layer] if not s.disabled)  # type: ignore[index]
    for layer in spec.layer_names:
        for index, step in enumerate(spec.layers[layer], start=1):  # type: ignore[index]
            if step.disabled:  # kept in the spec, skipped: the timeline keeps the spec's positions
                continue
            current, record = run_step(step, current, ctx, layer=layer, index=index, sample_rows=sample_rows)
            timeline.append(record)
            if on_step is not None:
                on_step(record, len(timeline), total)
        current = current.with_df(current.df.reset_index(drop=True))
        layers[layer] = current
    return PipelineResult(layers, timeline, ctx.control_totals, ctx.warnings, params)


__all__ = ["PipelineResult", "StepRecord", "run_pipeline", "run_step"]
