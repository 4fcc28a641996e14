"""Reading stored runs: the record, its layer tables (verified against their hashes), its QA failures, its Data
Docs page, the RAW file it read, and the lineage graph. Every function checks the ``read`` permission."""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.engine.app import auth, qa
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.store import datasets, lineage, runs
from workbench.engine.store.db import read_scope
from workbench.engine.store.files import RawFileStore
from workbench.engine.store.models import RunPublic
from workbench.engine.store.prepare import prepare_store
from workbench.engine.core.table import Table

log = logging.getLogger(__name__)


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


@auth.requires("read")
def get_run(run_id: int, settings: Settings | None = None) -> RunPublic:
    url = prepare_store(settings)
    with read_scope(url) as session:
        run = runs.get_run(run_id, session=session)
    if run is None:
        raise RunNotFoundError(run_id=run_id)
    return run


@auth.requires("read")
def list_runs(settings: Settings | None = None, **filters: Any) -> list[RunPublic]:
    url = prepare_store(settings)
    with read_scope(url) as session:
        return runs.list_runs(session=session, **filters)


@auth.requires("read")
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
    path = settings.outputs_dir / meta["path"]
    if not path.exists():  # the messages reach clients: the server path goes to the log only
        log.warning("run %s: stored output %s is missing", run_id, path)
        raise RunOutputMissingError(f"the stored output of run {run_id} is missing; re-run it with --force",
                                    message_es=f"falta el resultado guardado de la ejecución {run_id}; vuelva a ejecutarla")
    data = path.read_bytes()
    if meta.get("sha256") and hashlib.sha256(data).hexdigest() != meta["sha256"]:
        log.error("run %s: stored output %s does not match its sha256", run_id, path)
        raise RunOutputMissingError(f"the stored output of run {run_id} was modified (hash mismatch)",
                                    message_es=f"el resultado guardado de la ejecución {run_id} fue modificado")
    return Table(df=pd.read_parquet(io.BytesIO(data)), origins=meta.get("origins") or {}, sheet=meta.get("sheet"))


@auth.requires("read")
def run_failures(run_id: int, *, expectation_id: str | None = None, offset: int = 0, limit: int = 100,
                 settings: Settings | None = None) -> dict[str, Any]:
    """A page of a run's failing rows (every failing row is kept, with its RAW provenance)."""
    settings = settings or get_settings()
    return qa.read_failures(get_run(run_id, settings), settings, expectation_id=expectation_id, offset=offset,
                            limit=limit)


@auth.requires("read")
def build_run_docs(run_id: int, settings: Settings | None = None) -> Path:
    """(Re)build a run's Data Docs page; returns its path."""
    settings = settings or get_settings()
    return qa.build_docs(get_run(run_id, settings), settings)


@auth.requires("read")
def run_docs_path(run_id: int, settings: Settings | None = None) -> Path:
    """The run's Data Docs page, built now if it is missing."""
    settings = settings or get_settings()
    page = settings.site_dir / "runs" / str(run_id) / "index.html"
    return page if page.exists() else build_run_docs(run_id, settings)


@auth.requires("read")
def raw_bytes(run_id: int, settings: Settings | None = None) -> bytes:
    """The RAW file a run read, verified against its hash (for download and reproduction)."""
    settings = settings or get_settings()
    run = get_run(run_id, settings)
    return RawFileStore(settings.raw_dir).get(run.inputs[0]["sha256"])


class DatasetNotFoundError(WorkbenchError):
    code = "dataset-not-found"
    kind = "not-found"
    title = "Dataset not found"
    template = "there is no dataset {slug!r} in the store (run `workbench specs sync`?)"
    template_es = "no existe el conjunto de datos {slug!r} en el almacén"


@auth.requires("read")
def lineage_graph(slug: str | None = None, *, fmt: str = "json", settings: Settings | None = None) -> dict[str, Any]:
    """The lineage graph of ``slug`` (or of every dataset): nodes/edges JSON, or JSON-LD with W3C PROV."""
    url = prepare_store(settings)
    with read_scope(url) as session:
        if slug is not None and datasets.get_dataset(slug, session=session) is None:
            raise DatasetNotFoundError(slug=slug)
        graph = lineage.graph(session=session, slug=slug)
    return lineage.to_jsonld(graph) if fmt == "jsonld" else graph


__all__ = ["DatasetNotFoundError", "RunNotFoundError", "RunOutputMissingError", "build_run_docs", "get_run",
           "lineage_graph", "list_runs", "raw_bytes", "run_docs_path", "run_failures", "run_table"]
