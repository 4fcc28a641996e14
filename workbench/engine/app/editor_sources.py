"""New drafts from files: what the editor proposes for a file never seen, a new dataset's first draft from the
analyst's choices over that proposal, and a draft whose first edit is a drifted file's proposed spec patch.
Drafts themselves (edits, undo, the step preview) are ``editor``; review and publication ``editor_publish``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from workbench.engine.app.access import requires
from workbench.engine.app.drift import drift_report
from workbench.engine.app.editor import (DraftView, author_name, create_draft, draft_view, edit_draft, set_draft_sample,
                                         stored_bytes)
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.models import SLUG_RE
from workbench.engine.core.spec.yaml_doc import EditError
from workbench.engine.core.spec_proposal import draft_text, propose
from workbench.engine.store import drafts as draft_store
from workbench.engine.store.db import session_scope
from workbench.engine.store.prepare import prepare_store


@requires("edit_specs")
def propose_spec(sha256: str, *, filename: str, sheet: int | str | None = None,
                 settings: Settings | None = None) -> dict[str, Any]:
    """What the editor proposes for a file never seen (source options, header, columns, roles)."""
    settings = settings or get_settings()
    data = stored_bytes(sha256, settings)
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
        row = draft_store.create(session=session, slug=slug, text=text, author=author_name(), is_new=True,
                                 base_version=None, base_hash=None, sample=sample)
        return draft_view(row, None, None)


# --- a drifted file's fix -------------------------------------------------------------------------------------

@requires("edit_specs")
def draft_from_drift(slug: str, sha256: str, *, filename: str, sheet: int | str | None = None,
                     params: dict[str, Any] | None = None, settings: Settings | None = None) -> DraftView:
    """A new draft of ``slug`` with the drift report's proposed patch applied as its first edit (undoable, shown in
    the diff), previewed on the drifted file: the layout change explained by drift is fixed in the editor and
    published like any edit."""
    settings = settings or get_settings()
    data = stored_bytes(sha256, settings)
    report = drift_report(slug, data, Path(filename).name, sheet=sheet, settings=settings)
    if report.patch is None:
        raise EditError(f"the drift report of {Path(filename).name} proposes no change to {slug}",
                        message_es=f"el informe de cambios de formato de {Path(filename).name} no propone cambios a "
                                   f"{slug}")
    draft = create_draft(slug, settings, fresh=True)
    draft = edit_draft(draft.id, {"op": "replace_yaml", "text": report.patch.text}, revision=draft.revision,
                       settings=settings)
    return set_draft_sample(draft.id, sha256, filename=filename, params=params, settings=settings)



__all__ = ["create_draft_from_file", "draft_from_drift", "propose_spec"]
