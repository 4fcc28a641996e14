"""The rule editor's use cases: drafts of a spec, edited step by step, previewed on a sample, then published.

- A **draft** starts from a dataset's current version (``create_draft``) or from a file never seen
  (``propose_spec`` then ``create_draft_from_file``). Every edit is saved at once (autosave) with the text before
  it, so the last ``HISTORY`` edits can be undone and redone. Edits name the revision they were made on; a stale
  one is refused rather than overwriting another tab's work.
- Each edit is applied whole or not at all: the text it makes must be a valid spec (``core.spec.yaml_doc``), and
  the lines it does not touch stay as they were (comments, key order, wrapped lists).
- ``preview_draft_step`` runs the draft over a sample of the chosen RAW file (an upload or a file the dataset's
  runs used) and describes one step (``core.editor_preview``): only steps from the edited one on are recomputed.
- ``publish_draft`` validates the draft (the spec, and every step over the sample when one is chosen), writes
  ``specs/<slug>.yaml`` atomically and records the text as the dataset's new current version in the store, so
  the file on disk and the store agree and the next run uses it. Analysts and admins publish (engine-checked).
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from workbench.engine.app.access import acting_name, current, requires
from workbench.engine.app.datasets import DatasetNotFoundError, sync_specs_now
from workbench.engine.app.drift import drift_report
from workbench.engine.core import editor_preview
from workbench.engine.core.errors import SpecError, WorkbenchError
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.catalog import spec_sections, step_catalog
from workbench.engine.core.spec.loader import parse_spec
from workbench.engine.core.spec.models import SLUG_RE
from workbench.engine.core.spec.yaml_doc import SECTIONS, EditError, apply_edit, step_dicts
from workbench.engine.core.spec_proposal import draft_text, propose
from workbench.engine.store import datasets as dataset_store
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

def _view(row: draft_store.DraftRow, current_version: int | None, current_hash: str | None) -> DraftView:
    spec = parse_spec(row.yaml_text)
    written = step_dicts(row.yaml_text)
    layers = [DraftLayer(name=layer, steps=[
        DraftStep(index=i, type=step.type, label=step.describe(), disabled=step.disabled,  # type: ignore[attr-defined]
                  step=_jsonable(written[layer][i]))
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


def _jsonable(value: Any) -> Any:
    """YAML data as JSON data (a date written in a spec becomes its ISO text)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _current(session: Any, slug: str) -> tuple[Dataset | None, str | None]:
    row = session.execute(
        sa.select(Dataset, SpecVersion.yaml_text)
        .join(SpecVersion, sa.and_(SpecVersion.dataset_id == Dataset.id, SpecVersion.version == Dataset.version))
        .where(Dataset.slug == slug)).first()
    return (row[0], row[1]) if row else (None, None)


def _viewed(session: Any, row: draft_store.DraftRow) -> DraftView:
    dataset, _ = _current(session, row.dataset_slug)
    return _view(row, dataset.version if dataset else None, dataset.spec_hash if dataset else None)


def _author() -> str:
    return acting_name() or (current().username if current() else "system")  # type: ignore[union-attr]


def _open(session: Any, draft_id: int, *, lock: bool = True) -> Any:
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
    author = _author()
    with session_scope(url) as session:
        if not fresh and (mine := draft_store.open_draft_of(slug, author, session=session)):
            return _viewed(session, mine)
        dataset, text = _current(session, slug)
        if dataset is None or text is None or not dataset.active:
            raise DatasetNotFoundError(slug=slug)
        row = draft_store.create(session=session, slug=slug, text=text, author=author, is_new=False,
                                 base_version=dataset.version, base_hash=dataset.spec_hash)
        return _view(row, dataset.version, dataset.spec_hash)


@requires("read")
def get_draft(draft_id: int, settings: Settings | None = None) -> DraftView:
    url = prepare_store(settings)
    with read_scope(url) as session:
        row = draft_store.read(draft_id, session=session)
        if row is None:
            raise DraftNotFoundError(draft_id=draft_id)
        return _viewed(session, row)


def _filename(slug: str) -> str:
    return f"specs/{slug}.yaml"


@requires("edit_specs")
def edit_draft(draft_id: int, op: dict[str, Any], *, revision: int | None = None,
               settings: Settings | None = None) -> DraftView:
    """Apply one edit (see ``core.spec.yaml_doc.apply_edit``) and save it. ``revision``: the draft's revision the
    edit was made on; another tab's newer save refuses it (DraftConflictError) instead of being overwritten."""
    url = prepare_store(settings)
    with session_scope(url) as session:
        draft = _open(session, draft_id)
        if revision is not None and revision != draft.revision:
            raise DraftConflictError(
                f"the draft is at revision {draft.revision}, not {revision}: reload it (another tab saved an edit)",
                message_es=f"el borrador va en la revisión {draft.revision}, no en la {revision}: recárguelo "
                           "(otra pestaña guardó un cambio)")
        if op.get("op") == "set_section" and op.get("section") == "dataset" and isinstance(op.get("value"), dict) \
                and op["value"].get("slug") not in (None, draft.dataset_slug):
            raise EditError("a draft cannot change its dataset's slug", message_es="un borrador no puede cambiar el "
                            "identificador (slug) de su conjunto de datos")
        text = apply_edit(draft.yaml_text, op, filename=_filename(draft.dataset_slug))
        row = draft_store.save_text(draft, text, session=session)
        return _viewed(session, row)


