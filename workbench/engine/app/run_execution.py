"""Executing a recorded run: its pipeline, outputs and record (``execute_pipeline``), the heartbeat that shows it
is alive (``Heartbeat``), how it ends (``finish``, ``record_failure``, ``record_internal_error``) and the stage
times that follow its record (``record_stages``). ``runs.execute_run`` takes the dataset's lock and calls these.

Every exit path ends the run: user errors as ``failed`` with their error JSON; server-side failures and bugs as
``failed`` with a generic text and a reference to the log line that has the detail."""

from __future__ import annotations

import errno
import hashlib
import logging
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from workbench.engine.app import openlineage, qa
from workbench.engine.core.errors import SERVER_SIDE, WorkbenchError, record_of
from workbench.engine.core.memory import releases_after
from workbench.engine.core.openlineage import column_types
from workbench.engine.core.preview import preview_file
from workbench.engine.core.serialize import jsonable
from workbench.engine.core.settings import Settings
from workbench.engine.core.table import Table
from workbench.engine.infra.events import EventStream
from workbench.engine.store import backfills as backfill_store
from workbench.engine.store import lineage as lineage_store
from workbench.engine.store import runs as run_store
from workbench.engine.store.db import session_scope
from workbench.engine.store.models import RunPublic
from workbench.engine.store.objects import LocalObjectStore, ObjectStore, StorageFullError, output_objects

log = logging.getLogger(__name__)


def write_outputs(run_id: int, tables: dict[str, Table], root: Path, report: Any = None, *,
                   objects: ObjectStore | None = None) -> dict[str, Any]:
    """Each layer's full table (with provenance) as Parquet in a folder of its own (``<run_id>-<random>``:
    several stores may share one data directory or bucket and number their runs alike), with its sha256; plus
    the QA report's failing rows and GX results. The folder is written under ``root`` (local scratch) and then
    handed to ``objects`` (default: ``root`` itself, where it is renamed into place)."""
    name = f"{run_id}-{uuid.uuid4().hex[:12]}"
    folder = root / f".{name}.partial"  # renamed into place only when every file is written (disk full: no trace)
    folder.mkdir(parents=True, exist_ok=False)
    try:
        out: dict[str, Any] = {}
        for layer, table in tables.items():
            path = folder / f"{layer}.parquet"
            table.df.to_parquet(path, index=False)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            path.chmod(0o444)
            out[layer] = {"path": f"{name}/{layer}.parquet", "sha256": digest, "rows": len(table.df),
                          "columns": table.data_columns, "types": column_types(table.df, table.data_columns),
                          "origins": table.origins, "sheet": table.sheet}
        written = {"layers": out, **(qa.write_qa_outputs(report, folder, name) if report is not None else {})}
        (objects or LocalObjectStore(root)).put_folder(name, folder)
        return written
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def record_stages(run: RunPublic, url: str, timings: dict[str, float]) -> RunPublic:
    """Complete the run's stage breakdown with what followed its record (the commit, Data Docs, events,
    alerts). ``run_total`` stays the run's own time up to its record. One small write; a failure to make it is
    logged and leaves the run as it is."""
    timings = {**(run.timings_ms or {}), **timings}
    try:
        with session_scope(url) as session:
            run_store.update_run(run.id, session=session, timings_ms=timings)
    except WorkbenchError as exc:
        log.warning("stage times of run %s not recorded: %s", run.id, exc.message)
        return run
    return run.model_copy(update={"timings_ms": timings})


class Heartbeat:
    """Stamps the run's heartbeat while it executes, so a run whose process died is recognised."""

    def __init__(self, url: str, run_id: int, every_s: float) -> None:
        self.url, self.run_id, self.every_s = url, run_id, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"run-{run_id}-heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                with session_scope(self.url) as session:
                    run_store.touch(self.run_id, session=session)
            except WorkbenchError as exc:
                log.warning("heartbeat of run %s failed: %s", self.run_id, exc.message)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def backfill_progress(backfill_id: int, url: str, bus: EventStream, settings: Settings | None = None) -> None:
    with session_scope(url) as session:
        finished = backfill_store.finish_if_done(backfill_id, session=session)
        counts = backfill_store.progress(backfill_id, session=session)
        backfill = backfill_store.get_backfill(backfill_id, session=session) if finished and settings else None
    bus.publish("backfill.finished" if finished else "backfill.progress", backfill_id=backfill_id, **counts)
    if backfill is not None and settings is not None:
        backfill_ended(backfill, counts, settings)


