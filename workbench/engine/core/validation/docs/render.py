"""One run's Data Docs page, in Spanish, rendered by us from the run's stored GX results.

GX's own page renderer speaks English ("Expectation Validation Result", "Show All", "unexpected") through
built-in templates that overrides cannot replace (they load first), and names each check by its snake_case
type with raw kwargs. So the page is ours, built from the same ``to_json_dict()`` results: every check as the
web app shows it (its Spanish sentence, the same verdict message, numbers in es-CL), failing rows by their
RAW row (the one Excel or a text editor shows) when the caller gives them, es-CL dates, and a link back to the
run's page. No great_expectations import: a page builds in milliseconds. Every value is HTML-escaped here.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import Any, Mapping

import numpy as np

from workbench.engine.core.numfmt import fmt_int, fmt_number, fmt_value
from workbench.engine.core.html_page import html_document
from workbench.engine.core.validation.report import ExpectationResult, row_of
from workbench.engine.core.validation.results import message, mismatch_text
from workbench.engine.core.validation.sentences import sentence, value_text

#: Keys of a stored GX expectation config that are ours or GX's plumbing, not the check's own arguments.
PLUMBING = frozenset({"batch_id", "result_format", "exact_scales", "expected_value", "control_cell", "mostly",
                      "catch_exceptions", "meta", "include_config"})
SAMPLE_VALUES = 20
QA_LABELS = {"passed": "aprobada", "warning": "con advertencias", "failed": "fallida", "not_run": "sin ejecutar"}
META_LABELS = {"dataset": "Dataset", "qa_status": "Calidad", "spec_version": "Versión del spec", "date": "Fecha",
               "file": "Archivo"}
_STATUS = {"passed": ("badge-success", "fa-check-circle", "Cumple"),
           "failed": ("badge-danger", "fa-times-circle", "No cumple"),
           "warning": ("badge-warning", "fa-exclamation-triangle", "Advertencia"),
           "error": ("badge-danger", "fa-bug", "Error")}

_STYLE = (".sentence{font-size:1rem} .num{text-align:right;font-variant-numeric:tabular-nums}\n"
          "td,th{vertical-align:top!important} .small-muted{font-size:.85rem;color:#6c757d}")
_BODY = """<nav class="navbar navbar-light bg-light border-bottom mb-3">
<span class="h5 m-0 text-body">Data Workbench &middot; QA</span>
<span>{back}<a class="btn btn-sm btn-outline-secondary ml-2" href="{home}">Todas las ejecuciones</a></span>
</nav>
<main class="container-fluid px-5">
<h1 class="h4">{title}</h1>
{summary}
{sections}
</main>"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def es_date(value: Any) -> str:
    """An ISO date-time as es-CL (``31-01-2024 10:00 UTC``); anything else as text."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    moment = (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    return moment.strftime("%d-%m-%Y %H:%M UTC")


def _badge(status: str) -> str:
    css, icon, text = _STATUS[status]
    return f'<span class="badge {css}"><i class="fas {icon}"></i> {text}</span>'


def expectation(layer: str, r: Mapping[str, Any]) -> ExpectationResult:
    """A stored GX result as our ExpectationResult, so its verdict reads as on the web pages (``message``)."""
    config = r.get("expectation_config") or {}
    meta = config.get("meta") or {}
    raw_kwargs = dict(config.get("kwargs") or {})
    kwargs = {k: v for k, v in raw_kwargs.items() if k not in PLUMBING}
    result = r.get("result") or {}
    info = r.get("exception_info") or {}
    raised = info.get("raised_exception") or any(isinstance(v, dict) and v.get("raised_exception")
                                                 for v in info.values())
    success = bool(r.get("success"))
    severity = "warning" if config.get("severity") == "warning" else "error"
    out = ExpectationResult(
        id=str(meta.get("workbench_id") or config.get("id") or config.get("type") or "?"), layer=layer,
        type=str(config.get("type") or "?"), kwargs=kwargs, severity=severity, mostly=raw_kwargs.get("mostly"),
        description=str(config.get("description") or ""), success=success,
        status="error" if raised else "passed" if success else "failed", message="",
        observed_value=result.get("observed_value"), element_count=result.get("element_count"),
        unexpected_count=result.get("unexpected_count"), unexpected_percent=result.get("unexpected_percent"),
        details=dict(result.get("details") or {}),
        positions=np.asarray([p for p in result.get("unexpected_index_list") or [] if isinstance(p, int)],
                             dtype=np.int64))
    out.message = "no se pudo evaluar" if raised else message(out)
    return out


def _observed(value: Any) -> str:
    if value is None:
        return "—"
    return fmt_number(value) if not isinstance(value, (list, dict)) else value_text(value)


def _sample(result: Mapping[str, Any]) -> str:
    """GX's sample of unexpected values (when no failing rows were given): a line of es-CL values."""
    values = (result.get("partial_unexpected_list") or [])[:SAMPLE_VALUES]
    shown = []
    for v in values:
        if isinstance(v, dict):
            shown.append(", ".join(f"{k}: {value_text(x)}" for k, x in v.items() if k != "position"))
        else:
            shown.append(value_text(v) if not isinstance(v, (int, float)) else fmt_number(v))
    return "; ".join(esc(s) for s in shown)


