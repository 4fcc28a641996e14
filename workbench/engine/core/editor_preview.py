"""The rule editor's incremental preview: a spec's steps over a sample of a RAW file, step by step.

A sample is the first rows (default 1,000) of the table the spec's source options read from the file, with
their RAW provenance; it is read once per (file, source options, parameters, size). Every step's output is kept
in a process-wide LRU keyed by the *prefix* of the spec that made it (the sample's key, then each step's layer,
position and options, chained by hash), so editing step N recomputes from step N: steps before it come from
the cache, and so does everything when nothing changed.

For the focused step the preview shows the table before and after it, rows and columns in and out, cells
changed, and help specific to the step: ``map_categories`` lists the column's values with their counts, what
each maps to, the unmapped ones and the coverage; ``type_cast`` counts and quotes the values each column cannot
read; ``melt`` lists the columns it takes, the ones it misses and kept columns that look like measures (a new
month column). A step that cannot run (a missing column) is reported with the engine's located error, and the
steps after it are marked as not run: nothing is half-applied.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.notices import Notice
from workbench.engine.core.params import resolve_params
from workbench.engine.core.pipeline import run_step
from workbench.engine.core.readers import build_table, title_rows
from workbench.engine.core.readers.sheets import read_report_sheet
from workbench.engine.core.serialize import records
from workbench.engine.core.spec.models import Spec
from workbench.engine.core.spec.yaml_doc import EditError
from workbench.engine.core.steps.base import Step, StepContext
from workbench.engine.core.steps.map_categories import MapCategoriesStep
from workbench.engine.core.steps.melt import MeltStep
from workbench.engine.core.steps.type_cast import TypeCastStep
from workbench.engine.core.table import RAW_ROW, Table

SAMPLE_ROWS = 1000
SHOWN_ROWS = 20
#: Distinct values a map_categories help lists (most frequent first).
MAX_VALUES = 200
MAX_EXAMPLES = 5
#: Step outputs kept per process, counted in rows (a 1,000-row step output is about 0.1-1 MB): 256 steps of
#: 1,000-row samples, fewer of larger ones.
PREFIX_CACHE_ROWS = 256_000
SAMPLE_CACHE_ROWS = 64_000
_NUMBERISH = r"^\s*[-+]?\(?[\d.,]+\)?\s*$"


@dataclass
class Sample:
    key: str
    table: Table
    raw_header: list[str]
    preamble: list[tuple[int, str]]
    params: dict[str, Any]
    filename: str | None
    total_rows: int


@dataclass
class _State:
    """What the steps have made so far: the table and the context's accumulated facts."""

    table: Table
    control_totals: dict[str, Any] = field(default_factory=dict)
    warnings: list[Notice] = field(default_factory=list)


class _LRU:
    """Least recently used entries go first once their weights (rows) add up to more than ``size``."""

    def __init__(self, size: int) -> None:
        self.size, self.data, self.lock, self.weight = size, OrderedDict(), threading.Lock(), 0

    def get(self, key: str) -> Any:
        with self.lock:
            entry = self.data.get(key)
            if entry is None:
                return None
            self.data.move_to_end(key)
            return entry[0]

    def put(self, key: str, value: Any, weight: int = 1) -> None:
        with self.lock:
            if key in self.data:
                self.weight -= self.data.pop(key)[1]
            self.data[key] = (value, max(1, weight))
            self.weight += max(1, weight)
            while len(self.data) > 1 and self.weight > self.size:
                self.weight -= self.data.popitem(last=False)[1][1]

    def pop(self, key: str) -> None:
        with self.lock:
            if key in self.data:
                self.weight -= self.data.pop(key)[1]

    def clear(self) -> None:
        with self.lock:
            self.data.clear()
            self.weight = 0


_samples = _LRU(SAMPLE_CACHE_ROWS)
_prefixes = _LRU(PREFIX_CACHE_ROWS)


def clear_caches() -> None:
    _samples.clear()
    _prefixes.clear()


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()[:32]


