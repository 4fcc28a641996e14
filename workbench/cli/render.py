"""Human rendering of a preview in the terminal (rich). The CLI's presentation only; no engine logic."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from workbench.engine.api import fmt_number, mismatch_text, row_of, sentence

MAX_CELL = 40


def _cell(value: Any) -> Text:
    text = "∅" if value is None else str(value)
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    return Text(text, style="dim" if value is None else "")  # Text: cell content is never parsed as markup


def _grid(title: str, rows: list[dict[str, Any]], columns: list[str]) -> RichTable:
    table = RichTable(title=Text(title), title_justify="left", show_lines=False)
    for col in columns:
        table.add_column(Text(col), overflow="ellipsis", max_width=MAX_CELL, no_wrap=True)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    return table


def render_preview(console: Console, doc: Any, *, rows: int) -> None:
    source = doc.source
    facts = [f"{source.get('filename') or '(bytes)'}", f"format {source['format']}",
             f"{fmt_number(source['bytes'])} bytes",
             f"sha256 {source['sha256'][:12]}"]
    if source.get("encoding"):
        facts.append(f"encoding {source['encoding']}, delimiter {source.get('delimiter')!r}")
    if source.get("sheets"):
        facts.append(f"sheet {source.get('sheet')!r} of {source['sheets']}")
    console.print(Text("Source: " + " · ".join(facts), style="bold"))
    if doc.dataset:
        console.print(Text(f"Spec: {doc.dataset['slug']} ({doc.dataset['title']}), hash {doc.dataset['spec_hash'][:12]}"
                           + (f", parameters {doc.params}" if doc.params else "")))
    raw = doc.raw
    header = raw.get("header", {})
    console.print(Text(f"RAW: {fmt_number(raw['row_count'])} rows x {len(raw['columns'])} columns; "
                       f"header row {header.get('row')}"
                       f" -> {fmt_number(header.get('data_rows', 0))} data rows"))
    console.print(_grid("RAW (first rows)", raw["sample"][:rows], ["_row", *raw["columns"]]))
    if doc.timeline:
        timeline = RichTable(title="Timeline", title_justify="left")
        for col in ("layer", "#", "step", "rows in → out", "columns", "changed", "ms"):
            timeline.add_column(col)
        for step in doc.timeline:
            cols = []
            if step["columns_added"]:
                cols.append("+" + ",".join(step["columns_added"]))
            if step["columns_removed"]:
                cols.append("-" + ",".join(step["columns_removed"]))
            changed = [f"{c}:{fmt_number(n)}" for c, n in step["cells_changed"].items() if n]
            changed += [f"{c}→{t}" for c, t in step["retyped"].items()]
            timeline.add_row(step["layer"], str(step["index"]), Text(step["label"]),
                             f"{fmt_number(step['rows_in'])} → {fmt_number(step['rows_out'])}", Text(" ".join(cols)),
                             Text(" ".join(changed)), fmt_number(step['duration_ms'], 1))
        console.print(timeline)
    for name, layer in doc.layers.items():
        columns = [c["name"] for c in layer["columns"]]
        console.print(_grid(f"{name}: {fmt_number(layer['row_count'])} rows · "
                            + ", ".join(f"{c['name']}:{c['dtype']}" for c in layer["columns"]),
                            layer["sample"][:rows], columns))
    if doc.control_totals:
        console.print(Text(f"Control totals: {doc.control_totals}"))
    render_qa(console, doc.qa, rows=rows)
    for warning in doc.warnings:
        console.print(Text(f"warning: {warning}", style="yellow"))
    console.print(Text(f"Timings (ms): {doc.timings_ms}", style="dim"))


QA_STYLES = {"passed": "green", "warning": "yellow", "failed": "bold red", "not_run": "dim"}
QA_LABELS = {"passed": "QA passed", "warning": "QA passed with warnings", "failed": "QA FAILED (publication blocked)",
             "not_run": "QA not run (the spec declares no expectations)"}


def qa_line(status: str, run_status: str | None = None) -> Text:
    """The QA status as one styled phrase: only ``passed`` is ever green. A run still queued or running has
    no QA yet (``not_run`` then does not mean the spec declares none)."""
    if status == "not_run" and run_status in ("queued", "running"):
        return Text("QA pending", style="dim")
    if status == "not_run" and run_status in ("failed", "cancelled"):
        return Text("QA not run", style="dim")
    return Text(QA_LABELS.get(status, f"QA {status}"), style=QA_STYLES.get(status, ""))


def _value(value: Any) -> str:
    """A failing row's value as the web app shows it: numbers in es-CL (codes are text: unchanged)."""
    if value is None:
        return "∅"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return fmt_number(value)
    return repr(value) if isinstance(value, str) else str(value)


