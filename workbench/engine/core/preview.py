"""Preview: read a RAW file, run a spec over it and describe every stage as one JSON-ready document."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from workbench.engine.core.layout import take_layout
from workbench.engine.core.memory import releases_after
from workbench.engine.core.notices import Notice, more_reading_issues, reading_notice, split
from workbench.engine.core.params import resolve_params
from workbench.engine.core.pipeline import PipelineResult, run_pipeline
from workbench.engine.core.readers import build_table, header_row, title_rows
from workbench.engine.core.readers.base import RawGrid
from workbench.engine.core.readers.sheets import read_report_sheet
from workbench.engine.core.serialize import records
from workbench.engine.core.spec.models import Spec
from workbench.engine.core.spec.source import HeaderOptions, SourceOptions
from workbench.engine.core.table import RAW_ROW, Table
from workbench.engine.core.validation import validate

ENGINE_VERSION = "0.2.0"  # 0.2: previews and runs carry QA
RAW_SAMPLE_ROWS = 20
#: Reading issues listed one by one among a preview's warnings; the rest are counted in one line.
LISTED_READING_ISSUES = 20
HEADER_GUESS_ROWS = 30


@dataclass
class Preview:
    """What a file becomes under a spec. ``tables`` holds the full layers (not serialised)."""

    dataset: dict[str, Any] | None
    source: dict[str, Any]
    raw: dict[str, Any]
    timeline: list[dict[str, Any]]
    layers: dict[str, dict[str, Any]]
    control_totals: dict[str, Any]
    params: dict[str, Any]
    warnings: list[str]  # English (CLI, API)
    warnings_es: list[str]  # the same warnings in Spanish, in the same order (the web)
    timings_ms: dict[str, float]
    qa: dict[str, Any] | None = None  # the QA report's first page (None without a spec)
    tables: dict[str, Table] = field(default_factory=dict, repr=False)
    qa_report: Any = field(default=None, repr=False)  # the full QAReport (all failing rows, GX results)
    layout: dict[str, Any] | None = field(default=None, repr=False)  # the layout fingerprint (runs store it)

    def to_dict(self) -> dict[str, Any]:
        doc = {k: v for k, v in self.__dict__.items() if k not in ("tables", "qa_report", "layout")}
        doc["engine_version"] = ENGINE_VERSION
        return doc


def raw_text_lookup(table: Table) -> Callable[[int, str], str | None]:
    """``(RAW row, RAW column letter) -> the RAW cell's text`` over the table the header step built (every
    data row, footers included, as read). Only failing rows ask, so nothing is built up front: a RAW row is
    found by binary search over ``_raw_row`` (ascending, as read; a dict only if it were not)."""
    by_letter = {letter: column for column, letter in table.origins.items()}
    found: dict[str, Any] = {}

    def position(row: int) -> int | None:
        if "rows" not in found:
            rows = table.df[RAW_ROW].to_numpy() if RAW_ROW in table.df.columns else np.zeros(0, np.int64)
            found["rows"] = rows
            found["index"] = None if bool((rows[1:] > rows[:-1]).all()) else {int(r): i for i, r in enumerate(rows)}
        rows, index = found["rows"], found["index"]
        if index is not None:
            return index.get(row)
        at = int(np.searchsorted(rows, row))
        return at if at < len(rows) and rows[at] == row else None

    def text(row: int, letter: str) -> str | None:
        column = by_letter.get(letter)
        at = position(row) if column is not None else None
        if column is None or at is None:
            return None
        value = table.df[column].iat[at]
        return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)

    return text


def validate_layers(spec: Spec, result: PipelineResult, raw: Table) -> Any:
    """Run the spec's expectations over the layers (the validation package imports GX on first use)."""
    return validate(result.layers, spec.expectations, control_totals=result.control_totals,
                    raw_text=raw_text_lookup(raw))


def raw_summary(grid: RawGrid, sample_rows: int) -> dict[str, Any]:
    """The RAW grid as the user would see it in a spreadsheet: row numbers and column letters."""
    head = grid.df.head(sample_rows)
    head = head.set_axis(grid.letters[: head.shape[1]], axis=1)
    sample = records(head)
    for row_number, row in zip(grid.rows, sample):
        row["_row"] = row_number
    return {"columns": grid.letters, "row_count": len(grid.df), "sample": sample, "issues": grid.issues[:100],
            "issue_count": len(grid.issues)}


def layer_summary(table: Table, sample_rows: int) -> dict[str, Any]:
    return {
        "columns": [{"name": c, "dtype": str(table.df[c].dtype), "raw_column": table.origins.get(c)}
                    for c in table.data_columns],
        "row_count": len(table.df),
        "sample": records(table.df.head(sample_rows)),
    }


