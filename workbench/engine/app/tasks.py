"""The RQ job functions (named by ``run_queue.RUN_JOB`` in Redis) and the worker process that runs them."""

from __future__ import annotations

import logging
import threading
from typing import Any

from rq import get_current_job

from workbench.engine.app import previews, runs
from workbench.engine.app.run_queue import UNAVAILABLE, mark, marker_path
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.statuses import QUEUES
from workbench.engine.core.validation.runner import warm_up  # light: GX itself is imported inside warm_up
from workbench.engine.infra.openlineage import Outbox
from workbench.engine.infra.queue import QUEUE_FAILURES, start_worker

log = logging.getLogger(__name__)


def run_job(run_id: int) -> dict[str, Any]:
    """Job: execute one recorded run; progress goes to the job's meta and to the event stream."""
    job = get_current_job()

    def progress(info: dict[str, Any]) -> None:
        """Best effort, like the events: a Redis restarting under a run must not fail the run."""
        if job is not None:
            job.meta["progress"] = info
            try:
                job.save_meta()
            except QUEUE_FAILURES as exc:
                log.warning("run %s: progress not saved (%s)", run_id, str(exc) or type(exc).__name__)

    # A marker says which process executes the run (``interrupted_runs``): written before, removed once the end
    # is recorded, marked "unrecorded" when the run could not be finished (so recovery ends it, with no wait).
    marker = marker_path(run_id, get_settings())
    ours = not marker.exists()  # an earlier attempt's marker is left for recovery until the run is resolved
    if ours:
        mark(marker, "executing")
    try:
        run = runs.execute_run(run_id, progress=progress)
    except WorkbenchError as exc:
        if ours:
            mark(marker, "unrecorded", error=exc.code)
        if exc.code not in UNAVAILABLE:  # a run that does not exist, a missing file: the job fails, with its trace
            raise
        # the store (or Redis) went away: a known condition, one line, no traceback
        log.warning("run %s: its end could not be recorded (%s: %s); recovery ends it when the service is back",
                    run_id, exc.code, exc.message)
        return {"run_id": run_id, "status": "unrecorded", "error": exc.code}
    except BaseException as exc:  # a bug (recorded as internal-error by the run if it got that far), a shutdown
        if ours:
            mark(marker, "unrecorded", error=type(exc).__name__)
        raise
    if ours or run.status != "running":
        marker.unlink(missing_ok=True)
    return {"run_id": run.id, "status": run.status, "qa_status": run.qa_status}


def preview_job(slug: str | None, raw_sha256: str, filename: str, params: dict[str, Any],
                sheet: int | str | None = None) -> dict[str, Any]:
    """Job: compute (or fetch from the cache) the preview of a stored RAW file; returns its cache key."""
    return previews.cached_preview_of_stored(slug, raw_sha256, filename=filename, params=params, sheet=sheet)


def work(queues: list[str] | None = None, *, burst: bool = False, settings: Settings | None = None,
         name: str | None = None, fork: bool = False, stamped: bool = True) -> bool:
    """Run a worker on ``queues`` (all by default) until stopped, or until empty with ``burst``.

    By default jobs run inside the worker process (RQ's SimpleWorker): our jobs are the engine's own code,
    and forking a work horse per job (copying a process that holds pandas and Arrow, then reconnecting to
    the database and Redis) doubled the cost of a typical run. ``fork=True`` isolates each job instead.
    Either way a killed worker is recovered the same way (``runs.recover_abandoned``). ``stamped=False``
    leaves the time out of RQ's log lines (``workbench serve`` stamps every line of its processes)."""
    settings = settings or get_settings()

    runs.recover_abandoned(settings)
    outbox = Outbox(settings)
    if outbox.transport not in ("file", "none") and outbox.pending():  # events an earlier process left unsent
        outbox.flush_soon()
    if not fork:  # jobs run in this process: import GX (~3 s) while waiting for the first one
        threading.Thread(target=warm_up, name="qa-warm-up", daemon=True).start()
    return start_worker(queues or list(QUEUES), burst=burst, settings=settings, name=name, fork=fork,
                        stamped=stamped)


__all__ = ["preview_job", "run_job", "work"]
