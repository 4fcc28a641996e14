"""Reading runs (the one read side of runs; ``runs`` records and executes them): a run, a page of runs with its
total, the run page's view (RAW file facts, the diff of its spec version against the current one), its layer
tables (verified against their hashes), its QA failures, its Data Docs page and the RAW file it read (its
events are ``events``). Every use case checks the ``read`` permission."""

from __future__ import annotations

import difflib
import hashlib
import io
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import select

from workbench.engine.app import qa
from workbench.engine.app.access import requires
from workbench.engine.app.datasets import MAX_PAGE
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.table import Table
from workbench.engine.store import runs as run_store
from workbench.engine.store.db import read_scope
from workbench.engine.store.files import RawFileStore
from workbench.engine.store.objects import ObjectMissingError, output_objects
from workbench.engine.store.models import Dataset, RawFile, RawFilePublic, Run, RunPublic, SpecVersion
from workbench.engine.store.prepare import prepare_store

log = logging.getLogger(__name__)

#: Lines of context around each change in a spec diff.
DIFF_CONTEXT = 3


class RunNotFoundError(WorkbenchError):
    code = "run-not-found"
    kind = "not-found"
    title = "Run not found"
    template = "there is no run {run_id}"
    template_es = "no existe la ejecución {run_id}"


class RunOutputMissingError(WorkbenchError):
    code = "run-output-missing"
    kind = "conflict"
    title = "Run output not available"
    template = "{message}"
    template_es = "{message_es}"


class RunPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[RunPublic]


class SpecDiff(BaseModel):
    run_version: int
    current_version: int
    changed: bool
    diff: str  # unified diff, "" when the run used the current version


class RunView(BaseModel):
    run: RunPublic
    file: RawFilePublic | None
    spec: SpecDiff


# --- runs ---------------------------------------------------------------------------------------------


@requires("read")
def get_run(run_id: int, settings: Settings | None = None) -> RunPublic:
    url = prepare_store(settings)
    with read_scope(url) as session:
        run = run_store.get_run(run_id, session=session)
    if run is None:
        raise RunNotFoundError(run_id=run_id)
    return run


@requires("read")
def list_runs(settings: Settings | None = None, *, dataset: str | None = None, status: str | None = None,
              qa_status: str | None = None, since: datetime | None = None, until: datetime | None = None,
              limit: int = 50, offset: int = 0) -> RunPage:
    """Runs newest first (timelines left out), at most MAX_PAGE, with the total that matches the filters."""
    url = prepare_store(settings)
    limit, offset = max(1, min(limit, MAX_PAGE)), max(0, offset)
    count = sa.select(sa.func.count()).select_from(Run)
    if dataset:
        count = count.join(Dataset, Dataset.id == Run.dataset_id).where(Dataset.slug == dataset)
    for column, value in ((Run.status, status), (Run.qa_status, qa_status)):
        if value:
            count = count.where(column == value)
    if since:
        count = count.where(Run.created_at >= since)
    if until:
        count = count.where(Run.created_at < until)
    with read_scope(url) as session:
        total = session.execute(count).scalar_one()
        items = run_store.list_runs(session=session, dataset=dataset, status=status, qa_status=qa_status,
                                    since=since, until=until, limit=limit, offset=offset)
    return RunPage(total=total, limit=limit, offset=offset, items=items)


@requires("read")
def run_view(run_id: int, settings: Settings | None = None) -> RunView:
    """The run (with its timeline), its first RAW file's facts and its spec version against the current one."""
    url = prepare_store(settings)
    with read_scope(url) as session:
        run = run_store.get_run(run_id, session=session)
        if run is None:
            raise RunNotFoundError(run_id=run_id)
        sha = (run.inputs or [{}])[0].get("sha256")
        file = session.exec(select(RawFile).where(RawFile.sha256 == sha)).first() if sha else None
        ran = session.get(SpecVersion, run.spec_version_id)
        current = session.exec(
            select(SpecVersion).join(Dataset, sa.and_(Dataset.id == SpecVersion.dataset_id,  # type: ignore[arg-type]
                                                      Dataset.version == SpecVersion.version))
            .where(Dataset.id == run.dataset_id)).first()
        old_text, old_version = (ran.yaml_text, ran.version) if ran else ("", run.spec_version)
        new_text, new_version = (current.yaml_text, current.version) if current else (old_text, old_version)
    return RunView(run=run, file=RawFilePublic.model_validate(file) if file else None,
                   spec=spec_diff(old_text, new_text, old_version, new_version))


