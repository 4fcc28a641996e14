"""What changes the editor's draft: opening it, every edit (from a step card, the form dialog or the preview's quick
fixes), undo/redo and publishing. One state knows the draft (``EditorState``), the form (``EditorFormState``) and
the preview (``EditorPreviewState``), so none of those three imports another's events.

Every operation goes to the engine at once, as the signed-in user (the engine checks the role and applies an
operation whole or not at all); the answer is the saved draft, and the step previewed is computed again."""

from __future__ import annotations

from typing import Any, Callable

import reflex as rx

from workbench.engine import api
from workbench.engine.api import WorkbenchError
from workbench.state import editor_calls as calls
from workbench.state import editor_views as views
from workbench.state.auth import as_user
from workbench.state.editor import EditorState
from workbench.state.editor_form import EditorFormState
from workbench.state.editor_preview import EditorPreviewState


class EditorActionsState(rx.State):

    @rx.event(background=True)
    async def load(self):
        async with self:
            editor = await self.get_state(EditorState)
            slug = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
            wanted = self.router.url.query_parameters.get("borrador", "")
            if slug != editor.slug or editor.draft_id == 0:
                editor.reset()
                editor.slug = slug
            editor.loading, editor.load_error, editor.error, editor.published = True, "", {}, ""
        try:
            draft = await as_user(self, calls.open_draft, slug, int(wanted) if wanted.isdigit() else None)
        except WorkbenchError as exc:
            async with self:
                editor = await self.get_state(EditorState)
                editor.loading, editor.load_error = False, exc.message_es
            return
        async with self:
            editor = await self.get_state(EditorState)
            editor._show(draft)
            editor.loading, read_only = False, editor.read_only
        if not read_only:
            yield EditorPreviewState.opened

    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        """One draft operation (the engine saves it): the new draft shown, or its error and nothing changed."""
        async with self:
            editor = await self.get_state(EditorState)
            if editor.busy or not editor.draft_id:
                return False
            editor.busy, editor.error, draft_id = True, {}, editor.draft_id
            editor.saved = "Guardando…"
            if fn is api.edit_draft:
                kwargs["revision"] = editor.revision
        try:
            draft = await as_user(self, fn, draft_id, *args, **kwargs)
        except WorkbenchError as exc:
            async with self:
                editor = await self.get_state(EditorState)
                editor.busy, editor.error = False, views.error_view(exc)
                editor.saved = f"Sin cambios · revisión {editor.revision}"
            return False
        except BaseException:
            async with self:
                editor = await self.get_state(EditorState)
                editor.busy = False
            raise
        async with self:
            editor = await self.get_state(EditorState)
            editor.busy = False
            editor._show(draft)
        return True

    @rx.event(background=True)
    async def edit(self, op: dict[str, Any]):
        if await self._call(api.edit_draft, op):
            yield EditorPreviewState.refresh

    @rx.event
    def move(self, layer: str, index: int, to: int):
        return EditorActionsState.edit({"op": "move_step", "layer": layer, "index": index, "to": to})

    @rx.event
    def toggle(self, layer: str, index: int, disabled: bool):
        return EditorActionsState.edit({"op": "toggle_step", "layer": layer, "index": index, "disabled": disabled})

    @rx.event
    def delete(self, layer: str, index: int):
        return EditorActionsState.edit({"op": "delete_step", "layer": layer, "index": index})

    @rx.event(background=True)
    async def save_form(self):
        """The form dialog's step or section: sent whole; the dialog stays open with the error when refused."""
        async with self:
            form = await self.get_state(EditorFormState)
            try:
                op = form._op()
            except views.FormError as exc:
                form.form_error = str(exc)
                return
            form.form_error = ""
        if not await self._call(api.edit_draft, op):
            return
        async with self:
            form = await self.get_state(EditorFormState)
            form.open = False
            preview = await self.get_state(EditorPreviewState)
            if op["op"] == "add_step":  # show what the new step does
                editor = await self.get_state(EditorState)
                preview.layer, preview.index = op["layer"], len(editor._steps.get(op["layer"]) or []) - 1
                preview.selected = f"{preview.layer}:{preview.index}"
        yield EditorPreviewState.refresh

    @rx.event(background=True)
    async def add_mapping(self, value: str):
        """A quick fix from the preview: the unmapped ``value`` mapped to what the analyst typed beside it."""
        async with self:
            preview = await self.get_state(EditorPreviewState)
            editor = await self.get_state(EditorState)
            layer, index, target = preview.layer, preview.index, preview.fix.get(value, "").strip()
            step = editor._step(layer, index)
        if not target or step.get("type") != "map_categories":
            yield rx.toast.error(f"Escriba a qué valor corresponde «{value}».")
            return
        step["mapping"] = {**(step.get("mapping") or {}), value: target}
        if await self._call(api.edit_draft, {"op": "update_step", "layer": layer, "index": index, "step": step}):
            async with self:
                preview = await self.get_state(EditorPreviewState)
                preview.fix = {k: v for k, v in preview.fix.items() if k != value}
            yield EditorPreviewState.refresh

    @rx.event(background=True)
    async def undo(self):
        if await self._call(api.undo_draft):
            yield EditorPreviewState.refresh

    @rx.event(background=True)
    async def redo(self):
        if await self._call(api.redo_draft):
            yield EditorPreviewState.refresh

    # --- publish ------------------------------------------------------------------------------------------

    @rx.event(background=True)
    async def ask_publish(self):
        """The YAML diff against the current version, in a dialog, before publishing."""
        async with self:
            editor = await self.get_state(EditorState)
            draft_id = editor.draft_id
        try:
            diff = await as_user(self, api.draft_diff, draft_id)
        except WorkbenchError as exc:
            yield rx.toast.error(exc.message_es)
            return
        async with self:
            editor = await self.get_state(EditorState)
            editor.diff, editor.diff_open = diff or "(sin cambios respecto de la versión actual)", True
            editor.force = False

    @rx.event(background=True)
    async def publish(self):
        async with self:
            editor = await self.get_state(EditorState)
            if editor.busy:
                return
            editor.busy, editor.error, draft_id, slug = True, {}, editor.draft_id, editor.slug
            revision = editor.revision  # the revision whose diff was shown: a later edit is refused
            force = editor.force and editor.stale
        try:
            result = await as_user(self, api.publish_draft, draft_id, revision=revision, force=force)
        except WorkbenchError as exc:
            async with self:
                editor = await self.get_state(EditorState)
                editor.busy, editor.diff_open, editor.error = False, False, views.error_view(exc)
            return
        except BaseException:
            async with self:
                editor = await self.get_state(EditorState)
                editor.busy = False
            raise
        async with self:
            editor = await self.get_state(EditorState)
            editor.busy, editor.diff_open = False, False
            editor.published = f"Publicada la versión {result.version} de «{slug}»."
        yield rx.toast.success(f"Versión {result.version} publicada.")
        try:  # a fresh draft of the version just published: the page stays the editor
            draft = await as_user(self, api.create_draft, slug)
        except WorkbenchError as exc:
            async with self:
                editor = await self.get_state(EditorState)
                editor.load_error = exc.message_es
            return
        async with self:
            editor = await self.get_state(EditorState)
            editor._show(draft)
        yield EditorPreviewState.opened

    @rx.event(background=True)
    async def discard(self):
        """Drop the draft (its edits are lost) and start again from the current version; a new dataset's draft
        goes back to the new-spec page."""
        async with self:
            editor = await self.get_state(EditorState)
            draft_id, slug, is_new = editor.draft_id, editor.slug, editor.is_new
        try:
            await as_user(self, api.discard_draft, draft_id)
            draft = None if is_new else await as_user(self, api.create_draft, slug)
        except WorkbenchError as exc:
            yield rx.toast.error(exc.message_es)
            return
        yield rx.toast.success("Borrador descartado.")
        if draft is None:
            yield rx.redirect("/especificaciones/nueva")
            return
        async with self:
            editor = await self.get_state(EditorState)
            editor._show(draft)
            editor.error, editor.published = {}, ""
        yield EditorPreviewState.opened
