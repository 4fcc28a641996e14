"""A run's QA outcome, after validation: kept with the run, announced, published as Data Docs, enforced.

- Every failing row of every expectation is written next to the run's tables (``qa_failures.parquet``), so the
  UI and API page through all of them; the run row holds the report's first page only.
- GX's own results are kept as JSON (``gx_results.json``) so the run's Data Docs page can be rebuilt at any time.
- A failed QA (an ``error``-severity expectation failed) emits ``qa.failed``, calls the webhooks, and blocks
  publication: a stored run's tables are not exported.
"""

from __future__ import annotations

import io
import json
import logging
import time
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.engine.app import alerts
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.settings import Settings
from workbench.engine.core.validation.docs import build_run_docs
from workbench.engine.core.validation.report import row_of
from workbench.engine.infra.events import EventStream
from workbench.engine.store.objects import output_objects

log = logging.getLogger(__name__)

FAILURES_FILE = "qa_failures.parquet"
GX_RESULTS_FILE = "gx_results.json"
#: Failing rows per expectation kept on the run row (the rest are paged from the Parquet file).
RUN_PAGE_SIZE = 20
#: Failing rows per failed check listed on a run's Data Docs page (its run page pages through all of them).
DOCS_ROWS = 20
#: The web app's page of a run (Data Docs link back to it; served on the same origin).
RUN_PAGE_PREFIX = "/ejecuciones/"


class QAFailedError(WorkbenchError):
    code = "qa-failed"
    kind = "conflict"
    title = "QA failed: publication blocked"
    template = ("{subject} failed its quality checks ({failed}): its tables cannot be published; "
                "fix the file or the spec and run it again")
    template_es = ("{subject_es} no pasó los controles de calidad ({failed}): sus tablas no se pueden "
                   "publicar; corrija el archivo o la especificación y vuelva a ejecutar")


class QADocsMissingError(WorkbenchError):
    code = "qa-docs-missing"
    kind = "not-found"
    title = "No Data Docs for this run"
    template = "run {run_id} has no QA results to build Data Docs from"
    template_es = "la ejecución {run_id} no tiene resultados de calidad para generar Data Docs"


def failed_checks(qa: dict[str, Any] | None) -> list[str]:
    """Ids of the error-severity expectations that failed."""
    return [r["id"] for r in (qa or {}).get("results", [])
            if not r.get("success") and r.get("severity", "error") == "error"]


def ensure_publishable(run: Any) -> None:
    """Refuse to publish (export) the tables of a run whose QA failed."""
    if run.qa_status == "failed":
        raise QAFailedError(subject=f"run {run.id}", subject_es=f"la ejecución {run.id}", run_id=run.id,
                            failed=", ".join(failed_checks(run.qa)) or "error")


def ensure_publishable_preview(qa: dict[str, Any] | None, filename: str) -> None:
    """The same rule for a file run through a spec without a stored run (``workbench export SPEC FILE``)."""
    if qa is not None and qa.get("status") == "failed":
        raise QAFailedError(subject=filename, subject_es=f"el archivo {filename}", failed=", ".join(failed_checks(qa)))


def write_qa_outputs(report: Any, folder: Path, name: str) -> dict[str, Any]:
    """All failing rows (Parquet) and GX's results (JSON) in the run's output folder; the outputs entries."""
    out: dict[str, Any] = {}
    failures = report.failures_table()
    frame = failures if isinstance(failures, pd.DataFrame) else pd.DataFrame(failures)
    if len(frame):
        frame = frame.map(lambda v: json.dumps(v, default=str) if isinstance(v, (dict, list)) else v)
        path = folder / FAILURES_FILE
        frame.to_parquet(path, index=False)
        path.chmod(0o444)
        out["qa_failures"] = {"path": f"{name}/{FAILURES_FILE}", "rows": len(frame)}
    if report.gx_results:
        path = folder / GX_RESULTS_FILE
        path.write_text(json.dumps(report.gx_results, default=str), encoding="utf-8")
        path.chmod(0o444)
        out["gx_results"] = {"path": f"{name}/{GX_RESULTS_FILE}"}
    return out