def backfill_ended(backfill: Any, counts: dict[str, int], settings: Settings) -> None:
    """The backfill's OpenLineage COMPLETE (every file done or skipped) or FAIL (some runs failed)."""
    failed = counts.get("failed", 0)
    openlineage.backfill_event("FAIL" if failed else "COMPLETE", backfill_id=backfill.id, slug=backfill.dataset_slug,
                               created_at=backfill.created_at, settings=settings,
                               error=f"{failed} de {failed + counts.get('done', 0)} archivos fallaron" if failed else None)


@releases_after  # the run's tables are freed inside malloc: handed back to the system once the process is idle
def execute_pipeline(run_id: int, spec: Any, data: bytes, filename: str, params: dict[str, Any], dataset_id: int, slug: str,
             sha: str, spec_version: int, url: str, settings: Settings,
             on_step: Callable[[Any, int, int], None] | None = None, *,
             sheet: int | str | None = None) -> dict[str, float] | None:
    """Run the pipeline and record the outcome. Every exit path ends the run: user errors as ``failed`` with
    their error JSON, anything else as ``failed`` (internal-error) and re-raised for the logged handler.
    Returns what each stage took (ms) when the run is recorded succeeded. The record holds them already, except
    the commit's share of ``store``; ``execute_run`` adds that and what follows the record (Data Docs, events,
    alerts)."""
    started = time.perf_counter()
    try:
        result = preview_file(data, spec, filename=filename, params=params, sheet=sheet, sample_rows=5,
                              on_step=on_step)
        mark = time.perf_counter()
        outputs = write_outputs(run_id, result.tables, settings.outputs_dir, result.qa_report,
                                  objects=output_objects(settings))
        if result.layout is not None:
            outputs["layout"] = result.layout  # the file's layout fingerprint: what the next file is compared with
        report = result.qa_report
        timings = {**result.timings_ms, "outputs": ms_since(mark)}
        with session_scope(url) as session:  # the run's record, its file's facts and its lineage: one transaction
            mark = time.perf_counter()
            lineage_store.record_run_lineage(session=session, run_id=run_id, dataset_id=dataset_id, slug=slug,
                                             file_sha256=sha, file_name=filename, layers=list(result.tables),
                                             spec_version=spec_version)
            timings["lineage"] = ms_since(mark)
            mark = time.perf_counter()
            run_store.set_file_facts(sha, result.source, session=session)
            run_store.update_run(
                run_id, session=session, only_if=("running",), status="succeeded", error=None,
                timings_ms=dict(timings, store=ms_since(mark), run_total=ms_since(started)),
                row_counts={name: t["row_count"] for name, t in result.layers.items()},
                timeline=jsonable(result.timeline), control_totals=jsonable(result.control_totals),
                warnings=[str(w) for w in result.warnings], warnings_es=result.warnings_es, outputs=outputs,
                qa_status=report.status if report is not None else "not_run",
                qa=jsonable(report.to_dict(page_size=qa.RUN_PAGE_SIZE)) if report is not None else None)
        timings["store"] = ms_since(mark)  # the commit included
        return timings
    except WorkbenchError as exc:
        record_failure(url, run_id, exc)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            record_internal_error(url, run_id, exc)
            raise
        full = StorageFullError("the disk is full: the run's tables were not written; free space and run it again",
                                message_es="el disco está lleno: no se guardaron las tablas de la ejecución; libere "
                                           "espacio y vuelva a ejecutarla")
        finish(url, run_id, status="failed", error=full.to_dict())
    except BaseException as exc:
        record_internal_error(url, run_id, exc)
        raise


def ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def record_internal_error(url: str, run_id: int, exc: BaseException) -> None:
    """A bug: the record (readable by every viewer) gets a generic text and a reference; the log gets the rest."""
    reference = uuid.uuid4().hex[:12]
    log.error("run %s failed with an internal error (reference %s)", run_id, reference, exc_info=exc)
    finish(url, run_id, status="failed", error=record_of(exc, reference=reference))


def record_failure(url: str, run_id: int, exc: WorkbenchError) -> None:
    """A typed failure: a user error is recorded as it is; a server-side one (Redis, the database, the file store)
    with a generic text (``record_of``), its detail (addresses, paths, the driver's text) only in the log."""
    if exc.code in SERVER_SIDE and not getattr(exc, "public", False):
        reference = uuid.uuid4().hex[:12]
        log.warning("run %s failed: %s (%s, reference %s)", run_id, exc.message, exc.code, reference)
        finish(url, run_id, status="failed", error=record_of(exc, reference=reference))
    else:
        finish(url, run_id, status="failed", error=exc.to_dict())


def finish(url: str, run_id: int, **values: Any) -> None:
    with session_scope(url) as session:
        run_store.update_run(run_id, session=session, **values)


__all__ = ["Heartbeat", "backfill_progress", "execute_pipeline", "finish", "ms_since", "record_failure",
           "record_internal_error", "record_stages", "write_outputs"]
