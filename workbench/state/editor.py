"""/especificaciones/[slug]: the rule editor's draft as the page shows it (layers and step cards, revision,
undo/redo, the publish dialog). The events that change it live in ``editor_actions`` (the one state that knows
the draft, the step form and the preview panel); this state only holds what the engine answered."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workbench.state import editor_views as views
from workbench.state.numbers import fmt_datetime


class EditorState(rx.State):
    slug: str = ""
    draft_id: int = 0
    title: str = ""
    revision: int = 0
    version: str = ""
    is_new: bool = False
    #: The current version shown to a role that may not edit (no draft: nothing to save, preview or publish)
    read_only: bool = False
    shown: bool = False
    stale: bool = False
    can_undo: bool = False
    can_redo: bool = False
    undo_depth: int = 0
    yaml: str = ""
    layers: list[dict[str, Any]] = []
    saved: str = ""
    busy: bool = False
    loading: bool = True
    error: dict[str, Any] = {}
    load_error: str = ""
    diff: str = ""
    diff_open: bool = False
    #: Publish although the dataset's current version moved since the draft was made (after reading the diff)
    force: bool = False
    published: str = ""
    _steps: dict[str, list[dict[str, Any]]] = {}
    _sections: dict[str, Any] = {}
    _sample: dict[str, Any] = {}

    @rx.var
    def has_error(self) -> bool:
        return bool(self.error)

    def _show(self, draft: Any) -> None:
        """A DraftView (or the read-only view of the current version, id 0) as the page shows it."""
        g = lambda name: views.get(draft, name)  # noqa: E731
        self.draft_id, self.title, self.revision = int(g("id")), str(g("title") or g("slug")), int(g("revision") or 0)
        base = g("base_version")
        self.is_new, self.stale, self.read_only, self.shown = bool(g("is_new")), bool(g("stale")), not g("id"), True
        self.version = ("nuevo (sin publicar)" if base is None else
                        f"versión vigente v{base}" if self.read_only else f"basado en v{base}")
        self.can_undo, self.can_redo = bool(g("can_undo")), bool(g("can_redo"))
        self.undo_depth = int(g("undo_depth") or 0)
        self.yaml, self.layers, self._steps = str(g("yaml")), views.layer_views(draft), views.step_dicts(draft)
        self._sections, self._sample = dict(g("sections") or {}), dict(g("sample") or {})
        self.saved = ("Solo lectura" if self.read_only else
                      f"Guardado · revisión {self.revision} · {fmt_datetime(g('updated_at'))} UTC")

    def _step(self, layer: str, index: int) -> dict[str, Any]:
        steps = self._steps.get(layer) or []
        return dict(steps[index]) if 0 <= index < len(steps) else {}

    def _section(self, name: str) -> Any:
        return self._sections.get(name)

    @rx.event
    def set_diff_open(self, value: bool):
        self.diff_open = value

    @rx.event
    def set_force(self, value: bool):
        self.force = value

    @rx.event
    def clear_error(self):
        self.error = {}
