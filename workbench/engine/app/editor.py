"""The rule editor's use cases: drafts of a spec, edited step by step, previewed on a sample, then published.

- A **draft** starts from a dataset's current version (``create_draft``), or from a file (``editor_sources``: a
  file never seen, a drifted file's patch). Every edit is saved at once (autosave) with the text before
  it, so the last ``HISTORY`` edits can be undone and redone. Edits name the revision they were made on; a stale
  one is refused rather than overwriting another tab's work.
- Each edit is applied whole or not at all: the text it makes must be a valid spec (``core.spec.yaml_doc``), and
  the lines it does not touch stay as they were (comments, key order, wrapped lists).
- ``preview_draft_step`` runs the draft over a sample of the chosen RAW file (an upload or a file the dataset's
  runs used) and describes one step (``core.editor_preview``): only steps from the edited one on are recomputed.
- Review and publication (the diff, ``publish_draft``) are ``editor_publish``. This module also holds what the
  three share: the draft view, the current version of a dataset, the open draft locked for a change.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from workbench.engine.app.access import acting_name, current, requires
from workbench.engine.app.datasets import DatasetNotFoundError, sync_specs_now
from workbench.engine.core import editor_preview
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.catalog import spec_sections, step_catalog
from workbench.engine.core.spec.loader import parse_spec
from workbench.engine.core.spec.yaml_doc import SECTIONS, EditError, apply_edit, step_dicts
from workbench.engine.store import drafts as draft_store
from workbench.engine.store.db import read_scope, session_scope
from workbench.engine.store.files import RawFileStore
from workbench.engine.store.models import Dataset, RawFile, Run, SpecVersion
from workbench.engine.store.prepare import prepare_store

#: Files offered as samples: the newest this many distinct files the dataset's runs read.
SAMPLE_FILES = 20


class DraftNotFoundError(WorkbenchError):
    code = "draft-not-found"
    kind = "not-found"
    title = "Draft not found"
    template = "there is no open draft {draft_id}"
    template_es = "no existe el borrador abierto {draft_id}"


class DraftConflictError(WorkbenchError):
    code = "draft-conflict"
    kind = "conflict"
    title = "The draft changed"
    template = "{message}"
    template_es = "{message_es}"


class DraftInvalidError(WorkbenchError):
    code = "draft-invalid"
    kind = "invalid"
    title = "The draft cannot be published"
    template = "{message}"
    template_es = "{message_es}"


class DraftStep(BaseModel):
    index: int
    type: str
    label: str
    disabled: bool
    step: dict[str, Any]


class DraftLayer(BaseModel):
    name: str
    steps: list[DraftStep]


class DraftView(BaseModel):
    id: int
    slug: str
    title: str
    is_new: bool
    status: str
    base_version: int | None
    current_version: int | None
    stale: bool
    revision: int
    can_undo: bool
    can_redo: bool
    undo_depth: int
    redo_depth: int
    yaml: str
    layers: list[DraftLayer]
    sections: dict[str, Any]
    sample: dict[str, Any] | None
    author: str
    published_version: int | None
    updated_at: datetime


class DraftSummary(BaseModel):
    id: int
    slug: str
    is_new: bool
    author: str
    revision: int
    updated_at: datetime


class PublishResult(BaseModel):
    slug: str
    version: int
    spec_hash: str
    path: str
    diff: str
    outcome: str


# --- views -------------------------------------------------------------------------------------------------

def draft_view(row: draft_store.DraftRow, current_version: int | None, current_hash: str | None) -> DraftView:
    spec = parse_spec(row.yaml_text)
    written = step_dicts(row.yaml_text)
    layers = [DraftLayer(name=layer, steps=[
        DraftStep(index=i, type=step.type, label=step.describe(), disabled=step.disabled,  # type: ignore[attr-defined]
                  step=jsonable(written[layer][i]))
        for i, step in enumerate(spec.layers[layer])]) for layer in spec.layer_names]  # type: ignore[index]
    data = spec.model_dump(mode="json", by_alias=True, exclude_defaults=False)
    sections = {name: data.get(name) for name in SECTIONS}
    stale = bool(not row.is_new and current_hash and row.base_hash and current_hash != row.base_hash)
    return DraftView(id=row.id, slug=row.dataset_slug, title=spec.dataset.title, is_new=row.is_new, status=row.status,
                     base_version=row.base_version, current_version=current_version, stale=stale,
                     revision=row.revision, can_undo=bool(row.undo), can_redo=bool(row.redo),
                     undo_depth=len(row.undo), redo_depth=len(row.redo), yaml=row.yaml_text, layers=layers,
                     sections=sections, sample=row.sample, author=row.author,
                     published_version=row.published_version, updated_at=row.updated_at)


def jsonable(value: Any) -> Any:
    """YAML data as JSON data (a date written in a spec becomes its ISO text)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def current_version_of(session: Any, slug: str) -> tuple[Dataset | None, str | None]:
    row = session.execute(
        sa.select(Dataset, SpecVersion.yaml_text)
        .join(SpecVersion, sa.and_(SpecVersion.dataset_id == Dataset.id, SpecVersion.version == Dataset.version))
        .where(Dataset.slug == slug)).first()
    return (row[0], row[1]) if row else (None, None)