def _rows_table(failing: Mapping[str, Any], run_href: str) -> str:
    rows = failing.get("rows") or []
    total = int(failing.get("total") or len(rows))
    body = []
    for row in rows:
        number = row_of(row)
        values = row.get("values") or {}
        text = ", ".join(f"{k}={fmt_value(v)}" for k, v in values.items())
        cells = ", ".join(f"{c.get('column')}{c.get('row')} = {'(vacía)' if c.get('text') is None else c['text']}"
                          for c in row.get("raw") or [] if isinstance(c, dict) and c.get("column"))
        details = " · ".join(mismatch_text(d) for d in (row.get("details") or [])
                             if isinstance(d, dict) and "parent_value" in d)
        body.append(f'<tr><td class="num">{"—" if number is None else fmt_int(number)}</td><td>{esc(text)}</td>'
                    f'<td class="small-muted">{esc(cells)}</td><td class="text-danger">{esc(details)}</td></tr>')
    more = (f' <a href="{esc(run_href)}">Ver todas en la página de la ejecución</a>' if run_href and total > len(rows)
            else "")
    return (f'<p class="mb-1"><strong>Filas que no cumplen: {fmt_int(len(rows))} de {fmt_int(total)}</strong>.'
            f'{more}</p><table class="table table-sm table-bordered"><thead class="thead-light"><tr>'
            f'<th>Fila RAW</th><th>Valores</th><th>Celdas RAW</th><th>Detalle</th></tr></thead><tbody>'
            + "".join(body) + "</tbody></table>")


def _check(item: ExpectationResult, r: Mapping[str, Any], failing: Mapping[str, Any] | None, run_href: str) -> str:
    status = item.status if item.passed or item.status == "error" or item.severity == "error" else "warning"
    said = sentence(item.type, item.kwargs, item.mostly)
    extra = ""
    if not item.passed and failing and failing.get("rows"):
        extra = _rows_table(failing, run_href)
    elif not item.passed and (r.get("result") or {}).get("partial_unexpected_list"):
        extra = f'<p class="small-muted mb-0">Valores que no cumplen (muestra): {_sample(r.get("result") or {})}</p>'
    description = f'<div class="small-muted">{esc(item.description)}</div>' if item.description else ""
    return (f'<tr class="check" data-check="{esc(item.id)}"><td>{_badge(status)}</td>'
            f'<td><code>{esc(item.id)}</code><div class="sentence">{esc(said)}</div>{description}{extra}</td>'
            f'<td>{"error" if item.severity == "error" else "advertencia"}</td>'
            f'<td class="num">{esc(_observed(item.observed_value))}</td><td>{esc(item.message)}</td></tr>')