@requires("edit_specs")
def undo_draft(draft_id: int, settings: Settings | None = None) -> DraftView:
    return _step_back(draft_id, settings, forward=False)


@requires("edit_specs")
def redo_draft(draft_id: int, settings: Settings | None = None) -> DraftView:
    return _step_back(draft_id, settings, forward=True)


def _step_back(draft_id: int, settings: Settings | None, *, forward: bool) -> DraftView:
    url = prepare_store(settings)
    with session_scope(url) as session:
        draft = _open(session, draft_id)
        if not (draft.redo if forward else draft.undo):
            what, what_es = ("redo", "rehacer") if forward else ("undo", "deshacer")
            raise EditError(f"nothing to {what}", message_es=f"no hay nada que {what_es}")
        return _viewed(session, draft_store.step_back(draft, session=session, forward=forward))


@requires("edit_specs")
def discard_draft(draft_id: int, settings: Settings | None = None) -> None:
    url = prepare_store(settings)
    with session_scope(url) as session:
        draft_store.close(_open(session, draft_id), "discarded", session=session)


def _stored(sha256: str, settings: Settings, *, read: bool = True) -> bytes:
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
    _stored(sha256, settings, read=False)
    url = prepare_store(settings)
    sample = {"sha256": sha256, "filename": Path(filename).name[:255], "params": dict(params or {})}
    with session_scope(url) as session:
        return _viewed(session, draft_store.set_sample(_open(session, draft_id), sample, session=session))


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


def _sample_of(row: draft_store.DraftRow, settings: Settings, rows: int) -> tuple[Any, Any]:
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
    spec, sample = _sample_of(row, settings, rows)
    doc = editor_preview.preview_step(spec, sample, layer=layer, index=index)
    doc["revision"] = row.revision
    return doc


# --- a new spec from a file ------------------------------------------------------------------------------------

@requires("edit_specs")
def propose_spec(sha256: str, *, filename: str, sheet: int | str | None = None,
                 settings: Settings | None = None) -> dict[str, Any]:
    """What the editor proposes for a file never seen (source options, header, columns, roles)."""
    settings = settings or get_settings()
    data = _stored(sha256, settings)
    doc = propose(data, filename=Path(filename).name, sheet=sheet)
    doc["sha256"] = sha256
    return doc


@requires("edit_specs")
def create_draft_from_file(sha256: str, *, filename: str, slug: str, title: str, keys: list[str],
                           measures: list[str], types: dict[str, str] | None = None,
                           names: dict[str, str] | None = None, drop: list[str] | None = None,
                           source: dict[str, Any] | None = None, sheet: int | str | None = None,
                           params: dict[str, Any] | None = None, settings: Settings | None = None) -> DraftView:
    """A new dataset's first draft, from the analyst's choices over ``propose_spec``; the file is its sample."""
    settings = settings or get_settings()
    if not re.fullmatch(SLUG_RE, slug or ""):
        raise EditError(f"the identifier {slug!r} must be lowercase letters, digits and _ (2-63, starting with a "
                        "letter)", message_es=f"el identificador {slug!r} debe tener minúsculas, dígitos y _ (2 a 63, "
                        "empezando por letra)")
    if (Path(settings.specs_dir) / f"{slug}.yaml").exists() or (Path(settings.specs_dir) / f"{slug}.yml").exists():
        raise EditError(f"a dataset {slug!r} already exists; choose another identifier",
                        message_es=f"ya existe el conjunto de datos {slug!r}; elija otro identificador")
    proposal = propose_spec(sha256, filename=filename, sheet=sheet, settings=settings)
    text = draft_text(proposal, slug=slug, title=title, keys=keys, measures=measures, types=types, names=names,
                      drop=drop, source=source)
    url = prepare_store(settings)
    sample = {"sha256": sha256, "filename": Path(filename).name[:255], "params": dict(params or {})}
    with session_scope(url) as session:
        row = draft_store.create(session=session, slug=slug, text=text, author=_author(), is_new=True,
                                 base_version=None, base_hash=None, sample=sample)
        return _view(row, None, None)


# --- a drifted file's fix -------------------------------------------------------------------------------------

@requires("edit_specs")
def draft_from_drift(slug: str, sha256: str, *, filename: str, sheet: int | str | None = None,
                     params: dict[str, Any] | None = None, settings: Settings | None = None) -> DraftView:
    """A new draft of ``slug`` with the drift report's proposed patch applied as its first edit (undoable, shown in
    the diff), previewed on the drifted file: the layout change explained by drift is fixed in the editor and
    published like any edit."""
    settings = settings or get_settings()
    data = _stored(sha256, settings)
    report = drift_report(slug, data, Path(filename).name, sheet=sheet, settings=settings)
    if report.patch is None:
        raise EditError(f"the drift report of {Path(filename).name} proposes no change to {slug}",
                        message_es=f"el informe de cambios de formato de {Path(filename).name} no propone cambios a "
                                   f"{slug}")
    draft = create_draft(slug, settings, fresh=True)
    draft = edit_draft(draft.id, {"op": "replace_yaml", "text": report.patch.text}, revision=draft.revision,
                       settings=settings)
    return set_draft_sample(draft.id, sha256, filename=filename, params=params, settings=settings)


