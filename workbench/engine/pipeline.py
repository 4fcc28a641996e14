"""Run a spec's layers (RAW -> bronze -> silver -> gold) and record what every step did: the timeline."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from workbench.engine.serialize import records
from workbench.engine.spec.models import Spec
from workbench.engine.steps.base import Step, StepContext
from workbench.engine.table import Table

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
    warnings: list[str]
    params: dict[str, Any]


def _changes(step: Step, before: Table, after: Table) -> tuple[dict[str, int], dict[str, str]]:
    """Changed-cell counts for the columns the step touches in place, and dtype changes."""
    a, b = before.df, after.df
    retyped = {c: str(b[c].dtype) for c in b.columns if c in a.columns and str(a[c].dtype) != str(b[c].dtype)}
    changed: dict[str, int] = {}
    if not b.index.isin(a.index).all():
        return changed, retyped
    for col in step.touched_columns(before):
        if col not in a.columns or col not in b.columns or col in retyped:
            continue
        old = a[col].loc[b.index]
        new = b[col]
        differs = (old != new).fillna(False) | (old.isna() != new.isna())
        changed[col] = int(differs.sum())
    return changed, retyped


def _removed(before: Table, after: Table, n: int) -> list[dict[str, Any]]:
    if len(after.df) >= len(before.df) or not after.df.index.isin(before.df.index).all():
        return []
    gone = before.df.loc[~before.df.index.isin(after.df.index)]
    return records(gone.head(n))


def run_step(step: Step, table: Table, ctx: StepContext, *, layer: str, index: int, sample_rows: int) -> tuple[Table, StepRecord]:
    ctx.layer, ctx.details = layer, {}
    ctx.step_label = f"{layer}[{index - 1}] {step.type}"  # type: ignore[attr-defined]
    started = time.perf_counter()
    out = step.apply(table, ctx)
    duration = (time.perf_counter() - started) * 1000
    cols_in, cols_out = table.data_columns, out.data_columns
    changed, retyped = _changes(step, table, out)
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
        removed_sample=_removed(table, out, sample_rows),
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
) -> PipelineResult:
    """Apply every layer's steps in order. Each layer starts from the previous layer's output."""
    ctx = StepContext(params=params, raw_header=raw_header, preamble=preamble or [], source_file=source_file)
    layers: dict[str, Table] = {}
    timeline: list[StepRecord] = []
    current = table
    for layer in spec.layer_names:
        for index, step in enumerate(spec.layers[layer], start=1):  # type: ignore[index]
            current, record = run_step(step, current, ctx, layer=layer, index=index, sample_rows=sample_rows)
            timeline.append(record)
        current = current.with_df(current.df.reset_index(drop=True))
        layers[layer] = current
    return PipelineResult(layers, timeline, ctx.control_totals, ctx.warnings, params)


__all__ = ["PipelineResult", "StepRecord", "run_pipeline", "run_step"]
