"""/cargar: the layout drift of the file about to be previewed (docs/drift.md), shown before the preview's quality
control: what changed in Spanish, each change breaking or compatible, and the proposed spec patch as a diff.

``check`` runs before each preview (``UploadState.preview``); ``drift_view`` turns the engine's report into the
view's plain strings (the page escapes them as text). Nothing is shown when the layout did not change (a new month
in a header is not drift). A file the engine cannot read is left to the preview, which explains it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import reflex as rx

from workbench.components import routes
from workbench.engine import api
from workbench.engine.api import WorkbenchError
from workbench.state.auth import as_user

if TYPE_CHECKING:
    from workbench.state.upload import UploadState

#: Changes listed at most (a completely different file could list hundreds).
MAX_CHANGES = 30
#: Longest diff shown (characters); the whole proposal is in `workbench drift --write`.
MAX_DIFF_CHARS = 20_000
SEVERITY_ES = {"breaking": ("Rompe la especificación", "red"), "compatible": ("Compatible", "amber"),
               "info": ("Información", "gray")}


def drift_view(doc: dict[str, Any] | None) -> dict[str, Any]:
    """The report as the page shows it: {} when there is no drift."""
    if not doc or doc.get("status") not in ("breaking", "compatible"):
        return {}
    runs = doc["baseline"]["runs"]
    against = (f"con la especificación y las últimas {runs} ejecuciones exitosas" if runs > 1 else
               "con la especificación y la última ejecución exitosa" if runs == 1 else
               "solo con la especificación (el dataset aún no tiene ejecuciones exitosas)")
    breaking = doc["status"] == "breaking"
    changes = [{"label": SEVERITY_ES[c["severity"]][0], "colour": SEVERITY_ES[c["severity"]][1],
                "message": c["message_es"]} for c in doc["changes"][:MAX_CHANGES]]
    patch = doc.get("patch") or {}
    if patch:
        patch_note = ("Cambio propuesto a la especificación (no se aplica solo; revisado con este archivo: ya no "
                      "rompe la lectura). «Corregir en el editor» lo abre como borrador, con este archivo de "
                      "muestra, para revisarlo y publicarlo.") if patch.get("verified") else \
            ("Cambio propuesto a la especificación (no se aplica solo). Revisado con este archivo, aún no basta: "
             "«Corregir en el editor» lo abre como borrador para completarlo.")
    else:
        patch_note = "Ningún cambio automático lo corrige: la especificación necesita una revisión." if breaking else ""
    return {
        "status": doc["status"],
        "title": "El formato del archivo cambió y la especificación ya no lo lee bien" if breaking else
                 "El formato del archivo cambió; la especificación aún lo lee bien",
        "colour": "red" if breaking else "amber",
        "against": f"Comparado {against}.",
        "changes": changes,
        "diff": (patch.get("diff") or "")[:MAX_DIFF_CHARS],
        "diff_lines": diff_lines((patch.get("diff") or "")[:MAX_DIFF_CHARS]),
        "patch_note": patch_note,
        "fixable": bool(patch),
    }


def diff_lines(diff: str) -> list[dict[str, str]]:
    """The diff's lines with their colour: added green, removed red, the rest as text."""
    def colour(line: str) -> str:
        if line.startswith(("+++", "---", "@@")):
            return "var(--gray-11)"
        return "var(--green-11)" if line.startswith("+") else "var(--red-11)" if line.startswith("-") else \
            "var(--gray-12)"
    return [{"text": line or " ", "colour": colour(line)} for line in diff.splitlines()]


async def open_fix(state: UploadState):
    """The drift report's patch as a new draft of the dataset, previewed on this file, opened in the rule editor
    (analysts; the engine checks the role)."""
    async with state:
        asked, state.drift_error = state._request(), ""
    try:
        draft = await as_user(state, api.draft_from_drift, asked["slug"], asked["sha"], filename=asked["name"],
                              sheet=asked["sheet"] or None, params=asked["params"])
    except WorkbenchError as exc:
        async with state:
            state.drift_error = exc.message_es
        return None
    return rx.redirect(f"{routes.editor(draft.slug)}?borrador={draft.id}")


async def check(state: UploadState, asked: dict[str, Any]) -> None:
    """The drift of the file and dataset the preview is asked for, set on the page unless a choice changed."""
    try:
        doc = await as_user(state, api.drift_of_stored, asked["slug"], asked["sha"], filename=asked["name"],
                            sheet=asked["sheet"] or None)
    except WorkbenchError:
        doc = None  # the preview that follows explains what is wrong with the file
    async with state:
        if state._request() == asked:
            state.drift = drift_view(doc)