def viewed(session: Any, row: draft_store.DraftRow) -> DraftView:
    dataset, _ = current_version_of(session, row.dataset_slug)
    return draft_view(row, dataset.version if dataset else None, dataset.spec_hash if dataset else None)


def author_name() -> str:
    return acting_name() or (current().username if current() else "system")  # type: ignore[union-attr]


def open_draft(session: Any, draft_id: int, *, lock: bool = True) -> Any:
    draft = draft_store.get(draft_id, session=session, for_update=lock)
    if draft is None or draft.status != "open":
        raise DraftNotFoundError(draft_id=draft_id)
    return draft


# --- catalogue -----------------------------------------------------------------------------------------------

@requires("read")
def editor_catalog() -> dict[str, Any]:
    """The step types and spec sections the editor offers, as forms (pure: no store)."""
    return {"steps": step_catalog(), "sections": spec_sections()}


# --- drafts --------------------------------------------------------------------------------------------------

@requires("read")
def list_drafts(slug: str | None = None, settings: Settings | None = None) -> list[DraftSummary]:
    url = prepare_store(settings)
    with read_scope(url) as session:
        rows = draft_store.list_open(session=session, slug=slug)
    return [DraftSummary(id=r.id, slug=r.dataset_slug, is_new=r.is_new, author=r.author, revision=r.revision,
                         updated_at=r.updated_at) for r in rows]


@requires("edit_specs")
def create_draft(slug: str, settings: Settings | None = None, *, fresh: bool = False) -> DraftView:
    """A draft of the dataset's current version; the caller's open draft of it when there is one (``fresh``:
    always a new one)."""
    settings = settings or get_settings()
    sync_specs_now(settings)  # the store's current version is the specs folder's
    url = prepare_store(settings)
    author = author_name()
    with session_scope(url) as session:
        if not fresh and (mine := draft_store.open_draft_of(slug, author, session=session)):
            return viewed(session, mine)
        dataset, text = current_version_of(session, slug)
        if dataset is None or text is None or not dataset.active:
            raise DatasetNotFoundError(slug=slug)
        row = draft_store.create(session=session, slug=slug, text=text, author=author, is_new=False,
                                 base_version=dataset.version, base_hash=dataset.spec_hash)
        return draft_view(row, dataset.version, dataset.spec_hash)


@requires("read")
def get_draft(draft_id: int, settings: Settings | None = None) -> DraftView:
    url = prepare_store(settings)
    with read_scope(url) as session:
        row = draft_store.read(draft_id, session=session)
        if row is None:
            raise DraftNotFoundError(draft_id=draft_id)
        return viewed(session, row)


def spec_filename(slug: str) -> str:
    return f"specs/{slug}.yaml"


@requires("edit_specs")
def edit_draft(draft_id: int, op: dict[str, Any], *, revision: int | None = None,
               settings: Settings | None = None) -> DraftView:
    """Apply one edit (see ``core.spec.yaml_doc.apply_edit``) and save it. ``revision``: the draft's revision the
    edit was made on; another tab's newer save refuses it (DraftConflictError) instead of being overwritten."""
    url = prepare_store(settings)
    with session_scope(url) as session:
        draft = open_draft(session, draft_id)
        if revision is not None and revision != draft.revision:
            raise DraftConflictError(
                f"the draft is at revision {draft.revision}, not {revision}: reload it (another tab saved an edit)",
                message_es=f"el borrador va en la revisión {draft.revision}, no en la {revision}: recárguelo "
                           "(otra pestaña guardó un cambio)")
        if op.get("op") == "set_section" and op.get("section") == "dataset" and isinstance(op.get("value"), dict) \
                and op["value"].get("slug") not in (None, draft.dataset_slug):
            raise EditError("a draft cannot change its dataset's slug", message_es="un borrador no puede cambiar el "
                            "identificador (slug) de su conjunto de datos")
        text = apply_edit(draft.yaml_text, op, filename=spec_filename(draft.dataset_slug))
        row = draft_store.save_text(draft, text, session=session)
        return viewed(session, row)


@requires("edit_specs")
def undo_draft(draft_id: int, settings: Settings | None = None) -> DraftView:
    return _step_back(draft_id, settings, forward=False)


@requires("edit_specs")
def redo_draft(draft_id: int, settings: Settings | None = None) -> DraftView:
    return _step_back(draft_id, settings, forward=True)