def read_failures(run: Any, settings: Settings, *, expectation_id: str | None = None, offset: int = 0,
                  limit: int = 100) -> dict[str, Any]:
    """One page of a run's failing rows (optionally of one expectation), with the total."""
    meta = (run.outputs or {}).get("qa_failures")
    if not meta:
        return {"total": 0, "offset": offset, "limit": limit, "rows": []}
    frame = pd.read_parquet(io.BytesIO(output_objects(settings).get_bytes(meta["path"])))
    if expectation_id is not None and "expectation_id" in frame.columns:
        frame = frame[frame["expectation_id"] == expectation_id]
    page = frame.iloc[offset: offset + limit].astype(object)
    rows = [{k: _unjson(v) for k, v in row.items()} for row in page.where(page.notna(), None).to_dict("records")]
    for row in rows:  # the RAW row people see (runs stored before it was kept: from their RAW cells)
        row["row"] = row_of(row)
    return {"total": len(frame), "offset": offset, "limit": limit, "rows": rows}


def _unjson(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def docs_failing_rows(run: Any, settings: Settings, *, limit: int = DOCS_ROWS) -> dict[str, dict[str, Any]]:
    """Each failed check's first failing rows (with their RAW row) and total, for its Data Docs page."""
    out: dict[str, dict[str, Any]] = {}
    for result in (run.qa or {}).get("results", []):
        if result.get("unexpected_rows_total"):
            page = read_failures(run, settings, expectation_id=result["id"], limit=limit)
            out[result["id"]] = {"total": page["total"], "rows": page["rows"]}
    return out


def build_docs(run: Any, settings: Settings, *, title: str | None = None) -> Path:
    """(Re)build the run's Data Docs page from its stored GX results and failing rows; returns its path."""
    meta = (run.outputs or {}).get("gx_results")
    if not meta:
        raise QADocsMissingError(run_id=run.id)
    results = json.loads(output_objects(settings).get_bytes(meta["path"]).decode("utf-8"))
    date = getattr(run, "started_at", None) or getattr(run, "created_at", None)
    return build_run_docs(results, run_id=run.id, title=title or run.dataset_slug, out_dir=settings.site_dir,
                          meta={"dataset": run.dataset_slug, "qa_status": run.qa_status,
                                "spec_version": run.spec_version, "date": date,
                                "run_href": f"{RUN_PAGE_PREFIX}{run.id}"},
                          failing=docs_failing_rows(run, settings),
                          order=[r["id"] for r in (run.qa or {}).get("results", [])])


def announce(run: Any, settings: Settings, bus: EventStream) -> dict[str, float]:
    """After a run is recorded: publish its Data Docs page, and on failed QA emit ``qa.failed`` and alert.
    Neither may fail the run: problems are logged. Returns what each part took (ms: docs, events, alerts).
    With object storage the page is not built here: the worker may be another machine than the one that serves
    it, which builds it from the stored results on first view (``runs_read.run_docs_path``) and keeps it."""
    spent = {"docs": 0.0, "events": 0.0, "alerts": 0.0}
    started = time.perf_counter()
    if (run.outputs or {}).get("gx_results") and not settings.storage_url:
        try:
            build_docs(run, settings)
        except (OSError, ValueError, WorkbenchError) as exc:
            log.warning("Data Docs of run %s not built: %s", run.id, exc)
        except Exception:  # a rendering bug must not undo a recorded run; `workbench docs build` retries
            log.exception("Data Docs of run %s not built", run.id)
    spent["docs"] = _ms_since(started)
    if run.qa_status == "failed":
        qa = run.qa or {}
        summary = {"run_id": run.id, "dataset": run.dataset_slug, "qa_status": run.qa_status,
                   "failed": failed_checks(qa), "statistics": qa.get("statistics", {})}
        started = time.perf_counter()
        bus.publish("qa.failed", **summary)
        spent["events"] = _ms_since(started)
        started = time.perf_counter()
        alerts.notify("qa.failed", summary, settings)  # delivery runs in the background: this is the hand-off
        spent["alerts"] = _ms_since(started)
    return spent


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


__all__ = ["QADocsMissingError", "QAFailedError", "announce", "build_docs", "ensure_publishable",
           "ensure_publishable_preview", "failed_checks",
           "read_failures", "write_qa_outputs"]
