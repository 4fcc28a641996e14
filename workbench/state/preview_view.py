"""A preview document (engine) -> view-ready rows for the upload page: display text only, capped, es-CL numbers.

Pure functions: the upload state calls them after each engine call, so its vars hold nothing but small lists
of text."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from workbench.components.status import qa_badge
from workbench.engine.api import DASH, as_decimal, fmt_int, fmt_number
from workbench.state.qa_rows import check_row, failure_row, page_label

#: Longest cell text shown (a DIPRES `Denominación` is padded to 250 characters).
CELL_CHARS = 90
#: Failing rows shown per page, RAW cells highlighted per failing row.
FAILURES_SHOWN = 20
CELLS_SHOWN = 16
LAYER_ORDER = ("gold", "silver", "bronze", "raw")


def cell_text(value: Any, numeric: bool = False) -> str:
    """One cell as text: missing -> an em dash; numbers (when the column is numeric) in es-CL, exact, without
    spurious decimals (the engine's one formatter)."""
    if value is None or value == "":
        return DASH if value is None else ""
    if numeric:
        return fmt_number(value) if as_decimal(value) is not None else str(value)
    text = str(value).rstrip()
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def type_label(dtype: str) -> str:
    """A column's dtype as a short Spanish label: ``decimal128(38, 3)[pyarrow]`` -> ``decimal (3)``."""
    if dtype.startswith("decimal"):
        scale = re.search(r",\s*(\d+)\)", dtype)
        return f"decimal ({scale.group(1)})" if scale else "decimal"
    if dtype.startswith(("int", "Int", "uint")):
        return "entero"
    if dtype.startswith(("float", "double")):
        return "real"
    if dtype.startswith(("bool", "boolean")):
        return "lógico"
    if "date" in dtype or "time" in dtype:
        return "fecha"
    return "texto"


def is_numeric(dtype: str) -> bool:
    return type_label(dtype) in ("entero", "real") or dtype.startswith("decimal")


def cell_key(row: Any, column: Any) -> str:
    return f"{row}:{column}"


# --- RAW grid ------------------------------------------------------------------------------------------------

def raw_rows(raw: dict[str, Any], highlights: dict[str, str]) -> list[dict[str, Any]]:
    """RAW sample rows: ``{n, id, cells: [{t, c, k}]}``; ``c`` is ``hl`` for cells a failing check points at."""
    columns = raw.get("columns", [])
    out = []
    for row in raw.get("sample", []):
        number = row.get("_row")
        cells = [{"t": cell_text(row.get(c)) if row.get(c) is not None else "", "k": cell_key(number, c),
                  "c": "hl" if cell_key(number, c) in highlights else "", "title": highlights.get(cell_key(number, c), "")}
                 for c in columns]
        out.append({"n": str(number), "id": f"raw-row-{number}", "cells": cells,
                    "c": "hl-row" if any(cell["c"] for cell in cells) else ""})
    return out


def raw_label(raw: dict[str, Any]) -> str:
    sample = raw.get("sample", [])
    if not sample:
        return "Sin filas."
    first, last = sample[0].get("_row"), sample[-1].get("_row")
    return f"Filas {fmt_int(first)}–{fmt_int(last)} de {fmt_int(raw.get('row_count', len(sample)))}"


# --- timeline -------------------------------------------------------------------------------------------------

def _ms(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{fmt_number(value, 1)} ms" if value < 100 else f"{fmt_number(value)} ms"


def _names(items: list[str], limit: int = 6) -> str:
    return ", ".join(items[:limit]) + (f" y {len(items) - limit} más" if len(items) > limit else "")


def timeline_rows(timeline: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One line per step: where it is, what it did to rows, columns and cells, and how long it took."""
    rows = []
    for i, step in enumerate(timeline):
        changed = step.get("cells_changed") or {}
        n_changed = sum(changed.values())
        added, removed = step.get("columns_added") or [], step.get("columns_removed") or []
        retyped = step.get("retyped") or {}
        delta = step["rows_out"] - step["rows_in"]
        rows.append({
            "i": str(i), "n": str(i + 1), "layer": step["layer"], "type": step["type"],
            "label": cell_text(step.get("label", "")),
            "rows": f"{fmt_int(step['rows_in'])} → {fmt_int(step['rows_out'])}",
            "rows_delta": "" if delta == 0 else (f"+{fmt_int(delta)}" if delta > 0 else fmt_int(delta)),
            "cols": f"{len(step.get('columns_in') or [])} → {len(step.get('columns_out') or [])}",
            "added": _names(added) if len(added) < 8 or not removed else f"{len(added)} columnas renombradas",
            "removed": _names(removed) if len(removed) < 8 or not added else "",
            "changed": (f"{fmt_int(n_changed)} celdas ({_names([c for c, n in changed.items() if n])})"
                        if n_changed else ""),
            "retyped": _names([f"{c} → {type_label(t)}" for c, t in retyped.items()], 4),
            "ms": _ms(step.get("duration_ms")),
        })
    return rows


# --- tables (a layer, a step's output) ---------------------------------------------------------------------

def table_view(name: str, summary: dict[str, Any]) -> dict[str, Any]:
    """A layer summary (columns with dtype, row_count, sample) as ``{name, count, columns, rows, align}``; the
    first cell of every row is its RAW row number; numbers are right-aligned."""
    columns = summary.get("columns", [])
    numeric = {c["name"]: is_numeric(str(c.get("dtype", ""))) for c in columns}
    rows = [[str(r.get("_raw_row") if r.get("_raw_row") is not None else DASH)]
            + [cell_text(r.get(c["name"]), numeric[c["name"]]) for c in columns]
            for r in summary.get("sample", [])]
    return {"name": name, "count": f"{fmt_int(summary.get('row_count'))} filas",
            "columns": [{"name": c["name"], "type": type_label(str(c.get("dtype", ""))),
                         "raw": c.get("raw_column") or ""} for c in columns],
            "rows": rows, "align": ["right"] + ["right" if numeric[c["name"]] else "left" for c in columns]}


def sample_view(name: str, sample: list[dict[str, Any]], count: int) -> dict[str, Any]:
    """A timeline step's own sample (a few rows, no dtypes) in the same shape as ``table_view``."""
    names = [c for c in (sample[0] if sample else {}) if not c.startswith("_")]
    return table_view(name, {"columns": [{"name": c, "dtype": ""} for c in names], "row_count": count,
                             "sample": sample})


def layer_views(layers: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The tidy result first (gold, else silver), then the earlier layers."""
    ordered = [name for name in LAYER_ORDER if name in layers] + [n for n in layers if n not in LAYER_ORDER]
    return [table_view(name, layers[name]) for name in ordered]


# --- QA -------------------------------------------------------------------------------------------------------

def qa_key(qa: dict[str, Any] | None) -> str:
    """Identifies a preview's QA result (its checks, totals and first failing rows by RAW row): the QA panel's
    pages belong to the preview whose key they carry, never to a later one."""
    parts = [[r.get("id"), r.get("status"), r.get("unexpected_rows_total"),
              [(row.get("row"), row.get("position")) for row in r.get("unexpected_rows") or []]]
             for r in (qa or {}).get("results", [])]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:16]


def qa_view(qa: dict[str, Any] | None) -> dict[str, Any]:
    """Status badge, one line per check (its Spanish sentence), and the first page of failing rows of the
    first failed check (``Filas 1–20 de 101``; the panel pages through the rest) with their RAW cells."""
    empty = {"fail_check": "", "fail_rows": [], "fail_total": 0, "fail_label": "", "failed_checks": [],
             "key": qa_key(qa)}
    if not qa:
        label, colour = qa_badge("not_run")
        return {"status": "not_run", "label": label, "colour": colour, "summary": "Sin controles de calidad.",
                "checks": [], "highlights": {}, **empty}
    label, colour = qa_badge(qa.get("status"))
    stats = qa.get("statistics") or {}
    checks, highlights, pages = [], {}, {}
    for r in qa.get("results", []):
        check = check_row(r)
        checks.append(check)
        if not check["failed"]:
            continue
        rows = [failure_row(row, check["id"], check["layer"]) for row in r.get("unexpected_rows") or []]
        for row in rows:
            for cell in row["cells"][:CELLS_SHOWN]:
                highlights[cell_key(cell["row"], cell["column"])] = f"{check['id']}: {cell['text']}"
        pages[check["id"]] = (rows[:FAILURES_SHOWN], check["total"])
    failed = [c["id"] for c in checks if c["failed"] and c["total"]]
    if failed:
        rows, total = pages[failed[0]]
        empty.update(fail_check=failed[0], fail_rows=rows, fail_total=total, failed_checks=failed,
                     fail_label=page_label(0, len(rows), total))
    total = stats.get("evaluated_expectations", len(checks))
    ok = stats.get("successful_expectations", sum(1 for c in checks if not c["failed"]))
    return {"status": qa.get("status", "not_run"), "label": label, "colour": colour,
            "summary": f"{fmt_int(ok)} de {fmt_int(total)} controles aprobados", "checks": checks,
            "highlights": highlights, **empty}


# --- errors -----------------------------------------------------------------------------------------------------

LOCATION_WORDS = (("file", "Archivo"), ("sheet", "Hoja"), ("row", "Fila"), ("column", "Columna"),
                  ("layer", "Capa"), ("step", "Paso"), ("line", "Línea del spec"), ("name", "Parámetro"))


def error_view(error: dict[str, Any]) -> dict[str, str]:
    """A WorkbenchError's ``to_dict()`` as a Spanish message, its code and where it happened."""
    details = error.get("details") or {}
    where = " · ".join(f"{label}: {details[key]}" for key, label in LOCATION_WORDS
                       if details.get(key) not in (None, ""))
    return {"message": str(error.get("message_es") or error.get("message") or "Error"),
            "code": str(error.get("code", "")), "location": where,
            "row": str(details.get("row") or "") if isinstance(details.get("row"), int) else ""}
