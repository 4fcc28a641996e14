"""The site's front page: a table of runs, newest first, written by us (not GX) from ``runs.json``.

Every value on it comes from run titles, dates and layer names, so every value is HTML-escaped here.
"""

from __future__ import annotations

import html
from typing import Any

from workbench.engine.core.html_page import html_document
from workbench.engine.core.validation.docs.render import es_date

_STATUS = {"success": ("badge-success", "aprobada"), "failed": ("badge-danger", "fallida")}

_BODY = """<nav class="navbar border-bottom mb-3"><span class="h5 m-0">Data Workbench &middot; QA</span></nav>
<main class="container-fluid px-5">
<h1 class="h4">{title}</h1>
<p class="text-muted">Ejecuciones: {count}. La página de cada ejecución muestra los controles de calidad de cada capa (bronze, silver, gold).</p>
<table class="table table-sm table-striped table-hover" id="runs">
<thead class="thead-light"><tr><th>Ejecución</th><th>Calidad</th><th>Fecha</th><th>Título</th><th>Capas</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</main>"""


def _badge(status: str) -> str:
    css, text = _STATUS.get(status, ("badge-secondary", status))
    return f'<span class="badge {css}">{html.escape(text)}</span>'


def _row(run: dict[str, Any]) -> str:
    key = html.escape(run["run_id"], quote=True)
    layers = " ".join(f"{html.escape(name)} {_badge(status)}" for name, status in run.get("layers", {}).items())
    return (f'<tr data-run="{key}"><td><a href="runs/{key}/index.html">{key}</a></td>'
            f'<td>{_badge(run["status"])}</td><td>{html.escape(es_date(run["date"]))}</td>'
            f'<td>{html.escape(run["title"])}</td><td>{layers}</td></tr>')


def render_index(runs: list[dict[str, Any]], *, title: str = "Data Docs: ejecuciones") -> str:
    """HTML for ``runs`` (already newest first)."""
    body = _BODY.format(title=html.escape(title), count=len(runs), rows="\n".join(_row(r) for r in runs))
    return html_document(title=title, body=body, icon="static/gx/favicon.ico",
                         stylesheets=["static/bootstrap@4.3.1/dist/css/bootstrap.min.css"])