def _values(values: Any) -> str:
    return ", ".join(f"{k}={_value(v)}" for k, v in values.items()) if isinstance(values, dict) else str(values)


def _row_number(row: dict[str, Any]) -> str:
    """THE row number (RAW: Excel's row, a CSV's line), as on the web pages and in the API's ``row``."""
    number = row_of(row)
    return "?" if number is None else str(number)


def _raw_cells(row: dict[str, Any]) -> str:
    cells = []
    for cell in row.get("raw") or []:
        where = f"{cell.get('sheet') + '!' if cell.get('sheet') else ''}{cell.get('column') or '?'}{cell.get('row') or '?'}"
        cells.append(f"{where}={cell.get('text')!r}" if cell.get("text") is not None else where)
    return ", ".join(cells)


def render_qa(console: Console, qa: dict[str, Any] | None, *, rows: int = 5) -> None:
    """Every expectation with its outcome; for failures, the first failing rows and their RAW cells."""
    if not qa:
        return
    stats = qa.get("statistics", {})
    console.print(Text.assemble(qa_line(qa.get("status", "not_run")),
                                f" · {stats.get('successful_expectations', 0)}/{stats.get('evaluated_expectations', 0)}"
                                " checks passed"))
    if not qa.get("results"):
        return
    table = RichTable(title="Quality checks", title_justify="left")
    for col in ("layer", "check", "severity", "result", "observed", "failing rows"):
        table.add_column(col)
    for r in qa["results"]:
        status = "passed" if r.get("success") else ("failed" if r.get("severity") == "error" else "warning")
        said = r.get("sentence") or sentence(r.get("type", ""), r.get("kwargs") or {}, r.get("mostly"))
        table.add_row(r.get("layer", ""), Text(f"{r.get('id', '')}: {said}"), r.get("severity", ""),
                      Text(status if r.get("status") != "error" else "error", style=QA_STYLES[status]),
                      _cell(fmt_number(r.get("observed_value")) if r.get("observed_value") is not None else None),
                      fmt_number(r.get("unexpected_rows_total") or 0))
    console.print(table)
    for r in qa["results"]:
        if r.get("success"):
            continue
        console.print(Text(f"✗ {r.get('id')} {r.get('type')}: {r.get('message') or ''}",
                           style=QA_STYLES["failed" if r.get("severity") == "error" else "warning"]))
        for row in (r.get("unexpected_rows") or [])[:rows]:
            console.print(Text(f"    row {_row_number(row)}: {_values(row.get('values') or {})}  "
                               f"← RAW {_raw_cells(row)}"))
            for detail in row.get("details") or []:
                if isinstance(detail, dict) and "parent_value" in detail:
                    console.print(Text(f"      {mismatch_text(detail)}", style="dim"))
        more = (r.get("unexpected_rows_total") or 0) - min(rows, len(r.get("unexpected_rows") or []))
        if more > 0:
            console.print(Text(f"    … and {fmt_number(more)} more (workbench runs failures RUN_ID --check "
                               f"{r.get('id')})", style="dim"))


def failures_table(page: dict[str, Any]) -> RichTable:
    """A page of failing rows: check, RAW row (Excel's row, a CSV's line), values, RAW cells."""
    shown = (f"{fmt_number(page['offset'] + 1)}–{fmt_number(page['offset'] + len(page['rows']))}"
             if page["rows"] else "none")
    table = RichTable(title=Text(f"Failing rows {shown} of {fmt_number(page['total'])}"), title_justify="left")
    for col in ("check", "RAW row", "values", "RAW cells"):
        table.add_column(col)
    for row in page["rows"]:
        table.add_row(Text(str(row.get("expectation_id", ""))), Text(_row_number(row)),
                      Text(_values(row.get("values") or {})), Text(_raw_cells(row)))
    return table