def load_sample(data: bytes, spec: Spec, *, sha256: str, filename: str | None, params: dict[str, Any] | None = None,
                rows: int = SAMPLE_ROWS) -> Sample:
    """The first ``rows`` data rows the spec's source options read from the file (cached per file, options,
    parameters and size). Parameters are resolved as a run resolves them (the file name may give them)."""
    resolved = resolve_params(spec, params or {}, filename)
    key = _digest(sha256, spec.source.model_dump(mode="json"), resolved, rows, filename)
    cached = _samples.get(key)
    if cached is not None:
        return cached
    grid = read_report_sheet(data, spec.source, filename=filename)
    table, raw_header, _ = build_table(grid, spec.source)
    preamble = title_rows(grid, spec.source)
    del grid
    total = len(table.df)
    head = table.with_df(table.df.head(rows).copy())
    sample = Sample(key, head, raw_header, preamble, resolved, filename, total)
    _samples.put(key, sample, len(head.df))
    return sample


def _steps(spec: Spec) -> list[tuple[str, int, Step]]:
    return [(layer, i, step) for layer in spec.layer_names for i, step in enumerate(spec.layers[layer])]  # type: ignore[index]


def prefix_keys(spec: Spec, sample: Sample) -> list[str]:
    """The cache key of each step's output, in order: the sample's key, then each step chained by hash (a step's
    output depends on it and on everything before it)."""
    keys, key = [], sample.key
    for layer, index, step in _steps(spec):
        key = _digest(key, layer, index, step.model_dump(mode="json"))
        keys.append(key)
    return keys


def forget(keys: list[str]) -> None:
    """Drop these steps' outputs from the cache (benchmarks measure a recomputation from step N)."""
    for key in keys:
        _prefixes.pop(key)


def _view(table: Table, n: int = SHOWN_ROWS) -> dict[str, Any]:
    columns = [c for c in table.df.columns]
    return {"columns": columns, "rows": records(table.df.head(n)), "row_count": len(table.df)}


def _error(exc: WorkbenchError) -> dict[str, Any]:
    doc = exc.to_dict()
    return {k: v for k, v in doc.items() if k in ("code", "title", "message", "message_es", "details")}


def preview_step(spec: Spec, sample: Sample, *, layer: str, index: int) -> dict[str, Any]:
    """Run the spec over the sample (reusing cached prefixes) and describe step ``index`` (0-based) of ``layer``."""
    started = time.perf_counter()
    steps = _steps(spec)
    focus = next((n for n, (lay, i, _) in enumerate(steps) if lay == layer and i == index), None)
    if focus is None:
        from_layer = len(spec.layers.get(layer, [])) if layer in spec.layers else 0  # type: ignore[arg-type]
        raise EditError(f"{layer} has {from_layer} steps; there is no step {index + 1}",
                             message_es=f"la capa {layer} tiene {from_layer} pasos; no existe el paso {index + 1}")
    state = _State(sample.table)
    keys = prefix_keys(spec, sample)
    statuses: list[dict[str, Any]] = []
    focus_doc: dict[str, Any] = {}
    reused, failed = 0, False
    previous_layer = steps[0][0] if steps else "bronze"
    for n, (lay, i, step) in enumerate(steps):
        label = step.describe()
        status: dict[str, Any] = {"layer": lay, "index": i, "type": step.type, "label": label,  # type: ignore[attr-defined]
                                  "disabled": step.disabled, "rows_out": None, "error": None, "ran": False}
        if failed:
            statuses.append(status)
            continue
        if lay != previous_layer:  # a layer starts from the previous layer's output, renumbered
            state = _State(state.table.with_df(state.table.df.reset_index(drop=True)), dict(state.control_totals),
                           list(state.warnings))
            previous_layer = lay
        key = keys[n]
        before = state
        cached = _prefixes.get(key)
        record = None
        if cached is not None and n != focus:
            state, status_cached = cached
            status.update(status_cached)
            reused += 1
        elif step.disabled:
            status.update({"rows_out": len(state.table.df), "ran": True})
            _prefixes.put(key, (state, {"rows_out": len(state.table.df), "ran": True}), len(state.table.df))
        else:
            ctx = StepContext(params=sample.params, raw_header=sample.raw_header, preamble=sample.preamble,
                              control_totals=dict(state.control_totals), warnings=list(state.warnings),
                              source_file=sample.filename)
            try:
                out, record = run_step(step, state.table, ctx, layer=lay, index=i + 1, sample_rows=SHOWN_ROWS)
            except WorkbenchError as exc:
                status.update({"error": exc.message_es or str(exc), "ran": True})
                failed = True
                if n == focus:
                    focus_doc = _focus(step, before.table, None, None, exc)
                statuses.append(status)
                continue
            state = _State(out, ctx.control_totals, ctx.warnings)
            status.update({"rows_out": len(out.df), "ran": True})
            _prefixes.put(key, (state, {"rows_out": len(out.df), "ran": True}), len(out.df))
        if n == focus:
            focus_doc = _focus(step, before.table, state.table, record, None)
        statuses.append(status)
    if not focus_doc:  # an earlier step failed: the focused one never received a table
        broken = next(s for s in statuses if s["error"])
        focus_doc = {"rows_in": None, "rows_out": None, "columns_in": [], "columns_out": [], "columns_added": [],
                     "columns_removed": [], "cells_changed": {}, "retyped": {}, "details": {}, "removed_sample": [],
                     "before": None, "after": None, "error": None, "disabled": steps[focus][2].disabled,
                     "help": {"kind": steps[focus][2].type}}  # type: ignore[attr-defined]
        focus_doc["blocked_by"] = f"{broken['layer']}[{broken['index']}] {broken['type']}"  # 0-based, as run errors
    focus_doc.setdefault("blocked_by", None)
    doc = {"layer": layer, "index": index, "type": steps[focus][2].type, "label": steps[focus][2].describe(),  # type: ignore[attr-defined]
           **focus_doc, "steps": statuses, "sample_rows": len(sample.table.df), "file_rows": sample.total_rows,
           "cached_prefix": reused, "elapsed_ms": round((time.perf_counter() - started) * 1000, 2)}
    return doc