# --- review and publication ------------------------------------------------------------------------------------

def _diff(old: str, new: str, slug: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=f"specs/{slug}.yaml (vigente)", tofile=f"specs/{slug}.yaml (borrador)"))


@requires("read")
def draft_diff(draft_id: int, settings: Settings | None = None) -> str:
    """The unified diff from the dataset's current version to the draft (everything is new for a new dataset)."""
    url = prepare_store(settings)
    with read_scope(url) as session:
        row = draft_store.read(draft_id, session=session)
        if row is None:
            raise DraftNotFoundError(draft_id=draft_id)
        _, text = _current(session, row.dataset_slug)
    return _diff(text or "", row.yaml_text, row.dataset_slug)


def _check_on_sample(row: draft_store.DraftRow, settings: Settings) -> None:
    """Every step runs over the sample (when the draft has one): a step that cannot run blocks publication."""
    if not row.sample:
        return
    spec, sample = _sample_of(row, settings, editor_preview.SAMPLE_ROWS)
    for layer in spec.layer_names:
        steps = spec.layers[layer]  # type: ignore[index]
        if not steps:
            continue
        doc = editor_preview.preview_step(spec, sample, layer=layer, index=len(steps) - 1)
        broken = next((s for s in doc["steps"] if s["error"]), None)
        if broken:
            where = f"{broken['layer']}[{broken['index']}] {broken['type']}"  # 0-based, as run errors say
            raise DraftInvalidError(f"step {where} fails on the sample file: {broken['error']}",
                                    message_es=f"el paso {where} falla con el archivo de muestra: {broken['error']}",
                                    step=where)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@requires("publish_specs")
def publish_draft(draft_id: int, *, revision: int | None = None, force: bool = False,
                  settings: Settings | None = None) -> PublishResult:
    """Validate the draft, write ``specs/<slug>.yaml`` and make it the dataset's current version in the store.
    Refused when the dataset's current version moved since the draft was made (unless ``force``), or when a step
    fails over the draft's sample file."""
    settings = settings or get_settings()
    sync_specs_now(settings)
    url = prepare_store(settings)
    with read_scope(url) as session:
        row = draft_store.read(draft_id, session=session)
    if row is None or row.status != "open":
        raise DraftNotFoundError(draft_id=draft_id)
    path = Path(settings.specs_dir) / f"{row.dataset_slug}.yaml"
    try:
        spec = parse_spec(row.yaml_text, _filename(row.dataset_slug))
    except SpecError as exc:
        raise DraftInvalidError(exc.message, message_es=exc.message_es, problems=exc.details.get("problems")) from exc
    _check_on_sample(row, settings)
    with session_scope(url) as session:
        draft = _open(session, draft_id)
        if revision is not None and revision != draft.revision:
            raise DraftConflictError(f"the draft is at revision {draft.revision}, not {revision}: review it again",
                                     message_es=f"el borrador va en la revisión {draft.revision}, no en la {revision}: "
                                                "revíselo otra vez")
        dataset, current_text = _current(session, row.dataset_slug)
        if row.is_new and (dataset is not None or path.exists()):
            raise DraftConflictError(f"a dataset {row.dataset_slug!r} was created meanwhile",
                                     message_es=f"mientras tanto se creó el conjunto de datos {row.dataset_slug!r}")
        if not row.is_new and dataset is not None and dataset.spec_hash != row.base_hash and not force:
            raise DraftConflictError(
                f"{row.dataset_slug} changed since this draft was made (version {row.base_version} -> "
                f"{dataset.version}); review the diff and publish with force, or start a new draft",
                message_es=f"{row.dataset_slug} cambió desde que se creó este borrador (versión {row.base_version} -> "
                           f"{dataset.version}); revise las diferencias y publique forzando, o empiece otro borrador")
        diff = _diff(current_text or "", row.yaml_text, row.dataset_slug)
        _write_atomically(path, row.yaml_text)
        _, version, outcome = dataset_store.sync_spec(spec, row.yaml_text, session=session, path=str(path))
        draft_store.close(draft, "published", session=session, version=version.version)
    return PublishResult(slug=row.dataset_slug, version=version.version, spec_hash=version.spec_hash,
                         path=str(path), diff=diff, outcome=outcome)


__all__ = ["DraftConflictError", "DraftInvalidError", "DraftLayer", "DraftNotFoundError", "DraftStep",
           "DraftSummary", "DraftView", "PublishResult", "create_draft", "create_draft_from_file", "discard_draft",
           "draft_diff", "draft_from_drift", "draft_sample_files", "edit_draft", "editor_catalog", "get_draft", "list_drafts",
           "preview_draft_step", "propose_spec", "publish_draft", "redo_draft", "set_draft_sample", "undo_draft"]
