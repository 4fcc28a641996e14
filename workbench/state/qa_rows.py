"""QA results and failing rows as display text, the same on the upload page's QA panel and on the run page.

One definition of each piece: a check is shown with its Spanish sentence (``monto no vacío en el 100 % de las
filas``), a failing row by its RAW row (the row Excel shows, or the CSV line a text editor shows: the engine's
``row``, never the table position), every number with the one es-CL formatter (``976.368.290``), and a
page of failing rows says ``Filas 1–20 de 101``.
"""

from __future__ import annotations

from typing import Any

from workbench.engine.api import DASH, fmt_int, fmt_number, fmt_value, mismatch_text, row_of, sentence

CHECK_STATUS = {"passed": ("Cumple", "green"), "failed": ("No cumple", "red"), "error": ("Error", "red")}
SEVERITY = {"error": "error", "warning": "advertencia"}
#: Failing rows per page (preview and run page).
PAGE_SIZE = 20
VALUES_CHARS = 400
DETAIL_LABELS = {"parent_value": "total", "children_sum": "suma de los hijos", "difference": "diferencia",
                 "children": "hijos", "expected_value": "esperado"}


def value_text(value: Any) -> str:
    """A value of a failing row: numbers in es-CL (codes are text and stay as they are), missing as a dash."""
    return fmt_value(value)


def check_row(r: dict[str, Any]) -> dict[str, Any]:
    """One expectation's result (``QAReport.to_dict()`` entry) as a line of the checks table."""
    status = str(r.get("status", ""))
    label, colour = CHECK_STATUS.get(status, (status or "?", "gray"))
    if status != "passed" and r.get("severity") == "warning":
        label, colour = "Advertencia", "amber"
    observed = r.get("observed_value")
    failing = int(r.get("unexpected_rows_total") or 0)
    return {"id": str(r.get("id", "")), "layer": str(r.get("layer", "")), "type": str(r.get("type", "")),
            "sentence": str(r.get("sentence") or sentence(str(r.get("type", "")), r.get("kwargs") or {},
                                                          r.get("mostly"))),
            "description": str(r.get("description") or ""), "status": status, "label": label, "colour": colour,
            "severity": SEVERITY.get(str(r.get("severity", "")), str(r.get("severity", ""))),
            "observed": DASH if observed is None else value_text(observed) if not isinstance(observed, str)
            else fmt_number(observed),
            "message": str(r.get("message") or ""), "failing": fmt_int(failing) if status != "passed" else "0",
            "total": failing, "failed": status != "passed"}


def details_text(details: Any) -> list[str]:
    """A failing row's facts: for a hierarchy, each measure's total against its children's sum."""
    if not details:
        return []
    out = []
    for d in details if isinstance(details, list) else [details]:
        if not isinstance(d, dict):
            out.append(str(d))
            continue
        if "parent_value" in d:
            out.append(mismatch_text(d))
        else:
            out.append(" · ".join(f"{DETAIL_LABELS.get(k, k)}: {value_text(v)}" for k, v in d.items()
                                  if not isinstance(v, (dict, list))))
    return out


def failure_row(row: dict[str, Any], check: str = "", layer: str = "") -> dict[str, Any]:
    """A failing row: its RAW row (and sheet), the values the check looked at, the RAW cells they came from
    (``K86 = 324017781``) and the check's details."""
    number = row_of(row)
    values = row.get("values") or {}
    cells = []
    for c in row.get("raw") or []:
        if not isinstance(c, dict) or c.get("row") is None or not c.get("column"):
            continue
        cells.append({"label": f"{c['column']}{c['row']}", "row": str(c["row"]), "column": str(c["column"]),
                      "sheet": str(c.get("sheet") or ""),
                      "text": "(vacía)" if c.get("text") is None else str(c.get("text")).strip() or "(vacía)"})
    text = ", ".join(f"{k}={value_text(v)}" for k, v in values.items()) if isinstance(values, dict) else str(values)
    return {"check": str(row.get("expectation_id") or check), "layer": str(row.get("layer") or layer),
            "row": "" if number is None else str(number), "row_label": DASH if number is None else fmt_int(number),
            "sheet": cells[0]["sheet"] if cells else "", "values": text[:VALUES_CHARS], "cells": cells,
            "details": details_text(row.get("details"))}


def page_label(offset: int, shown: int, total: int) -> str:
    """``Filas 1–20 de 101`` (``Sin filas que fallen.`` when there are none)."""
    if not total:
        return "Sin filas que fallen."
    return f"Filas {fmt_int(offset + 1)}–{fmt_int(offset + shown)} de {fmt_int(total)}"


__all__ = ["CHECK_STATUS", "PAGE_SIZE", "check_row", "details_text", "failure_row", "page_label", "value_text"]
