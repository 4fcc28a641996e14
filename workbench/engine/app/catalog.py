"""Read-side use cases over the store for the API and the UI: the dataset catalogue (each dataset with its
last run), a dataset's detail, a filtered page of runs with its total, a store change marker for response
caches, a run's layer export (CSV, Parquet, xlsx) and the health of the product's dependencies.

Reads are single queries (no N+1): the dataset list finds each dataset's last run through the
(dataset_id, created_at) index in the same statement that reads the page.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import itertools
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel

from workbench.engine.app import auth, services
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.app import export_cache, qa
from workbench.engine.core.export import FORMULA_START, table_frame, write_frame
from workbench.engine.core.preview import ENGINE_VERSION
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.store import runs as run_store
from workbench.engine.store.db import DatabaseUnavailableError, get_engine, read_scope, where
from workbench.engine.store.models import Dataset, Run, RunPublic, SpecVersion

log = logging.getLogger(__name__)

#: Largest page a caller may ask for (datasets and runs).
MAX_PAGE = 500
#: Runs shown in a dataset's detail.
RECENT_RUNS = 10
EXPORT_FORMATS = ("csv", "parquet", "xlsx")
EXPORT_MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class LastRun(BaseModel):
    id: int
    status: str
    qa_status: str
    created_at: datetime
    finished_at: datetime | None
    row_counts: dict[str, int] | None


class DatasetSummary(BaseModel):
    slug: str
    title: str
    description: str
    spec_version: int
    spec_hash: str
    updated_at: datetime
    last_run: LastRun | None


class DatasetPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[DatasetSummary]


class LayerSteps(BaseModel):
    name: str
    steps: list[dict[str, Any]]


class DatasetDetail(BaseModel):
    slug: str
    title: str
    description: str
    owner: str
    active: bool
    spec_version: int
    spec_hash: str
    spec_yaml: str
    parameters: dict[str, dict[str, Any]]
    layers: list[LayerSteps]
    expectations: dict[str, list[dict[str, Any]]]
    recent_runs: list[RunPublic]


class RunPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[RunPublic]


class ExportFormatError(WorkbenchError):
    code = "export-format"
    title = "Unknown export format"
    template = "unknown export format {format!r}; use one of {formats}"
    template_es = "formato de exportación desconocido {format!r}; use uno de {formats}"


# --- datasets ------------------------------------------------------------------------------------------

DatasetSort = Literal["slug", "-slug", "title", "-title", "updated_at", "-updated_at", "last_run", "-last_run"]


def _last_run_id() -> Any:
    return (sa.select(Run.id).where(Run.dataset_id == Dataset.id)
            .order_by(Run.created_at.desc(), Run.id.desc()).limit(1)  # type: ignore[attr-defined]
            .correlate(Dataset).scalar_subquery())


def _dataset_filter(q: str | None, active_only: bool) -> list[Any]:
    where_: list[Any] = [Dataset.active.is_(True)] if active_only else []  # type: ignore[attr-defined]
    if q:
        pattern = f"%{q.lower()}%"
        where_.append(sa.or_(sa.func.lower(Dataset.slug).like(pattern), sa.func.lower(Dataset.title).like(pattern),
                             sa.func.lower(Dataset.description).like(pattern)))
    return where_


@auth.requires("read")
def list_datasets(settings: Settings | None = None, *, q: str | None = None, sort: DatasetSort = "slug",
                  limit: int = 50, offset: int = 0, active_only: bool = True) -> DatasetPage:
    """A page of the catalogue, each dataset with its last run: one query for the page, one for the total."""
    url = services.prepare_store(settings)
    limit, offset = max(1, min(limit, MAX_PAGE)), max(0, offset)
    filters = _dataset_filter(q, active_only)
    inner = (sa.select(Dataset.slug, Dataset.title, Dataset.description, Dataset.version, Dataset.spec_hash,
                       Dataset.updated_at, _last_run_id().label("last_run_id"))
             .where(*filters).subquery("d"))
    descending, key = sort.startswith("-"), sort.lstrip("-")
    column = Run.created_at if key == "last_run" else inner.c[key]
    order = [column.desc().nulls_last() if descending else column.asc().nulls_last(), inner.c.slug]
    page = (sa.select(inner, Run.status, Run.qa_status, Run.created_at.label("run_created_at"),  # type: ignore[attr-defined]
                      Run.finished_at, Run.row_counts)
            .outerjoin(Run, Run.id == inner.c.last_run_id).order_by(*order).limit(limit).offset(offset))
    with read_scope(url) as session:
        total = session.execute(sa.select(sa.func.count()).select_from(Dataset).where(*filters)).scalar_one()
        rows = session.execute(page).mappings().all()
    items = [DatasetSummary(
        slug=r["slug"], title=r["title"], description=r["description"], spec_version=r["version"],
        spec_hash=r["spec_hash"], updated_at=r["updated_at"],
        last_run=None if r["last_run_id"] is None else LastRun(
            id=r["last_run_id"], status=r["status"], qa_status=r["qa_status"], created_at=r["run_created_at"],
            finished_at=r["finished_at"], row_counts=r["row_counts"]),
    ) for r in rows]
    return DatasetPage(total=total, limit=limit, offset=offset, items=items)


@auth.requires("read")
def dataset_detail(slug: str, settings: Settings | None = None, *, recent: int = RECENT_RUNS) -> DatasetDetail:
    """A dataset as stored: its current spec (YAML text and parsed parts) and its latest runs."""
    url = services.prepare_store(settings)
    with read_scope(url) as session:
        row = session.execute(
            sa.select(Dataset, SpecVersion.yaml_text)
            .join(SpecVersion, sa.and_(SpecVersion.dataset_id == Dataset.id, SpecVersion.version == Dataset.version))
            .where(Dataset.slug == slug)).first()
        if row is None:
            raise services.DatasetNotFoundError(slug=slug)
        dataset, yaml_text = row
        recent_runs = run_store.list_runs(session=session, dataset=slug, limit=recent)
    spec = dataset.spec or {}
    layers = [LayerSteps(name=name, steps=list(spec.get("layers", {}).get(name) or [])) for name in dataset.layers or []]
    return DatasetDetail(slug=dataset.slug, title=dataset.title, description=dataset.description, owner=dataset.owner,
                         active=dataset.active, spec_version=dataset.version, spec_hash=dataset.spec_hash,
                         spec_yaml=yaml_text, parameters=spec.get("parameters") or {}, layers=layers,
                         expectations=spec.get("expectations") or {}, recent_runs=recent_runs)


# --- runs ----------------------------------------------------------------------------------------------


@auth.requires("read")
def list_runs(settings: Settings | None = None, *, dataset: str | None = None, status: str | None = None,
              qa_status: str | None = None, since: datetime | None = None, until: datetime | None = None,
              limit: int = 50, offset: int = 0) -> RunPage:
    """Runs newest first (timelines left out), with the total that matches the filters."""
    url = services.prepare_store(settings)
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


# --- a marker that changes whenever the store changes ------------------------------------------------

_marker_lock = threading.Lock()
_marker_conns: dict[tuple[int, str], tuple[Any, int]] = {}  # (pid, url) -> (connection, its generation)
_marker_generation = itertools.count(1)


def store_version(settings: Settings | None = None) -> str:
    """An opaque marker that changes whenever any transaction commits a change to the store, so a cache
    keyed by it is never stale. Read it *before* the data it keys. SQLite: ``PRAGMA data_version`` on a
    connection of its own (it changes when any other connection, in any process, commits). PostgreSQL: the
    store's change counter, bumped by statement triggers inside every writing transaction (so it changes
    exactly when a change commits, and not for other databases on the same server)."""
    url = services.prepare_store(settings)
    if url.startswith("sqlite"):
        return _sqlite_marker(url)
    with read_scope(url) as session:  # the change counter (migration 0004): moves only when this store commits
        return "pg:" + str(session.execute(sa.text("SELECT n FROM data_workbench_changes WHERE id = 1")).scalar_one())


def _sqlite_marker(url: str) -> str:
    key = (os.getpid(), url)
    with _marker_lock:
        try:
            if key not in _marker_conns:
                _marker_conns[key] = (get_engine(url, autocommit=True).raw_connection(), next(_marker_generation))
            conn, generation = _marker_conns[key]
            cursor = conn.cursor()
            value = cursor.execute("PRAGMA data_version").fetchone()[0]
            cursor.close()
        except (sa.exc.DBAPIError, sqlite3.Error) as exc:  # the file went away or cannot be opened
            _marker_conns.pop(key, None)
            raise DatabaseUnavailableError(where=where(url), reason=str(getattr(exc, "orig", exc))) from None
    return f"sqlite:{generation}:{value}"


# --- export --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    path: Path
    filename: str
    media_type: str
    #: The export cache key (run, output sha256, layer, format, provenance, engine version): the answer's ETag.
    key: str


@auth.requires("read")
def export_run(run_id: int, layer: str, fmt: str, settings: Settings | None = None, *,
               provenance: bool = False) -> ExportFile:
    """One layer of a succeeded run as a file in the export cache (``export_cache``): built on the first ask,
    then the same file, never deleted by a request, so every answer for it carries the same bytes.
    A run whose QA failed is never exported: publication is blocked (``qa-failed``)."""
    settings = settings or get_settings()
    if fmt not in EXPORT_FORMATS:
        raise ExportFormatError(format=fmt, formats=", ".join(EXPORT_FORMATS))
    run = services.get_run(run_id, settings)
    filename = f"{run.dataset_slug}-run{run_id}-{layer}.{fmt}"
    meta = ((run.outputs or {}).get("layers") or {}).get(layer) or {}
    path, key = _cache_entry(run_id, meta.get("sha256"), layer, fmt, provenance, settings)
    if path is not None and run.status == "succeeded" and path.is_file():
        qa.ensure_publishable(run)  # what run_table(publish=True) checks, without reading the table again
    else:  # run_table refuses a missing, failed, modified or unpublishable output with its typed error
        table = services.run_table(run_id, layer, settings, publish=True)
        if path is None:  # a run recorded before outputs carried their sha256: key on the stored file's bytes
            digest = hashlib.sha256((settings.outputs_dir / meta["path"]).read_bytes()).hexdigest()
            path, key = _cache_entry(run_id, digest, layer, fmt, provenance, settings)
        assert path is not None
        df = table_frame(table, provenance=provenance)
        export_cache.cached(path, (lambda p: write_xlsx(df, p, sheet=layer)) if fmt == "xlsx"
                            else (lambda p: write_frame(df, p)))
    return ExportFile(path=path, filename=filename, media_type=EXPORT_MEDIA_TYPES[fmt], key=key)


def _cache_entry(run_id: int, sha: str | None, layer: str, fmt: str, provenance: bool,
                 settings: Settings) -> tuple[Path | None, str]:
    if not sha:
        return None, ""
    key = export_cache.export_key(run_id=run_id, output_sha256=sha, layer=layer, fmt=fmt, provenance=provenance,
                                  engine=ENGINE_VERSION)
    return export_cache.cache_path(settings.data_dir, key, fmt), key


def write_xlsx(df: Any, path: Path, *, sheet: str = "data") -> Path:
    """A workbook with one sheet (openpyxl write-only: rows stream to disk). Text cells that a spreadsheet
    would run as a formula are neutralised as in the CSV export; numbers and dates stay typed."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet(title=sheet[:31] or "data")
    ws.append([str(c) for c in df.columns])
    columns = [[_cell(v) for v in df[name].tolist()] for name in df.columns]
    for row in zip(*columns):
        ws.append(list(row))
    book.save(path)
    return path


def _cell(value: Any) -> Any:
    """A value openpyxl writes natively: missing -> empty, formula-like text quoted, numpy scalars -> Python,
    Decimals stay exact numbers, aware datetimes become naive UTC (Excel has no time zones)."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    if hasattr(value, "item") and not isinstance(value, Decimal):
        return value.item()
    return value


__all__ = [
    "DatasetDetail",
    "DatasetPage",
    "DatasetSummary",
    "EXPORT_FORMATS",
    "ExportFile",
    "ExportFormatError",
    "LastRun",
    "LayerSteps",
    "RunPage",
    "dataset_detail",
    "export_run",
    "list_datasets",
    "list_runs",
    "store_version",
    "write_xlsx",
]
