"""Read-side views for the run and backfill pages: a run with its RAW file's facts and the diff between the spec
version it ran and the dataset's current one; backfills newest first with their runs; where a backfill may read.

Reads only (single queries per view); the use cases that change things stay in services.py and backfill.py.
"""

from __future__ import annotations

import difflib
import glob
from pathlib import Path

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import select

from workbench.engine.app import auth, services
from workbench.engine.app.backfill import EXAMPLES_DIR, BackfillPathError
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.store import backfills as backfill_store
from workbench.engine.store import runs as run_store
from workbench.engine.store.db import read_scope
from workbench.engine.store.models import (
    Backfill,
    BackfillPublic,
    Dataset,
    RawFile,
    RawFilePublic,
    Run,
    RunPublic,
    SpecVersion,
)

#: The repository's bundled example files (a backfill may read them besides the data directory).
#: Lines of context around each change in a spec diff.
DIFF_CONTEXT = 3
MAX_BACKFILL_RUNS = 1000


class SpecDiff(BaseModel):
    run_version: int
    current_version: int
    changed: bool
    diff: str  # unified diff, "" when the run used the current version


class RunView(BaseModel):
    run: RunPublic
    file: RawFilePublic | None
    spec: SpecDiff


class BackfillPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[BackfillPublic]


@auth.requires("read")
def run_view(run_id: int, settings: Settings | None = None) -> RunView:
    """The run (with its timeline), its first RAW file's facts and its spec version against the current one."""
    url = services.prepare_store(settings)
    with read_scope(url) as session:
        run = run_store.get_run(run_id, session=session)
        if run is None:
            raise services.RunNotFoundError(run_id=run_id)
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


@auth.requires("read")
def list_backfills(settings: Settings | None = None, *, dataset: str | None = None, limit: int = 50,
                   offset: int = 0) -> BackfillPage:
    """Backfills newest first, each with its progress counted from its runs."""
    url = services.prepare_store(settings)
    query = select(Backfill.id).join(Dataset, Dataset.id == Backfill.dataset_id)  # type: ignore[arg-type]
    if dataset:
        query = query.where(Dataset.slug == dataset)
    with read_scope(url) as session:
        total = session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
        ids = session.exec(query.order_by(Backfill.id.desc()).limit(limit).offset(offset)).all()  # type: ignore[union-attr]
        items = [b for b in (backfill_store.get_backfill(i, session=session) for i in ids) if b is not None]
    return BackfillPage(total=total, limit=limit, offset=offset, items=items)


@auth.requires("read")
def backfill_runs(backfill_id: int, settings: Settings | None = None, *,
                  limit: int = MAX_BACKFILL_RUNS) -> list[RunPublic]:
    """The backfill's runs, newest first, plus the identical earlier runs it skipped (timelines left out)."""
    url = services.prepare_store(settings)
    with read_scope(url) as session:
        found = backfill_store.get_backfill(backfill_id, session=session)
        skipped = set(found.skipped or []) if found else set()
        rows = session.exec(
            select(Run, Dataset.slug, SpecVersion.version)
            .join(Dataset, Dataset.id == Run.dataset_id)  # type: ignore[arg-type]
            .join(SpecVersion, SpecVersion.id == Run.spec_version_id)  # type: ignore[arg-type]
            .where(sa.or_(Run.backfill_id == backfill_id, Run.id.in_(skipped or {0})))  # type: ignore[union-attr]
            .order_by(Run.id.desc()).limit(limit)).all()  # type: ignore[union-attr]
    return [run_store._public(run, slug, version, timeline=False) for run, slug, version in rows]


def backfill_roots(settings: Settings | None = None) -> list[Path]:
    """Where a backfill started from the web or the API may read files (``backfill.allowed_roots``)."""
    from workbench.engine.app.backfill import allowed_roots

    return allowed_roots(settings or get_settings())


@auth.requires("backfill")
def backfill_files(pattern: str, settings: Settings | None = None) -> list[Path]:
    """The files a directory or glob names, refused unless every one lies under ``backfill_roots`` (a web
    form must not turn any file on the server into a downloadable RAW file). Relative patterns are taken from
    the product's folder (``examples/*.csv``)."""
    from workbench.engine.app.backfill import ensure_allowed, ensure_pattern_allowed, expand_files

    settings = settings or get_settings()
    pattern = pattern.strip()
    if not pattern:
        raise BackfillPathError("give a directory or a glob pattern", message_es="indique un directorio o un patrón")
    base = EXAMPLES_DIR.parent
    full = pattern if Path(pattern).is_absolute() else str(base / pattern)
    ensure_pattern_allowed(full, settings)  # before anything outside the allowed folders is even listed
    if not Path(full).exists() and not glob.has_magic(full):
        raise BackfillPathError(f"{pattern} does not exist", message_es=f"no existe la ruta {pattern}")
    files = expand_files(full, settings)
    ensure_allowed(files, settings)
    return files


__all__ = ["BackfillPage", "BackfillPathError", "RunView", "SpecDiff", "backfill_files", "backfill_roots",
           "backfill_runs", "list_backfills", "run_view", "spec_diff"]
