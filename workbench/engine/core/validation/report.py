"""The QA result of one run: plain data (no GX objects), failing rows traced back to their RAW cells.

Failing rows are kept as positions into the layer's table and turned into rows only when asked for: the first
page goes into ``to_dict()``, ``failures()`` pages through all of them, ``failures_table()`` gives every one
(to persist with a run). A row is ``{"row", "position", "values": {column: value}, "raw": [{"sheet", "row",
"column", "text"}]}`` where ``values`` are the columns the expectation looks at and ``raw`` the RAW cells they
came from.

``row`` is THE row number shown to people everywhere (web, API, CLI, exports' ``_raw_row``, Data Docs): the
RAW row, i.e. the row number Excel shows, or the line number a text editor shows for a CSV (1-based, header
and title rows counted). ``position`` is only an index into the layer's table (0-based, after rows were
dropped) and is never shown as a row number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from workbench.engine.core.serialize import jsonable, records
from workbench.engine.core.table import RAW_COL, RAW_ROW, Table
from workbench.engine.core.validation.sentences import sentence

RawText = Callable[[int, str], "str | None"]
DEFAULT_PAGE_SIZE = 50  # failing rows per expectation in the report document
FAILURE_COLUMNS = ["expectation_id", "layer", "severity", "row", "position", "values", "raw", "details"]


@dataclass
class ExpectationResult:
    """One expectation's outcome. ``positions`` are the failing rows (0-based, in the layer's table order)."""

    id: str
    layer: str
    type: str
    kwargs: dict[str, Any]
    severity: str
    mostly: float | None
    description: str
    success: bool
    status: str  # passed | failed | error (the check itself raised)
    message: str
    observed_value: Any = None
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)  # the columns shown for a failing row
    positions: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    row_details: dict[int, Any] = field(default_factory=dict)  # extra facts per failing row (hierarchy sums)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def summary(self) -> dict[str, Any]:
        keys = ("id", "layer", "type", "kwargs", "severity", "mostly", "description", "success", "status",
                "observed_value", "element_count", "unexpected_count", "unexpected_percent", "message", "details")
        out = {k: jsonable(getattr(self, k)) for k in keys}
        out["sentence"] = sentence(self.type, self.kwargs, self.mostly)
        out["unexpected_rows_total"] = int(len(self.positions))
        return out


@dataclass
class QAReport:
    """Quality result of one run. ``status``: not_run | passed | warning | failed; ``success`` is False iff an
    error-severity expectation failed (or could not be evaluated)."""

    status: str
    success: bool
    statistics: dict[str, Any]
    duration_ms: float
    results: list[ExpectationResult] = field(default_factory=list)
    gx_results: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict, repr=False)
    raw_text: RawText | None = field(default=None, repr=False)
    page_size: int = DEFAULT_PAGE_SIZE

    @classmethod
    def from_results(cls, results: list[ExpectationResult], *, duration_ms: float, tables: dict[str, Table],
                     gx_results: dict[str, dict[str, Any]], raw_text: RawText | None, page_size: int) -> QAReport:
        status, success = overall_status(results)
        return cls(status, success, statistics(results), round(duration_ms, 1), results, gx_results, tables,
                   raw_text, page_size)

    def result(self, expectation_id: str) -> ExpectationResult:
        for item in self.results:
            if item.id == expectation_id:
                return item
        raise KeyError(expectation_id)

    def to_dict(self, page_size: int | None = None) -> dict[str, Any]:
        """JSON-ready document; each expectation carries its first ``page_size`` failing rows."""
        size = self.page_size if page_size is None else page_size
        out = []
        for item in self.results:
            doc = item.summary()
            doc["unexpected_rows"] = self._rows(item, 0, size)
            out.append(doc)
        return {"status": self.status, "success": self.success, "statistics": self.statistics,
                "duration_ms": self.duration_ms, "results": out}

    def failures(self, expectation_id: str, offset: int = 0, limit: int = DEFAULT_PAGE_SIZE) -> dict[str, Any]:
        """One page of an expectation's failing rows (all of them are reachable, nothing is capped)."""
        item = self.result(expectation_id)
        offset, limit = max(0, offset), max(0, limit)
        return {"id": item.id, "layer": item.layer, "total": int(len(item.positions)), "offset": offset,
                "limit": limit, "rows": self._rows(item, offset, limit)}

    def failures_table(self) -> pd.DataFrame:
        """Every failing row of every expectation, one line each, in the shape of ``failures()`` rows plus the
        expectation's id, layer and severity (``values``, ``raw`` and ``details`` hold dicts/lists): stored
        with a run so its pages can be served later without the tables."""
        columns: dict[str, list[Any]] = {name: [] for name in FAILURE_COLUMNS}
        for item in self.results:
            rows = self._rows(item, 0, len(item.positions))
            count = len(rows)
            columns["expectation_id"] += [item.id] * count
            columns["layer"] += [item.layer] * count
            columns["severity"] += [item.severity] * count
            for key in ("row", "position", "values", "raw"):
                columns[key] += [row[key] for row in rows]
            columns["details"] += [row.get("details") for row in rows]
        return pd.DataFrame(columns, columns=FAILURE_COLUMNS)

    def _rows(self, item: ExpectationResult, offset: int, limit: int) -> list[dict[str, Any]]:
        positions = item.positions[offset: offset + limit]
        if not len(positions):
            return []
        table = self.tables[item.layer]
        frame = table.df.iloc[positions]
        columns = [c for c in item.columns if c in frame.columns]
        values = records(frame[columns])
        raw_rows = _row_numbers(frame[RAW_ROW]) if RAW_ROW in frame.columns else [None] * len(frame)
        raw_cols = frame[RAW_COL].tolist() if RAW_COL in frame.columns else [None] * len(frame)
        cells = _RawCells(table, columns, self.raw_text)
        out = []
        for position, vals, row_number, raw_col in zip(positions.tolist(), values, raw_rows, raw_cols):
            row: dict[str, Any] = {"row": row_number, "position": position, "values": vals,
                                   "raw": cells(row_number, raw_col)}
            if position in item.row_details:
                row["details"] = item.row_details[position]
            out.append(row)
        return out