def spec_diff(old: str, new: str, old_version: int, new_version: int) -> SpecDiff:
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=f"spec v{old_version} (esta ejecución)",
                                 tofile=f"spec v{new_version} (actual)", n=DIFF_CONTEXT)
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return SpecDiff(run_version=old_version, current_version=new_version, changed=bool(text), diff=text)


# --- what a run produced ------------------------------------------------------------------------------


@requires("read")
def run_table(run_id: int, layer: str, settings: Settings | None = None, *, publish: bool = False) -> Table:
    """A stored run's layer as a Table (from its Parquet output). ``publish=True`` (exports) refuses a run
    whose QA failed: its tables must not leave the workbench."""
    settings = settings or get_settings()
    run = get_run(run_id, settings)
    layers = (run.outputs or {}).get("layers", {})
    if run.status != "succeeded" or not layers:
        raise RunOutputMissingError(f"run {run_id} is {run.status}: it has no tables to export",
                                    message_es=f"la ejecución {run_id} está en estado {run.status}: no tiene tablas")
    if layer not in layers:
        raise RunOutputMissingError(f"run {run_id} has no layer {layer!r}; it has {', '.join(layers)}",
                                    message_es=f"la ejecución {run_id} no tiene la capa {layer!r}")
    if publish:
        qa.ensure_publishable(run)
    meta = layers[layer]
    objects = output_objects(settings)
    try:
        data = objects.get_bytes(meta["path"])
    except ObjectMissingError:  # the messages reach clients: where the store is goes to the log only
        log.warning("run %s: stored output %s is missing from %s", run_id, meta["path"], objects.location)
        raise RunOutputMissingError(f"the stored output of run {run_id} is missing; re-run it with --force",
                                    message_es=f"falta el resultado guardado de la ejecución {run_id}; vuelva a ejecutarla") from None
    if meta.get("sha256") and hashlib.sha256(data).hexdigest() != meta["sha256"]:
        log.error("run %s: stored output %s in %s does not match its sha256", run_id, meta["path"], objects.location)
        raise RunOutputMissingError(f"the stored output of run {run_id} was modified (hash mismatch)",
                                    message_es=f"el resultado guardado de la ejecución {run_id} fue modificado")
    return Table(df=pd.read_parquet(io.BytesIO(data)), origins=meta.get("origins") or {}, sheet=meta.get("sheet"))


@requires("read")
def run_failures(run_id: int, *, expectation_id: str | None = None, offset: int = 0, limit: int = 100,
                 settings: Settings | None = None) -> dict[str, Any]:
    """A page of a run's failing rows (every failing row is kept, with its RAW provenance)."""
    settings = settings or get_settings()
    return qa.read_failures(get_run(run_id, settings), settings, expectation_id=expectation_id, offset=offset,
                            limit=limit)


@requires("read")
def build_run_docs(run_id: int, settings: Settings | None = None) -> Path:
    """(Re)build a run's Data Docs page; returns its path."""
    settings = settings or get_settings()
    return qa.build_docs(get_run(run_id, settings), settings)


@requires("read")
def run_docs_path(run_id: int, settings: Settings | None = None) -> Path:
    """The run's Data Docs page, built now if it is missing."""
    settings = settings or get_settings()
    page = settings.site_dir / "runs" / str(run_id) / "index.html"
    return page if page.exists() else build_run_docs(run_id, settings)


@requires("read")
def raw_bytes(run_id: int, settings: Settings | None = None) -> bytes:
    """The RAW file a run read, verified against its hash (for download and reproduction)."""
    settings = settings or get_settings()
    run = get_run(run_id, settings)
    return RawFileStore(settings).get(run.inputs[0]["sha256"])


__all__ = ["RunNotFoundError", "RunOutputMissingError", "RunPage", "RunView", "SpecDiff", "build_run_docs",
           "get_run", "list_runs", "raw_bytes", "run_docs_path", "run_failures", "run_table", "run_view",
           "spec_diff"]
