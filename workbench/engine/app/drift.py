"""Layout drift as use cases: a file compared with a dataset's spec and its last successful runs' layouts
(``drift_report``: the CLI, the API, the upload page, and the scheduler before an automated run), and the
proposed spec written beside the spec for a person to review (``write_proposed_spec``; never applied by itself).

The comparison is core/drift.py (pure); here the spec and the fingerprints are read (fingerprints from the runs'
``outputs["layout"]``, store/layouts.py). With the store unreachable the file is still checked against the spec
alone, with a note that says so: the drift check never stops a preview.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from workbench.engine.app.access import requires
from workbench.engine.core.drift import DriftReport, check_drift
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.limits import sanitize_filename
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.loader import find_spec, parse_spec
from workbench.engine.store import layouts as layout_store
from workbench.engine.store.db import read_scope
from workbench.engine.store.files import RawFileStore
from workbench.engine.store.prepare import prepare_store

log = logging.getLogger(__name__)

#: The last successful runs whose layouts a new file is compared with.
HISTORY_RUNS = 5
PROPOSED_SUFFIX = ".proposed"


class ProposedSpecError(WorkbenchError):
    code = "drift-patch-unavailable"
    title = "No spec patch to write"
    template = "{message}"
    template_es = "{message_es}"

    def __init__(self, message: str, *, message_es: str, **details: Any) -> None:
        super().__init__(message, message_es=message_es, **details)


def layout_history(slug: str, settings: Settings) -> tuple[list[dict[str, Any]], str | None]:
    """(the fingerprints of ``slug``'s last successful runs, newest first; a note when the store was unreachable)."""
    try:
        url = prepare_store(settings)
        with read_scope(url) as session:
            return layout_store.recent_layouts(slug, session=session, limit=HISTORY_RUNS), None
    except WorkbenchError as exc:
        log.warning("drift check of %s without run history: %s", slug, exc.message)
        return [], "the runs' history could not be read: the file was compared with the spec only"


@requires("preview")
def drift_report(slug: str, data: bytes, filename: str, *, sheet: int | str | None = None,
                 fingerprints: list[dict[str, Any]] | None = None, settings: Settings | None = None) -> DriftReport:
    """``data`` compared with ``slug``'s current spec and (unless ``fingerprints`` are given) the layouts of its
    last successful runs. ``report.breaking``: the spec would no longer read the file right."""
    settings = settings or get_settings()
    path = find_spec(slug, settings.specs_dir, slug_only=True)
    text = path.read_text(encoding="utf-8")
    spec = parse_spec(text, str(path))
    note = None
    if fingerprints is None:
        fingerprints, note = layout_history(slug, settings)
    report = check_drift(spec, data, filename, fingerprints, spec_text=text, sheet=sheet)
    if note:
        report.notes.append({"message": note, "message_es": "no se pudo leer el historial de ejecuciones: el archivo "
                                                            "se comparó solo con la especificación"})
    return report


@requires("preview")
def drift_of_stored(slug: str, raw_sha256: str, *, filename: str, sheet: int | str | None = None,
                    settings: Settings | None = None) -> dict[str, Any]:
    """``drift_report`` of a file already in the RAW store (the upload page), as its JSON document."""
    settings = settings or get_settings()
    data = RawFileStore(settings).get(raw_sha256)
    return drift_report(slug, data, sanitize_filename(filename), sheet=sheet, settings=settings).to_dict()


@requires("sync_specs")
def write_proposed_spec(slug: str, report: DriftReport, *, out: str | Path | None = None,
                        settings: Settings | None = None) -> Path:
    """Write the report's patched spec to ``out`` or beside the spec as ``<slug>.yaml.proposed`` (the spec itself
    is never overwritten: a person reviews the proposal and replaces the spec with it)."""
    settings = settings or get_settings()
    if report.patch is None:
        raise ProposedSpecError("the drift report proposes no spec change", slug=slug,
                                message_es="el informe de cambios de formato no propone cambios a la especificación")
    spec_path = find_spec(slug, settings.specs_dir, slug_only=True)
    target = Path(out) if out is not None else spec_path.with_name(spec_path.name + PROPOSED_SUFFIX)
    if target.resolve() == spec_path.resolve():
        raise ProposedSpecError(f"{target} is the spec itself: write the proposal elsewhere and review it",
                                message_es=f"{target} es la especificación misma: escriba la propuesta en otro "
                                           "archivo y revísela", path=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(report.patch.text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


__all__ = ["HISTORY_RUNS", "ProposedSpecError", "drift_of_stored", "drift_report", "layout_history",
           "write_proposed_spec"]
