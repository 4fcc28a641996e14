"""One GX ExpectationValidationResult -> our ExpectationResult (plain data, positions of the failing rows).

Also trims the GX result's per-row lists once the positions are taken: the full lists live in our report
(paged on demand); the GX document kept for Data Docs only needs a sample, and serialising 200k unexpected
values would cost more than the validation itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.engine.core.numfmt import as_decimal, fmt_int, fmt_number
from workbench.engine.core.serialize import jsonable
from workbench.engine.core.validation.checks import CONTROL_TOTAL, HIERARCHY
from workbench.engine.core.validation.hierarchy import HierarchyKwargs
from workbench.engine.core.validation.models import ExpectationSpec
from workbench.engine.core.validation.report import ExpectationResult

GX_LIST_CAP = 200  # per-row entries kept in the GX result document (Data Docs)
_ROW_LISTS = ("unexpected_list", "unexpected_index_list")


def to_result(item: ExpectationSpec, layer: str, *, success: bool, result: dict[str, Any] | None,
              exception_info: dict[str, Any] | None) -> ExpectationResult:
    """Our result from GX's parts of one (GX's ``ExpectationValidationResult``'s ``success``, ``result`` and
    ``exception_info``, or the vectorised path's equal ones). Trims ``result``'s per-row lists in place."""
    result = result if result is not None else {}
    info = exception_info or {}
    base = dict(id=item.id or "?", layer=layer, type=item.type, kwargs=jsonable(item.kwargs), severity=item.severity,
                mostly=item.mostly, description=item.description, columns=relevant_columns(item))
    problem = _exception(info)
    if problem is not None:
        return ExpectationResult(**base, success=False, status="error", message=f"no se pudo evaluar: {problem}")
    positions = np.unique(np.asarray([p for p in result.get("unexpected_index_list") or [] if isinstance(p, int)],
                                     dtype=np.int64))
    details = result.get("details") or {}
    row_details: dict[int, Any] = {}
    summary: dict[str, Any] = {}
    if item.type == HIERARCHY:
        for m in details.get("mismatches", []):
            row_details.setdefault(m["position"], []).append({k: v for k, v in m.items() if k != "position"})
        summary = {"failing_by_measure": _count_by(details.get("mismatches", []), "measure")}
    elif item.type == CONTROL_TOTAL:
        summary = dict(details)
    trim_row_lists(result)
    success = bool(success)
    out = ExpectationResult(**base, success=success, status="passed" if success else "failed", message="",
                            observed_value=jsonable(result.get("observed_value")),
                            element_count=result.get("element_count"), unexpected_count=result.get("unexpected_count"),
                            unexpected_percent=_round(result.get("unexpected_percent")), details=jsonable(summary),
                            positions=positions, row_details=row_details)
    out.message = message(out)
    return out


def relevant_columns(item: ExpectationSpec) -> list[str]:
    """The columns shown for a failing row of this expectation."""
    kw = item.kwargs
    if item.type == HIERARCHY:
        h = HierarchyKwargs(**kw)
        return list(dict.fromkeys([*h.group_by, *h.levels, h.level_column,
                                   *(h.measures or [h.measure_column, h.value_column])]))  # type: ignore[list-item]
    if item.type == CONTROL_TOTAL:
        return []
    named = [kw[c] for c in ("column", "column_A", "column_B") if isinstance(kw.get(c), str)]
    return list(dict.fromkeys([*named, *(kw.get("column_list") or [])]))


def message(r: ExpectationResult) -> str:
    """A short Spanish summary for the UI: what was expected, what was found (numbers in es-CL). A check
    that fails without failing rows (a control total) says the expected value, the computed one and the
    difference."""
    if r.type == CONTROL_TOTAL:
        return control_total_message(r.details, r.observed_value, r.success)
    if r.type == HIERARCHY:
        if not r.unexpected_count:
            return f"los {fmt_int(r.element_count)} totales revisados cuadran con la suma de sus hijos"
        rows = len(r.positions)
        return (f"{fmt_int(r.unexpected_count)} de {fmt_int(r.element_count)} totales no cuadran con la suma de "
                f"sus hijos ({fmt_int(rows)} {'fila' if rows == 1 else 'filas'})")
    if r.unexpected_count:
        return (f"{fmt_int(r.unexpected_count)} de {fmt_int(r.element_count)} filas no cumplen "
                f"({fmt_number(r.unexpected_percent or 0, 2)} %)"
                if r.element_count else f"{fmt_int(r.unexpected_count)} filas no cumplen")
    if r.observed_value is not None:
        return f"valor observado: {_shown(r.observed_value)}" + ("" if r.success else " (fuera de lo esperado)")
    if r.element_count:
        return f"las {fmt_int(r.element_count)} filas cumplen" if r.success else "no cumple"
    return "cumple" if r.success else "no cumple"


def control_total_message(details: dict[str, Any], computed: Any, success: bool) -> str:
    """``RESULTADO del archivo (celda K193): -10.253.120.970; calculado: -10.253.120.970; diferencia: 0``."""
    cell = details.get("control_cell") or {}
    where = f"{cell.get('column') or ''}{cell.get('row') or ''}"
    name = str(details.get("control") or "total de control").upper()
    verdict = "cuadra" if success else "no cuadra"
    return (f"{verdict}: {name} del archivo{f' (celda {where})' if where else ''}: "
            f"{fmt_number(details.get('expected_value'))}; calculado: {fmt_number(computed)}; "
            f"diferencia: {fmt_number(details.get('difference'))}")


def mismatch_text(d: dict[str, Any]) -> str:
    """One hierarchy mismatch of a failing row, as every page shows it:
    ``presupuesto_inicial: total 3.643.050; suma de 2 hijos: 3.642.354; diferencia: 696``."""
    children = d.get("children")
    return (f"{d.get('measure', '')}: total {fmt_number(d.get('parent_value'))}; suma de "
            f"{fmt_int(children)} {'hijo' if children == 1 else 'hijos'}: {fmt_number(d.get('children_sum'))}; "
            f"diferencia: {fmt_number(d.get('difference'))}")


def _shown(value: Any) -> str:
    """An observed value as text: a number in es-CL, anything else as it is."""
    return fmt_number(value) if as_decimal(value) is not None else str(value)


def first_line(exc: BaseException | str) -> str:
    """An error in one line (GX's pydantic errors put the reason on the lines after the first)."""
    name = type(exc).__name__ if isinstance(exc, BaseException) else "error"
    return (" ".join(line.strip() for line in str(exc).splitlines() if line.strip()) or name)[:300]


def _exception(info: dict[str, Any]) -> str | None:
    """The first line of the exception a check raised, if any. GX reports it directly, or per failed metric
    (keyed by the metric's id) when a metric could not be computed, e.g. for a missing column."""
    found = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    for entry in found:
        if entry.get("raised_exception"):
            lines = str(entry.get("exception_message") or "error").strip().splitlines() or ["error"]
            return lines[0][:300]
    return None


def trim_row_lists(result: dict[str, Any]) -> None:
    """Per-row lists of a GX result cut to GX_LIST_CAP (in place): the GX document keeps a sample, the QA
    report every failing row."""
    for key in _ROW_LISTS:
        if isinstance(result.get(key), list) and len(result[key]) > GX_LIST_CAP:
            result[key] = result[key][:GX_LIST_CAP]
    details = result.get("details")
    if isinstance(details, dict) and len(details.get("mismatches", [])) > GX_LIST_CAP:
        details["mismatches"] = details["mismatches"][:GX_LIST_CAP]


def _count_by(rows: list[dict[str, Any]], key: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for row in rows:
        out[row[key]] = out.get(row[key], 0) + 1
    return out


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)


__all__ = ["GX_LIST_CAP", "control_total_message", "first_line", "message", "mismatch_text", "relevant_columns", "to_result",
           "trim_row_lists"]
