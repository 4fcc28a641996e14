"""Use cases the CLI, web states, API routes and jobs all call: sync specs, run a file, export a run.

A run never ends stuck as ``running``: user errors (bad file, spec, parameters) end it as ``failed`` with the
canonical error JSON; a bug also ends it ``failed`` (code ``internal-error``) and then propagates to the
caller's logged handler. The RAW file is stored before anything can fail, so the user can fix and retry.
"""

from __future__ import annotations

import getpass
import logging
import time
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.engine.errors import ParameterError, WorkbenchError
from workbench.engine.params import resolve_params
from workbench.engine.preview import ENGINE_VERSION, preview_file
from workbench.engine.settings import Settings, get_settings
from workbench.engine.spec.loader import find_spec, parse_spec
from workbench.engine.store import datasets, lineage, runs
from workbench.engine.store.db import read_scope, session_scope
from workbench.engine.store.files import RawFileStore
from workbench.engine.store.migrate import ensure_current, upgrade
from workbench.engine.store.models import RunPublic
from workbench.engine.table import Table

log = logging.getLogger(__name__)


class RunNotFoundError(WorkbenchError):
    code = "run-not-found"
    title = "Run not found"
    template = "there is no run {run_id}"
    template_es = "no existe la ejecución {run_id}"


class RunOutputMissingError(WorkbenchError):
    code = "run-output-missing"
    title = "Run output not available"
    template = "{message}"
    template_es = "{message_es}"


_prepared: set[str] = set()


def prepare_store(settings: Settings | None = None) -> str:
    """The database URL, with its schema current (checked once per process). The embedded SQLite default
    is migrated automatically; a configured server must be migrated by its operator (``workbench db upgrade``)."""
    settings = settings or get_settings()
    url = settings.db_url
    if url not in _prepared:
        if settings.database_url is None:
            upgrade(url)
        else:
            ensure_current(url)
        with session_scope(url) as session:  # runs whose process died (SIGKILL, power cut) end as failed
            stale = runs.fail_stale_runs(session=session)
        if stale:
            log.warning("marked %d abandoned runs as failed: %s", len(stale), stale)
        _prepared.add(url)
    return url