def _layer_section(n: int, layer: str, result: Mapping[str, Any], failing: Mapping[str, Any], run_href: str,
                   order: list[str]) -> str:
    stats = result.get("statistics") or {}
    items = [(expectation(layer, r), r) for r in result.get("results") or []]
    rank = {check: i for i, check in enumerate(order)}
    items.sort(key=lambda pair: rank.get(pair[0].id, len(rank)))  # the spec's order (GX groups by column)
    rows = [_check(item, r, failing.get(item.id), run_href) for item, r in items]
    verdict = _badge("passed" if result.get("success") else "failed")
    return (f'<section id="section-{n}" class="mb-4"><h2 class="h5">Capa {esc(layer)} {verdict}</h2>'
            f'<p class="small-muted">{fmt_int(stats.get("successful_expectations", 0))} de '
            f'{fmt_int(stats.get("evaluated_expectations", 0))} controles cumplen.</p>'
            '<table class="table table-sm table-striped"><thead class="thead-light"><tr><th>Estado</th>'
            '<th>Control</th><th>Severidad</th><th>Valor observado</th><th>Resultado</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></section>")


def _summary(results: Mapping[str, Mapping[str, Any]], meta: Mapping[str, Any]) -> str:
    rows = []
    for n, (layer, r) in enumerate(results.items(), start=2):
        stats = r.get("statistics") or {}
        share = stats.get("success_percent")
        rows.append(f'<tr><td><a href="#section-{n}">{esc(layer)}</a></td>'
                    f'<td>{_badge("passed" if r.get("success") else "failed")}</td>'
                    f'<td class="num">{fmt_int(stats.get("evaluated_expectations", 0))}</td>'
                    f'<td class="num">{fmt_int(stats.get("successful_expectations", 0))}</td>'
                    f'<td class="num">{fmt_int(stats.get("unsuccessful_expectations", 0))}</td>'
                    f'<td class="num">{fmt_number(share or 0, 0)} %</td></tr>')
    facts = []
    for key, value in meta.items():
        if key in ("run_href",) or value in (None, ""):
            continue
        shown = (es_date(value) if key == "date" else QA_LABELS.get(str(value), value) if key == "qa_status"
                 else f"v{value}" if key == "spec_version" else value)
        facts.append(f"<tr><th>{esc(META_LABELS.get(key, key))}</th><td>{esc(shown)}</td></tr>")
    return ('<section id="section-1" class="mb-4"><h2 class="h5">Resumen</h2>'
            '<table class="table table-sm w-auto"><thead class="thead-light"><tr><th>Capa</th><th>Estado</th>'
            '<th class="num">Controles</th><th class="num">Cumplen</th><th class="num">No cumplen</th>'
            '<th class="num">Éxito</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>"
            + (f'<table class="table table-sm w-auto"><tbody>{"".join(facts)}</tbody></table>' if facts else "")
            + "</section>")


def render_run_page(gx_results: Mapping[str, Mapping[str, Any]], *, heading: str, meta: Mapping[str, Any] | None = None,
                    failing: Mapping[str, Mapping[str, Any]] | None = None, order: list[str] | None = None,
                    static_prefix: str = "../../static/", home_href: str = "../../index.html") -> str:
    """The page of one run: a summary per layer and the run's facts, then each layer's checks.

    ``failing`` maps an expectation id to ``{"total", "rows"}`` (rows as ``QAReport.failures`` gives them):
    those checks list their failing rows by RAW row; without it a failed check shows GX's sample of values.
    ``order`` lists expectation ids in the spec's order (GX returns them grouped by column).
    ``meta["run_href"]`` is the run's page in the web app (the "back" link)."""
    meta = dict(meta or {})
    run_href = str(meta.get("run_href") or "")
    back = (f'<a class="btn btn-sm btn-primary" href="{esc(run_href)}"><i class="fas fa-arrow-left"></i> '
            f'Volver a la ejecución</a>' if run_href else "")
    sections = [_layer_section(n, layer, result, failing or {}, run_href, list(order or []))
                for n, (layer, result) in enumerate(gx_results.items(), start=2)]
    body = _BODY.format(title=esc(heading), home=esc(home_href), back=back, summary=_summary(gx_results, meta),
                        sections="\n".join(sections))
    return html_document(
        title=heading, body=body, icon=f"{static_prefix}gx/favicon.ico", style=_STYLE,
        stylesheets=[f"{static_prefix}bootstrap@4.3.1/dist/css/bootstrap.min.css",
                     f"{static_prefix}@fortawesome/fontawesome-free@6.6.0/css/all.min.css"],
        scripts=[f"{static_prefix}jquery@3.7.1/dist/jquery.min.js",
                 f"{static_prefix}bootstrap@4.3.1/dist/js/bootstrap.min.js"])


__all__ = ["es_date", "expectation", "render_run_page"]
