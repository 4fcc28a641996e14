"""Review and publication of a draft: the YAML diff against the dataset's current version, and publication
(validated on the sample, written to ``specs/<slug>.yaml`` atomically and recorded as the current version in the
store, so the file on disk and the store agree and the next run uses it). Drafts themselves are ``editor``."""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path

from workbench.engine.app.access import requires
from workbench.engine.app.datasets import sync_specs_now
from workbench.engine.app.editor import (DraftConflictError, DraftInvalidError, DraftNotFoundError, PublishResult,
                                         current_version_of, open_draft, sample_of, spec_filename)
from workbench.engine.core import editor_preview
from workbench.engine.core.errors import SpecError
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.loader import parse_spec
from workbench.engine.store import datasets as dataset_store
from workbench.engine.store import drafts as draft_store
from workbench.engine.store.db import read_scope, session_scope
from workbench.engine.store.prepare import prepare_store


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
        _, text = current_version_of(session, row.dataset_slug)
    return _diff(text or "", row.yaml_text, row.dataset_slug)


def _check_on_sample(row: draft_store.DraftRow, settings: Settings) -> None:
    """Every step runs over the sample (when the draft has one): a step that cannot run blocks publication."""
    if not row.sample:
        return
    spec, sample = sample_of(row, settings, editor_preview.SAMPLE_ROWS)
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
        spec = parse_spec(row.yaml_text, spec_filename(row.dataset_slug))
    except SpecError as exc:
        raise DraftInvalidError(exc.message, message_es=exc.message_es, problems=exc.details.get("problems")) from exc
    _check_on_sample(row, settings)
    with session_scope(url) as session:
        draft = open_draft(session, draft_id)
        if revision is not None and revision != draft.revision:
            raise DraftConflictError(f"the draft is at revision {draft.revision}, not {revision}: review it again",
                                     message_es=f"el borrador va en la revisión {draft.revision}, no en la {revision}: "
                                                "revíselo otra vez")
        dataset, current_text = current_version_of(session, row.dataset_slug)
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



__all__ = ["draft_diff", "publish_draft"]