def current_user(settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    if settings.user:
        return settings.user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def sync_specs(settings: Settings | None = None) -> datasets.SyncReport:
    settings = settings or get_settings()
    url = prepare_store(settings)
    with session_scope(url) as session:
        return datasets.sync_specs_dir(settings.specs_dir, session=session)


def _write_outputs(run_id: int, tables: dict[str, Table], root: Path) -> dict[str, Any]:
    """Each layer's full table (with provenance) as Parquet under ``<runs_dir>/<run_id>/``."""
    folder = root / str(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {}
    for layer, table in tables.items():
        path = folder / f"{layer}.parquet"
        table.df.to_parquet(path, index=False)
        out[layer] = {"path": f"{run_id}/{layer}.parquet", "rows": len(table.df), "columns": table.data_columns,
                      "origins": table.origins, "sheet": table.sheet}
    return out


def run_file(slug: str, data: bytes, *, filename: str, params: dict[str, Any] | None = None, force: bool = False,
             triggered_by: str | None = None, backfill_id: int | None = None,
             settings: Settings | None = None) -> RunPublic:
    """Store the RAW file, record a run of ``slug``'s current spec on it, execute it and store its results.
    An identical earlier succeeded run (same spec content, bytes and parameters) is returned instead
    (``reused=True``) unless ``force``."""
    settings = settings or get_settings()
    url = prepare_store(settings)
    spec_path = find_spec(slug, settings.specs_dir)
    yaml_text = spec_path.read_text(encoding="utf-8")
    spec = parse_spec(yaml_text, str(spec_path))
    user = triggered_by or current_user(settings)
    sha, key, _ = RawFileStore(settings.raw_dir).put(data)
    given = dict(params or {})
    with session_scope(url) as session:
        dataset, version, _ = datasets.sync_spec(spec, yaml_text, session=session, path=str(spec_path))
        file = runs.record_file(session=session, sha256=sha, size=len(data), storage_key=key,
                                original_name=filename, uploaded_by=user)
        inputs = [{"file_id": file.id, "sha256": sha, "name": filename, "bytes": len(data)}]
        try:
            resolved = resolve_params(spec, given, filename)
        except ParameterError as exc:
            run_id = runs.create_run(session=session, dataset_id=dataset.id, spec_version_id=version.id,
                                     file_id=file.id, inputs=inputs, key=runs.inputs_key(spec.content_hash(), sha, given),
                                     params=given, triggered_by=user, status="failed", backfill_id=backfill_id,
                                     engine_version=ENGINE_VERSION)
            runs.update_run(run_id, session=session, status="failed", error=exc.to_dict())
            return runs.get_run(run_id, session=session)  # type: ignore[return-value]
        key_ = runs.inputs_key(spec.content_hash(), sha, resolved)
        if not force and (previous := runs.find_identical(key_, session=session)):
            found = runs.get_run(previous, session=session)
            return found.model_copy(update={"reused": True})  # type: ignore[union-attr]
        run_id = runs.create_run(session=session, dataset_id=dataset.id, spec_version_id=version.id, file_id=file.id,
                                 inputs=inputs, key=key_, params=resolved, triggered_by=user, status="running",
                                 backfill_id=backfill_id, engine_version=ENGINE_VERSION)
    return _execute(run_id, spec, data, filename, resolved, dataset.id, dataset.slug, sha, version.version, url, settings)


def _execute(run_id: int, spec: Any, data: bytes, filename: str, params: dict[str, Any], dataset_id: int, slug: str,
             sha: str, spec_version: int, url: str, settings: Settings) -> RunPublic:
    started = time.perf_counter()
    try:
        result = preview_file(data, spec, filename=filename, params=params, sample_rows=5)
        outputs = _write_outputs(run_id, result.tables, settings.outputs_dir)
    except WorkbenchError as exc:
        _finish(url, run_id, status="failed", error=exc.to_dict())
    except BaseException as exc:
        log.exception("run %s failed with an internal error", run_id)
        _finish(url, run_id, status="failed", error={
            "code": "internal-error", "title": "Internal error", "message": f"{type(exc).__name__}: {exc}",
            "message_es": "error interno; el equipo fue notificado en el registro", "details": {}})
        raise
    else:
        timings = dict(result.timings_ms, run_total=round((time.perf_counter() - started) * 1000, 1))
        with session_scope(url) as session:
            runs.set_file_facts(sha, result.source, session=session)
            runs.update_run(run_id, session=session, status="succeeded", timings_ms=timings,
                            row_counts={name: t["row_count"] for name, t in result.layers.items()},
                            timeline=result.timeline, control_totals=result.control_totals,
                            warnings=result.warnings, outputs=outputs)
            lineage.record_run_lineage(session=session, run_id=run_id, dataset_id=dataset_id, slug=slug,
                                       file_sha256=sha, file_name=filename, layers=list(result.tables),
                                       spec_version=spec_version)
    with session_scope(url) as session:
        return runs.get_run(run_id, session=session)  # type: ignore[return-value]


def _finish(url: str, run_id: int, **values: Any) -> None:
    with session_scope(url) as session:
        runs.update_run(run_id, session=session, **values)


def get_run(run_id: int, settings: Settings | None = None) -> RunPublic:
    url = prepare_store(settings)
    with read_scope(url) as session:
        run = runs.get_run(run_id, session=session)
    if run is None:
        raise RunNotFoundError(run_id=run_id)
    return run


def list_runs(settings: Settings | None = None, **filters: Any) -> list[RunPublic]:
    url = prepare_store(settings)
    with read_scope(url) as session:
        return runs.list_runs(session=session, **filters)


def run_table(run_id: int, layer: str, settings: Settings | None = None) -> Table:
    """A stored run's layer as a Table (from its Parquet output)."""
    settings = settings or get_settings()
    run = get_run(run_id, settings)
    if run.status != "succeeded" or not run.outputs:
        raise RunOutputMissingError(f"run {run_id} is {run.status}: it has no tables to export",
                                    message_es=f"la ejecución {run_id} está en estado {run.status}: no tiene tablas")
    if layer not in run.outputs:
        raise RunOutputMissingError(f"run {run_id} has no layer {layer!r}; it has {', '.join(run.outputs)}",
                                    message_es=f"la ejecución {run_id} no tiene la capa {layer!r}")
    meta = run.outputs[layer]
    path = settings.outputs_dir / meta["path"]
    if not path.exists():
        raise RunOutputMissingError(f"the stored output of run {run_id} is missing ({path}); re-run it with --force",
                                    message_es=f"falta el resultado guardado de la ejecución {run_id}; vuelva a ejecutarla")
    return Table(df=pd.read_parquet(path), origins=meta.get("origins") or {}, sheet=meta.get("sheet"))


def raw_bytes(run_id: int, settings: Settings | None = None) -> bytes:
    """The RAW file a run read, verified against its hash (for download and reproduction)."""
    settings = settings or get_settings()
    run = get_run(run_id, settings)
    return RawFileStore(settings.raw_dir).get(run.inputs[0]["sha256"])


class DatasetNotFoundError(WorkbenchError):
    code = "dataset-not-found"
    title = "Dataset not found"
    template = "there is no dataset {slug!r} in the store (run `workbench specs sync`?)"
    template_es = "no existe el conjunto de datos {slug!r} en el almacén"


def lineage_graph(slug: str | None = None, *, fmt: str = "json", settings: Settings | None = None) -> dict[str, Any]:
    """The lineage graph of ``slug`` (or of every dataset): nodes/edges JSON, or JSON-LD with W3C PROV."""
    url = prepare_store(settings)
    with read_scope(url) as session:
        if slug is not None and datasets.get_dataset(slug, session=session) is None:
            raise DatasetNotFoundError(slug=slug)
        graph = lineage.graph(session=session, slug=slug)
    return lineage.to_jsonld(graph) if fmt == "jsonld" else graph