class _RawCells:
    """The RAW cells behind a failing row's shown values (columns derived by a step have none; then the row
    alone). A column's letter is its origin; a column without one (a melted value) takes the row's own RAW
    column. The letters are worked out once per expectation, not once per row."""

    def __init__(self, table: Table, columns: list[str], raw_text: RawText | None) -> None:
        self.sheet, self.raw_text = table.sheet, raw_text
        self.fixed = [table.origins.get(c) for c in columns]
        self.per_row = [c not in table.origins for c in columns]
        self.letters = list(dict.fromkeys(x for x in self.fixed if x)) if not any(self.per_row) else None

    def __call__(self, row_number: int | None, raw_col: Any) -> list[dict[str, Any]]:
        letters = self.letters
        if letters is None:
            own = raw_col if isinstance(raw_col, str) else None
            letters = list(dict.fromkeys(x for x in (f or (own if p else None) for f, p in zip(self.fixed, self.per_row))
                                         if x))
        cells = []
        for letter in letters:
            text = self.raw_text(row_number, letter) if self.raw_text and row_number else None
            cells.append({"sheet": self.sheet, "row": row_number, "column": letter, "text": text})
        return cells or [{"sheet": self.sheet, "row": row_number, "column": None, "text": None}]


def _row_numbers(raw_rows: pd.Series) -> list[int | None]:
    """A ``_raw_row`` column as the row numbers people see (``raw_row_number`` of each value)."""
    if pd.api.types.is_integer_dtype(raw_rows.dtype) and not raw_rows.hasnans:
        return [int(v) for v in raw_rows.tolist()]
    return [raw_row_number(v) for v in raw_rows.tolist()]


def raw_row_number(value: Any) -> int | None:
    """A table's ``_raw_row`` value as the row number people see (Excel's row, a CSV's line); None if unknown."""
    return None if value is None or pd.isna(value) else int(value)


def row_of(row: dict[str, Any]) -> int | None:
    """The RAW row of a failing row, also for rows stored before ``row`` existed (from their RAW cells)."""
    for value in [row.get("row"), *(c.get("row") for c in row.get("raw") or [] if isinstance(c, dict))]:
        if isinstance(value, (int, float, np.integer)) and not isinstance(value, bool) and value == value:
            return int(value)
    return None


def overall_status(results: list[ExpectationResult]) -> tuple[str, bool]:
    """(status, success): an error-severity failure (or error) fails; a warning-severity one warns."""
    if not results:
        return "not_run", True
    failed = [r for r in results if not r.passed]
    if any(r.severity == "error" for r in failed):
        return "failed", False
    return ("warning" if failed else "passed"), True


def statistics(results: list[ExpectationResult]) -> dict[str, Any]:
    count = len(results)
    passed = sum(r.passed for r in results)
    return {"evaluated_expectations": count, "successful_expectations": passed,
            "unsuccessful_expectations": count - passed,
            "errored_expectations": sum(r.status == "error" for r in results),
            "success_percent": round(100 * passed / count, 2) if count else None,
            "by_severity": {s: sum(1 for r in results if r.severity == s and not r.passed)
                            for s in ("error", "warning")}}


__all__ = ["DEFAULT_PAGE_SIZE", "ExpectationResult", "QAReport", "overall_status", "raw_row_number", "row_of",
           "statistics"]