def guess_header_row(grid: RawGrid) -> int | None:
    """The first row (1-based RAW number) that looks like a header: the widest row among the first rows
    whose cells are all non-numeric text, followed by a row at least as wide."""
    head = grid.df.head(HEADER_GUESS_ROWS)
    filled = head.notna() & head.apply(lambda c: c.astype("str").str.strip() != "")
    counts = filled.sum(axis=1).tolist()
    if not counts or max(counts) == 0:
        return None
    widest = max(counts)
    for i, count in enumerate(counts):
        if count >= max(2, widest * 0.6):
            cells = head.iloc[i][filled.iloc[i]].astype("str").str.strip()
            numeric = cells.str.fullmatch(r"[-+]?[\d.,]+(E[+-]?\d+)?", case=False).sum()
            if numeric == 0:
                return grid.rows[i]
    return None


@releases_after  # its memory goes back to the system once no preview or run is left in the process
def preview_file(
    data: bytes,
    spec: Spec | None,
    *,
    filename: str | None = None,
    params: dict[str, Any] | None = None,
    sheet: int | str | None = None,
    sample_rows: int = RAW_SAMPLE_ROWS,
    on_step: Callable[[Any, int, int], None] | None = None,
) -> Preview:
    """Read ``data`` and, with a spec, run every layer. Raises WorkbenchError subclasses on user errors.

    Without a ``sheet``, the sheet read is the spec's, or the first sheet that has the spec's header labels
    when the spec's has not (readers/sheets.py): the same file and spec always give the same sheet."""
    t0 = time.perf_counter()
    options = spec.source if spec else SourceOptions()
    if sheet is not None:
        options = options.model_copy(update={"sheet": sheet})
    resolved = resolve_params(spec, params or {}, filename) if spec else {}
    grid = read_report_sheet(data, options, filename=filename, sheet_chosen=sheet is not None)
    t_read = time.perf_counter()
    notices: list[Notice] = [reading_notice(issue) for issue in grid.issues[:LISTED_READING_ISSUES]]
    if len(grid.issues) > LISTED_READING_ISSUES:
        notices.append(more_reading_issues(len(grid.issues) - LISTED_READING_ISSUES))
    if spec is None:
        guess = guess_header_row(grid)
        header = HeaderOptions(row=guess) if guess else HeaderOptions(none=True)
        options = options.model_copy(update={"header": header})
    table, raw_header, header_warnings = build_table(grid, options)
    notices.extend(header_warnings)
    t_header = time.perf_counter()
    raw = raw_summary(grid, sample_rows)
    raw["header"] = {"row": header_row(grid, options), "labels": raw_header, "data_rows": len(table.df)}
    source, preamble = grid.source.to_dict(), title_rows(grid, options)
    layout = take_layout(table, raw_header, sheets=grid.source.sheets, sheet=grid.source.sheet,
                         header_row=raw["header"]["row"], title_rows=len(preamble)).to_dict() if spec else None
    del grid  # the RAW grid can go before the steps allocate the layers (peak memory on large workbooks)
    result: PipelineResult | None = None
    if spec is not None:
        result = run_pipeline(spec, table, params=resolved, raw_header=raw_header, preamble=preamble,
                              source_file=filename, on_step=on_step, sample_rows=min(sample_rows, 5))
        notices.extend(result.warnings)
    t_steps = time.perf_counter()
    report = validate_layers(spec, result, table) if spec is not None and result is not None else None
    t_qa = time.perf_counter()
    tables = dict(result.layers) if result else {"raw": table}
    layers = {name: layer_summary(t, sample_rows) for name, t in tables.items()}
    t_end = time.perf_counter()
    warnings, warnings_es = split(notices)
    return Preview(
        dataset={"slug": spec.slug, "title": spec.dataset.title, "spec_hash": spec.content_hash()} if spec else None,
        source=source,
        raw=raw,
        timeline=[r.to_dict() for r in result.timeline] if result else [],
        layers=layers,
        control_totals=result.control_totals if result else {},
        params=resolved,
        warnings=warnings,
        warnings_es=warnings_es,
        timings_ms={
            "read": round((t_read - t0) * 1000, 1),
            "header": round((t_header - t_read) * 1000, 1),
            "steps": round((t_steps - t_header) * 1000, 1),
            "qa": round((t_qa - t_steps) * 1000, 1),
            "total": round((t_end - t0) * 1000, 1),
        },
        qa=report.to_dict() if report is not None else None,
        tables=tables,
        qa_report=report,
        layout=layout,
    )


__all__ = ["ENGINE_VERSION", "Preview", "guess_header_row", "preview_file"]
