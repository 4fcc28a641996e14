"""Engine read models -> view-ready rows (plain dicts of display text), shared by the states."""

from __future__ import annotations

from typing import Any

from workbench.state.numbers import fmt_datetime, fmt_duration_ms
from workbench.components.status import CHART_COLOURS, outcome_colour, qa_badge, run_badge
from workbench.engine.api import fmt_int

DESCRIPTION_CHARS = 180
#: A run without output rows (failed) still gets a visible bar: this share of the tallest bar.
FAILED_BAR_SHARE = 0.35
MIN_BAR_SHARE = 0.08


def output_rows(row_counts: dict[str, Any] | None) -> int | None:
    """Rows of the run's last layer (silver, or gold when there is one)."""
    if not row_counts:
        return None
    for layer in ("gold", "silver", "bronze"):
        if row_counts.get(layer) is not None:
            return int(row_counts[layer])
    return None


def short(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def run_row(run: Any) -> dict[str, Any]:
    """One run (``RunPublic``) as table cells."""
    run_label, run_colour = run_badge(run.status)
    qa_label, qa_colour = qa_badge(run.qa_status)
    total_ms = (run.timings_ms or {}).get("run_total")
    return {
        "id": str(run.id), "dataset": run.dataset_slug, "href": f"/workbench/{run.dataset_slug}",
        "created": fmt_datetime(run.created_at), "version": f"v{run.spec_version}" if run.spec_version else "—",
        "run_label": run_label, "run_colour": run_colour, "qa_label": qa_label, "qa_colour": qa_colour,
        "rows": fmt_int(output_rows(run.row_counts)), "duration": fmt_duration_ms(total_ms),
        "file": short(", ".join(str(i.get("name") or i.get("original_name") or "") for i in run.inputs or []), 60),
        "triggered_by": run.triggered_by or "—",
        "error": short((run.error or {}).get("message_es") or (run.error or {}).get("message") or "", 140),
    }


def history_bars(runs: list[Any], slots: int = 12) -> list[dict[str, Any]]:
    """Oldest-first bars for the small run-history chart: height = output rows (a third of the tallest for a run
    without rows), colour = outcome (a run with failed QA is red, never green). Empty slots on the left keep
    every bar one width."""
    runs = runs[:slots]
    bars: list[dict[str, Any]] = [{"run": "", "height": "0%", "fill": "transparent", "label": ""}] * (slots - len(runs))
    tallest = max((output_rows(r.row_counts) or 0 for r in runs), default=0) or 1
    for run in reversed(runs):
        rows = output_rows(run.row_counts)
        share = rows / tallest if rows else FAILED_BAR_SHARE
        status, qa = run_badge(run.status)[0], qa_badge(run.qa_status)[0]
        bars.append({"run": f"#{run.id}", "height": f"{max(share, MIN_BAR_SHARE) * 100:.0f}%",
                     "fill": CHART_COLOURS[outcome_colour(run.status, run.qa_status)],
                     "label": f"Ejecución {run.id}: {status}, {qa}, " + (f"{fmt_int(rows)} filas" if rows else "sin filas")})
    return bars


KIND_LABELS = {"raw_file": "Archivo RAW", "dataset_layer": "Capa", "published_table": "Tabla publicada",
               "external_system": "Sistema externo"}
LINEAGE_EDGES_SHOWN = 50


def lineage_edges(graph: dict[str, Any]) -> list[dict[str, str]]:
    """The lineage graph as a readable list: one line per distinct source -> target, with how many runs made it."""
    nodes = {n["id"]: n for n in graph.get("nodes", [])}
    counts: dict[tuple[int, int], int] = {}
    for edge in graph.get("edges", []):
        key = (edge["source"], edge["target"])
        counts[key] = counts.get(key, 0) + 1
    rows = []
    for (source, target), n in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0]))[:LINEAGE_EDGES_SHOWN]:
        s, t = nodes.get(source, {}), nodes.get(target, {})
        rows.append({"source": str(s.get("label", source)), "source_kind": KIND_LABELS.get(s.get("kind", ""), ""),
                     "target": str(t.get("label", target)), "target_kind": KIND_LABELS.get(t.get("kind", ""), ""),
                     "runs": f"{fmt_int(n)} ejecución" if n == 1 else f"{fmt_int(n)} ejecuciones"})
    return rows


COLUMN_KEYS = ("column", "columns", "value_columns", "target", "variable", "value", "levels")


def step_rows(steps: list[dict[str, Any]]) -> list[dict[str, str]]:
    """A layer's steps as lines: number, type, the columns it touches and its other options in short."""
    out = []
    for i, step in enumerate(steps, 1):
        columns: list[str] = []
        for key in COLUMN_KEYS:
            value = step.get(key)
            if isinstance(value, str):
                columns.append(value)
            elif isinstance(value, list):
                columns += [str(v) for v in value]
            elif isinstance(value, dict) and key == "columns":
                columns += [str(k) for k in value]
        options = {k: v for k, v in step.items() if k not in ("type", *COLUMN_KEYS) and v not in (None, [], {}, "")}
        columns = list(dict.fromkeys(columns))
        out.append({"n": str(i), "type": str(step.get("type", "?")), "columns": short(", ".join(columns), 220),
                    "options": short("; ".join(f"{k}: {_compact(v)}" for k, v in options.items()), 220)})
    return out


def _compact(value: Any) -> str:
    """YAML-like short text: unset (None) options left out, booleans as true/false."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_compact(v)}" for k, v in value.items() if v is not None) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_compact(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
