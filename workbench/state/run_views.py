"""A run (``api.run_view``) -> the view-ready pieces of its page: facts, timeline, QA checks, failing rows with
their RAW cells, control totals, lineage and the error (plain dicts of display text)."""

from __future__ import annotations

from typing import Any

from workbench.state.numbers import fmt_datetime, fmt_duration_ms
from workbench.components.status import qa_badge, run_badge
from workbench.engine.api import EXPORT_FORMATS, RUN_STAGES, as_decimal, fmt_int, fmt_number, parse_control
from workbench.state.qa_rows import check_row, failure_row
from workbench.state.views import KIND_LABELS, short
#: The run page's download buttons: (label, format) from the engine's one export list.
EXPORT_CHOICES = tuple((f.label, name) for name, f in EXPORT_FORMATS.items())
#: A run's stages (``timings_ms`` keys; shown in the engine's ``RUN_STAGES`` order) as the run page names them.
STAGE_LABELS = {"read": "lectura", "header": "encabezado", "steps": "pasos", "qa": "calidad",
                "outputs": "tablas Parquet", "store": "registro", "lineage": "linaje", "docs": "Data Docs",
                "events": "eventos", "alerts": "alertas"}
LOCATION_KEYS = (("file", "archivo"), ("sheet", "hoja"), ("row", "fila"), ("column", "columna"),
                 ("step", "paso"), ("line", "línea del spec"), ("field", "campo"))


def facts(view: Any) -> dict[str, Any]:
    run, file = view.run, view.file
    item = (run.inputs or [{}])[0]
    run_label, run_colour = run_badge(run.status)
    qa_label, qa_colour = qa_badge(run.qa_status)
    layers = list(((run.outputs or {}).get("layers") or {}).keys())
    return {
        "id": str(run.id), "dataset": run.dataset_slug, "dataset_href": f"/workbench/{run.dataset_slug}",
        "status": run.status, "qa_status": run.qa_status, "run_label": run_label, "run_colour": run_colour,
        "qa_label": qa_label, "qa_colour": qa_colour, "file": str(item.get("name") or "—"),
        "size": f"{fmt_int(item.get('bytes') or (file.size if file else None))} bytes",
        "sha256": str(item.get("sha256") or ""), "format": _format(file),
        "sheet": "" if item.get("sheet") in (None, "") else str(item["sheet"]),  # a sheet the user chose
        "params": [{"name": k, "value": str(v)} for k, v in (run.params or {}).items()],
        "triggered_by": run.triggered_by or "—", "created": fmt_datetime(run.created_at),
        "started": fmt_datetime(run.started_at), "finished": fmt_datetime(run.finished_at),
        "duration": fmt_duration_ms((run.timings_ms or {}).get("run_total")), "engine": run.engine_version or "—",
        "spec_version": f"v{view.spec.run_version}", "current_version": f"v{view.spec.current_version}",
        "spec_changed": view.spec.changed, "diff": view.spec.diff,
        "rows": ", ".join(f"{k} {fmt_int(v)}" for k, v in (run.row_counts or {}).items()) or "—",
        "layers": layers, "backfill": str(run.backfill_id or ""),
        "raw_href": f"/workbench/runs/{run.id}/raw", "docs_href": f"/workbench/runs/{run.id}/docs",
        "has_docs": bool((run.outputs or {}).get("gx_results")), "reload_href": f"/cargar?run={run.id}",
        "warnings": [short(w, 300) for w in warnings(run)], "stages": stages(run.timings_ms),
        "no_checks": no_checks(run),
    }


def no_checks(run: Any) -> str:
    """Why the run shows no quality check: QA never ran (the run failed or was cancelled first, or it is still
    running), or the dataset declares none. Only a run that finished with QA ``not_run`` means the latter."""
    if run.qa_status != "not_run" or run.status == "succeeded":
        return "Este dataset no declara controles de calidad."
    if run.status == "failed":
        return "Sin control de calidad: la ejecución falló antes de completarlo."
    if run.status == "cancelled":
        return "Sin control de calidad: la ejecución se canceló antes."
    return "El control de calidad se hace cuando terminan los pasos de la ejecución."