def _focus(step: Step, before: Table, after: Table | None, record: Any, exc: WorkbenchError | None) -> dict[str, Any]:
    cols_in = before.data_columns
    doc: dict[str, Any] = {"rows_in": len(before.df), "columns_in": cols_in, "before": _view(before),
                           "error": _error(exc) if exc else None, "disabled": step.disabled}
    if after is not None:
        cols_out = after.data_columns
        doc.update({"rows_out": len(after.df), "columns_out": cols_out,
                    "columns_added": [c for c in cols_out if c not in cols_in],
                    "columns_removed": [c for c in cols_in if c not in cols_out],
                    "cells_changed": dict(record.cells_changed) if record else {},
                    "retyped": dict(record.retyped) if record else {},
                    "details": dict(record.details) if record else {},
                    "removed_sample": list(record.removed_sample) if record else [],
                    "after": _view(after)})
    else:
        doc.update({"rows_out": None, "columns_out": [], "columns_added": [], "columns_removed": [],
                    "cells_changed": {}, "retyped": {}, "details": {}, "removed_sample": [], "after": None})
    doc["help"] = step_help(step, before)
    return doc


# --- step-specific help ----------------------------------------------------------------------------------------

def step_help(step: Step, before: Table) -> dict[str, Any]:
    """What the analyst needs to finish this step, computed on the table it receives."""
    try:
        if isinstance(step, MapCategoriesStep):
            return _map_help(step, before)
        if isinstance(step, TypeCastStep):
            return _cast_help(step, before)
        if isinstance(step, MeltStep):
            return _melt_help(step, before)
    except WorkbenchError as exc:  # the help cannot be computed where the step cannot run
        return {"kind": step.type, "error": exc.message_es or str(exc)}  # type: ignore[attr-defined]
    return {"kind": step.type}  # type: ignore[attr-defined]


def _map_help(step: MapCategoriesStep, before: Table) -> dict[str, Any]:
    if step.column not in before.df.columns:
        return {"kind": "map_categories", "error": f"la columna {step.column!r} no existe en este punto",
                "values": [], "unmapped": [], "coverage": 0.0}
    text = before.df[step.column].astype("str").str.strip()
    present = before.df[step.column].notna() & text.ne("")
    counts = text[present].value_counts()
    keys = {step._norm(k): v for k, v in step.mapping.items()}  # noqa: SLF001 - the step's own key rule
    values, unmapped, mapped_rows = [], [], 0
    for value, count in counts.items():
        norm = step._norm(str(value))  # noqa: SLF001
        hit = norm in keys
        if hit:
            mapped_rows += int(count)
        entry = {"value": str(value), "count": int(count), "mapped": hit, "mapped_to": keys.get(norm) if hit else None}
        if len(values) < MAX_VALUES:
            values.append(entry)
        if not hit:
            unmapped.append({"value": str(value), "count": int(count)})
    total = int(present.sum())
    return {"kind": "map_categories", "column": step.column, "values": values, "distinct": int(len(counts)),
            "unmapped": unmapped[:MAX_VALUES], "unmapped_rows": total - mapped_rows, "present_rows": total,
            "coverage": round(100.0 * mapped_rows / total, 1) if total else 100.0}


