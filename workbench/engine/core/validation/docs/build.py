"""Build one run's Data Docs page and add it to the site, without rebuilding anything else.

Site layout under ``out_dir``::

    index.html              runs, newest first (from runs.json)
    runs.json               the manifest
    runs/<run_id>/index.html one page per run, all layers on it (stable URL)
    static/...              the vendored assets, copied once per site

Cost per run is one render of that run (ours, in Spanish: render.py) plus a rewrite of two small files,
whatever the history size.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.validation.docs.assets import install_static
from workbench.engine.core.validation.docs.index_page import render_index
from workbench.engine.core.validation.docs.manifest import locked, upsert_run, write_atomic
from workbench.engine.core.validation.docs.offline import check_offline
from workbench.engine.core.validation.docs.render import render_run_page

RUNS_DIRNAME = "runs"
PAGE_FILENAME = "index.html"
_RUN_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class RunDocsNotFoundError(WorkbenchError):
    """The run exists (or not) but its Data Docs page was never built in this site."""

    code = "run-docs-not-found"
    kind = "not-found"
    title = "Data Docs not built"
    template = "no Data Docs for run {run_id} (expected {path})"
    template_es = "no hay Data Docs para la ejecución {run_id} (se esperaba {path})"


def _run_key(run_id: int | str) -> str:
    """The run id as a directory name; anything that could escape ``runs/`` is a caller bug."""
    key = str(run_id)
    if not _RUN_KEY.fullmatch(key) or key in {".", ".."}:
        raise ValueError(f"run_id must be a plain name (letters, digits, '.', '_', '-'): {run_id!r}")
    return key


def run_page_path(run_id: int | str, out_dir: Path) -> Path:
    return Path(out_dir) / RUNS_DIRNAME / _run_key(run_id) / PAGE_FILENAME


def _date(meta: Mapping[str, Any]) -> str:
    """Sort key for the index: the caller's ``meta['date']`` (run start), else now, as ISO-8601 UTC."""
    value = meta.get("date")
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
        return value.isoformat(timespec="seconds")
    return str(value) if value else datetime.now(timezone.utc).isoformat(timespec="seconds")


def build_run_docs(gx_results: dict[str, dict], *, run_id: int | str, title: str, out_dir: Path,
                   meta: dict | None = None, failing: dict[str, dict] | None = None,
                   order: list[str] | None = None) -> Path:
    """Render run ``run_id`` (layer name -> ``ExpectationSuiteValidationResult.to_json_dict()``).

    ``failing`` (expectation id -> ``{"total", "rows"}``) lists failing rows by their RAW row; ``order``
    (expectation ids) is the spec's order of the checks; ``meta`` is
    shown in the summary (``meta["run_href"]``: the run's page in the web app, linked back to). Writes
    ``out_dir/runs/<run_id>/index.html``, makes sure ``out_dir/static`` holds the assets and updates
    ``runs.json`` and ``index.html``. Other runs' pages are never touched. Returns the page path.
    """
    if not gx_results:
        raise ValueError("gx_results is empty: a run page needs at least one layer's result")
    out_dir = Path(out_dir)
    key = _run_key(run_id)
    meta = dict(meta or {})
    date = _date(meta)
    meta["date"] = date
    heading = f"Ejecución {key} · {title}"
    page = render_run_page(gx_results, heading=heading, meta=meta, failing=failing, order=order)
    check_offline(page)

    path = run_page_path(key, out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, page)

    layers = {layer: "success" if r.get("success") else "failed" for layer, r in gx_results.items()}
    entry = {"title": title, "date": date, "layers": layers,
             "status": "success" if all(s == "success" for s in layers.values()) else "failed"}
    with locked(out_dir):  # two workers may finish runs at once: one of them copies the assets
        install_static(out_dir)
        runs = upsert_run(out_dir, key, entry)
        write_atomic(out_dir / PAGE_FILENAME, render_index(runs))
    return path


def open_run_docs(run_id: int | str, out_dir: Path) -> Path:
    """The page of a built run; ``RunDocsNotFoundError`` (user-facing) when it was never built."""
    path = run_page_path(run_id, out_dir)
    if not path.is_file():
        raise RunDocsNotFoundError(run_id=str(run_id), path=str(path))
    return path


__all__ = ["RunDocsNotFoundError", "build_run_docs", "open_run_docs", "run_page_path"]