def warnings(run: Any) -> list[str]:
    """The run's warnings in Spanish; a run recorded before they were kept in Spanish shows its English ones."""
    return list(run.warnings_es if run.warnings_es is not None else run.warnings or [])


def stages(timings: dict[str, Any] | None) -> str:
    """``lectura 12 ms · pasos 30 ms · ...``: what each stage of the run took (es-CL); empty for runs recorded
    before stages were measured."""
    timings = timings or {}
    if "outputs" not in timings:  # a run recorded before the breakdown, or one that did not finish
        return ""
    return " · ".join(f"{STAGE_LABELS[key]} {_ms(timings[key])} ms" for key in RUN_STAGES if key in timings)


def _ms(value: Any) -> str:
    """Whole milliseconds, below one with one decimal (``0,4``)."""
    number = as_decimal(value)
    if number is None:
        return fmt_int(None)
    return fmt_number(round(number, 1)) if abs(number) < 1 else fmt_int(round(number))


def _format(file: Any) -> str:
    if file is None:
        return "—"
    parts = [file.format.upper() or "?", file.encoding or "", f"separador «{file.delimiter}»" if file.delimiter else ""]
    return " · ".join(p for p in parts if p)


def timeline(run: Any) -> list[dict[str, str]]:
    return [{"layer": str(s.get("layer", "")), "n": str(s.get("index", "")), "type": str(s.get("type", "")),
             "label": short(str(s.get("label") or ""), 140),
             "rows": f"{fmt_int(s.get('rows_in'))} → {fmt_int(s.get('rows_out'))}",
             "duration": fmt_duration_ms(s.get("duration_ms"))} for s in run.timeline or []]


def checks(run: Any) -> list[dict[str, Any]]:
    """The run's checks, as the preview's QA panel shows them (one definition: ``qa_rows.check_row``)."""
    return [check_row(r) for r in (run.qa or {}).get("results", [])]


def failure_rows(page: dict[str, Any]) -> list[dict[str, Any]]:
    """Failing rows by their RAW row (never the table position), with values, RAW cells and details."""
    return [failure_row(row) for row in page.get("rows", [])]


def _amount(text: Any) -> str:
    """A RAW control total (``-10253120970``, or es-CL text ``1.500,25``) in es-CL."""
    if isinstance(text, list):
        return " + ".join(_amount(t) for t in text)
    if as_decimal(text) is not None:
        return fmt_number(text)
    try:
        return fmt_number(parse_control(text, decimal=",", thousands="."))
    except ValueError:
        return str(text)


def control_totals(run: Any) -> list[dict[str, str]]:
    return [{"name": name, "value": _amount(c.get("value")) if isinstance(c, dict) else _amount(c),
             "cell": f"{c.get('column', '')}{c.get('row', '')}" if isinstance(c, dict) else "—"}
            for name, c in (run.control_totals or {}).items()]


def lineage(graph: dict[str, Any], run_id: int) -> list[dict[str, str]]:
    """The nodes this run linked, in flow order (RAW file, then its layers)."""
    ids: list[int] = []
    for edge in graph.get("edges", []):
        if edge.get("run_id") == run_id:
            ids += [i for i in (edge["source"], edge["target"]) if i not in ids]
    nodes = {n["id"]: n for n in graph.get("nodes", [])}
    order = {"raw_file": 0, "dataset_layer": 1, "published_table": 2, "external_system": 3}
    return [{"label": str((nodes[i].get("meta") or {}).get("name") or nodes[i]["label"]),
             "kind": KIND_LABELS.get(nodes[i]["kind"], nodes[i]["kind"])}
            for i in sorted(ids, key=lambda i: (order.get(nodes[i]["kind"], 9), i)) if i in nodes]


def error(run: Any) -> dict[str, str]:
    err = run.error or {}
    if not err:
        return {}
    details = err.get("details") or {}
    where = ", ".join(f"{es} {details[key]}" for key, es in LOCATION_KEYS if details.get(key) not in (None, ""))
    return {"message": str(err.get("message_es") or err.get("message") or ""), "code": str(err.get("code", "")),
            "where": where}