def _step_back(draft_id: int, settings: Settings | None, *, forward: bool) -> DraftView:
    url = prepare_store(settings)
    with session_scope(url) as session:
        draft = open_draft(session, draft_id)
        if not (draft.redo if forward else draft.undo):
            what, what_es = ("redo", "rehacer") if forward else ("undo", "deshacer")
            raise EditError(f"nothing to {what}", message_es=f"no hay nada que {what_es}")
        return viewed(session, draft_store.step_back(draft, session=session, forward=forward))


@requires("edit_specs")
def discard_draft(draft_id: int, settings: Settings | None = None) -> None:
    url = prepare_store(settings)
    with session_scope(url) as session:
        draft_store.close(open_draft(session, draft_id), "discarded", session=session)


def stored_bytes(sha256: str, settings: Settings, *, read: bool = True) -> bytes:
    """A kept upload's bytes; a hash the RAW store does not hold is the caller's mistake (422), never a 500."""
    files = RawFileStore(settings)
    if not re.fullmatch(r"[0-9a-f]{64}", sha256 or "") or not files.exists(sha256):
        shown = re.sub(r"[^0-9a-zA-Z]", "", sha256 or "")[:12]
        raise EditError(f"there is no stored file {shown!r}; upload it first",
                        message_es=f"no hay un archivo guardado {shown!r}; súbalo primero")
    return files.get(sha256) if read else b""


# --- samples and the step preview ----------------------------------------------------------------------------

@requires("edit_specs")
def set_draft_sample(draft_id: int, sha256: str, *, filename: str, params: dict[str, Any] | None = None,
                     settings: Settings | None = None) -> DraftView:
    """The RAW file (kept upload or a stored file, by hash) the draft is previewed on, with run parameters."""
    settings = settings or get_settings()
    stored_bytes(sha256, settings, read=False)
    url = prepare_store(settings)
    sample = {"sha256": sha256, "filename": Path(filename).name[:255], "params": dict(params or {})}
    with session_scope(url) as session:
        return viewed(session, draft_store.set_sample(open_draft(session, draft_id), sample, session=session))


@requires("read")
def draft_sample_files(draft_id: int, settings: Settings | None = None) -> list[dict[str, Any]]:
    """Files the draft can be previewed on: those the dataset's runs read, newest first, one per content."""
    url = prepare_store(settings)
    with read_scope(url) as session:
        row = draft_store.read(draft_id, session=session)
        if row is None:
            raise DraftNotFoundError(draft_id=draft_id)
        rows = session.execute(
            sa.select(RawFile.sha256, RawFile.original_name, RawFile.size, Run.created_at, Run.params)
            .join(Run, Run.file_id == RawFile.id).join(Dataset, Dataset.id == Run.dataset_id)
            .where(Dataset.slug == row.dataset_slug).order_by(Run.created_at.desc()).limit(SAMPLE_FILES * 5)).all()
    out: dict[str, dict[str, Any]] = {}
    for sha, name, size, created, params in rows:
        if sha not in out and len(out) < SAMPLE_FILES:
            out[sha] = {"sha256": sha, "filename": name, "bytes": size, "used_at": created, "params": params or {}}
    return list(out.values())


def sample_of(row: draft_store.DraftRow, settings: Settings, rows: int) -> tuple[Any, Any]:
    if not row.sample:
        raise EditError("choose a sample file first (an upload or a file a run used)",
                        message_es="elija primero un archivo de muestra (uno subido o uno que usó una ejecución)")
    spec = parse_spec(row.yaml_text)
    data = RawFileStore(settings).get(row.sample["sha256"])
    sample = editor_preview.load_sample(data, spec, sha256=row.sample["sha256"], filename=row.sample.get("filename"),
                                        params=row.sample.get("params") or {}, rows=rows)
    return spec, sample


@requires("edit_specs")
def preview_draft_step(draft_id: int, *, layer: str, index: int, rows: int = editor_preview.SAMPLE_ROWS,
                       settings: Settings | None = None) -> dict[str, Any]:
    """Step ``index`` (0-based) of ``layer`` over the draft's sample: the table before and after, what changed,
    the step's help, each step's status (see ``core.editor_preview``)."""
    settings = settings or get_settings()
    rows = max(1, min(int(rows), 10_000))
    url = prepare_store(settings)
    with read_scope(url) as session:
        row = draft_store.read(draft_id, session=session)
    if row is None:
        raise DraftNotFoundError(draft_id=draft_id)
    spec, sample = sample_of(row, settings, rows)
    doc = editor_preview.preview_step(spec, sample, layer=layer, index=index)
    doc["revision"] = row.revision
    return doc



__all__ = ["DraftConflictError", "DraftInvalidError", "DraftLayer", "DraftNotFoundError", "DraftStep",
           "DraftSummary", "DraftView", "PublishResult", "author_name", "create_draft", "current_version_of",
           "discard_draft", "draft_sample_files", "draft_view", "edit_draft", "editor_catalog", "get_draft",
           "list_drafts", "open_draft", "preview_draft_step", "redo_draft", "sample_of", "set_draft_sample",
           "spec_filename", "stored_bytes", "undo_draft", "viewed"]