def _cast_help(step: TypeCastStep, before: Table) -> dict[str, Any]:
    columns = []
    for name, cast in step.casts.items():
        if name not in before.df.columns:
            columns.append({"column": name, "type": cast.type, "missing": True, "failures": 0, "examples": []})
            continue
        lenient = TypeCastStep(columns={name: cast}, decimal=step.decimal, thousands=step.thousands,
                               on_error="null", null_values=step.null_values)
        ctx = StepContext()
        out = lenient.apply(before, ctx)
        source = before.df[name]
        nulls = {v.strip() for v in (*step.null_values, *cast.null_values)}
        text = source.astype("str").str.strip()
        present = source.notna() & text.ne("") & ~text.isin(nulls)
        failed = present & out.df[name].isna()
        bad = before.df[failed]
        examples = []
        for value, row in zip(bad[name].astype("str").head(200), bad[RAW_ROW].head(200) if RAW_ROW in bad else [None] * 200):
            if len(examples) >= MAX_EXAMPLES:
                break
            if value not in [e["value"] for e in examples]:
                examples.append({"value": value, "row": None if row is None or pd.isna(row) else int(row),
                                 "column": before.origins.get(name)})
        columns.append({"column": name, "type": cast.type, "missing": False, "failures": int(failed.sum()),
                        "present": int(present.sum()), "examples": examples})
    return {"kind": "type_cast", "columns": columns, "failures": sum(c["failures"] for c in columns)}


def _melt_help(step: MeltStep, before: Table) -> dict[str, Any]:
    data = before.data_columns
    taken = [c for c in step.value_columns if c in data]
    missing = [c for c in step.value_columns if c not in data]
    kept = step.id_columns if step.id_columns is not None else [c for c in data if c not in step.value_columns]
    # columns that neither melt nor stay as ids (an explicit id list leaves them out), or ids that look like
    # amounts: a new month column shows up here as a change to decide on
    left_out = [c for c in data if c not in step.value_columns and c not in kept]
    numeric = [c for c in kept if c in before.df.columns and _looks_numeric(before.df[c])]
    return {"kind": "melt", "taken": taken, "missing": missing, "kept": list(kept), "left_out": left_out,
            "new": [c for c in (*numeric, *left_out)], "rows_out": len(before.df) * len(taken)}


def _looks_numeric(series: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(series.dtype):
        return True
    text = series.dropna().astype("str").str.strip()
    text = text[text.ne("")]
    return bool(len(text)) and bool(text.head(200).str.match(_NUMBERISH).mean() > 0.9) and not bool(
        text.head(200).str.fullmatch(r"\d{1,3}").all())  # short codes (01, 002) are keys, not amounts


def final_tables(spec: Spec, sample: Sample) -> dict[str, Table]:
    """Each layer's table over the sample (the last step of each layer previewed; cached like any preview)."""
    out: dict[str, Table] = {}
    for layer in spec.layer_names:
        steps = spec.layers[layer]  # type: ignore[index]
        if not steps:
            continue
        doc = preview_step(spec, sample, layer=layer, index=len(steps) - 1)
        if doc.get("error"):
            raise EditError(doc["error"]["message"], message_es=doc["error"]["message_es"])
    keys = iter(prefix_keys(spec, sample))
    state: Table = sample.table
    for layer in spec.layer_names:
        for _ in spec.layers[layer]:  # type: ignore[index]
            state = _prefixes.get(next(keys))[0].table
        state = state.with_df(state.df.reset_index(drop=True))
        out[layer] = state
    return out


__all__ = ["SAMPLE_ROWS", "Sample", "clear_caches", "final_tables", "forget", "load_sample", "prefix_keys",
           "preview_step", "step_help"]
