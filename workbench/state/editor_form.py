"""The editor's form dialog: a step (new or existing) or a spec-level section (source, parameters, ...), generated
from the engine's catalog (``step_catalog()`` / ``spec_sections()``: each field's kind, title, description,
choices and default, and the step's help from docs/steps.md). It holds the typed text only; ``op()`` turns it
into the operation the editor sends (``editor_actions.save_form``), or a FormError naming the field."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workbench.engine import api
from workbench.engine.api import WorkbenchError
from workbench.state import editor_views as views
from workbench.state.auth import acting
from workbench.state.editor import EditorState


def _entry(catalog: list[dict[str, Any]], key: str, name: str) -> dict[str, Any]:
    return next((e for e in catalog if e.get(key) == name), {})


class EditorFormState(rx.State):
    open: bool = False
    #: "add" (a new step), "edit" (a step) or "section" (a spec-level part)
    mode: str = ""
    layer: str = ""
    index: int = -1
    step_type: str = ""
    heading: str = ""
    summary: str = ""
    help: str = ""
    fields: list[dict[str, Any]] = []
    types: list[dict[str, str]] = []
    form_error: str = ""
    #: A section edited as one YAML text (its catalog entry has no fields)
    whole_yaml: bool = False
    #: What the step has that its form does not show (kept as is on save, e.g. ``disabled``)
    _extra: dict[str, Any] = {}

    def _catalog(self) -> list[dict[str, Any]]:
        with acting(self):
            return api.step_catalog()

    def _set_step(self, entry: dict[str, Any], values: dict[str, Any]) -> None:
        self.step_type, self.summary = str(entry.get("type") or ""), str(entry.get("summary") or "")
        self.help, self.whole_yaml = str(entry.get("help") or ""), False
        self.fields = views.form_fields(entry.get("fields") or [], values)
        shown = {f["name"] for f in self.fields} | {"type"}
        self._extra = {k: v for k, v in values.items() if k not in shown}

    @rx.event
    def open_add(self, layer: str):
        try:
            catalog = self._catalog()
        except WorkbenchError as exc:
            return rx.toast.error(exc.message_es)
        self.mode, self.layer, self.index, self.form_error, self.open = "add", layer, -1, "", True
        self.heading = f"Agregar un paso a {layer}"
        self.types = [{"type": str(e["type"]), "summary": str(e.get("summary") or "")} for e in catalog]
        self.step_type, self.fields, self.help, self.summary = "", [], "", ""

    @rx.event
    def choose(self, step_type: str):
        entry = _entry(self._catalog(), "type", step_type)
        example = {k: v for k, v in (entry.get("example") or {}).items() if k != "type"}
        self._set_step(entry, example)
        self.form_error = ""

    @rx.event
    async def open_edit(self, layer: str, index: int):
        editor = await self.get_state(EditorState)
        step = editor._step(layer, index)
        if not step:
            return
        self._set_step(_entry(self._catalog(), "type", str(step.get("type"))), step)
        self.mode, self.layer, self.index, self.form_error, self.open = "edit", layer, index, "", True
        self.heading = f"Editar el paso {index + 1} de {layer} ({self.step_type})"

    @rx.event
    async def open_section(self, name: str):
        editor = await self.get_state(EditorState)
        with acting(self):
            entry = _entry(api.spec_sections(), "section", name)
        value = editor._section(name)
        fields = entry.get("fields") or []
        self.whole_yaml = entry.get("shape") != "object" or not fields or not isinstance(value, (dict, type(None)))
        if self.whole_yaml:
            fields = [{"name": name, "title": str(entry.get("title") or name), "kind": "yaml",
                       "description": str(entry.get("description") or "")}]
            value = {name: value}
        self.fields = views.form_fields(fields, value or {})
        self.mode, self.layer, self.index, self.step_type, self.form_error = "section", name, -1, "", ""
        self.heading = f"Editar la sección «{entry.get('title') or name}»"
        self.summary = str(entry.get("summary") or "")
        self.help, self.open = str(entry.get("help") or entry.get("description") or ""), True

    @rx.event
    def set_value(self, name: str, value: str):
        self.fields = [{**f, "value": value, "set": True} if f["name"] == name else f for f in self.fields]

    @rx.event
    def set_checked(self, name: str, value: bool):
        self.fields = [{**f, "checked": bool(value), "set": True} if f["name"] == name else f for f in self.fields]

    @rx.event
    def set_open(self, value: bool):
        self.open = value

    @rx.event
    def close(self):
        self.open, self.form_error = False, ""

    def _op(self) -> dict[str, Any]:
        """The operation the form describes (FormError when a field can't be read)."""
        values = views.values_from_form(self.fields)
        if self.mode == "section":
            value = values.get(self.layer) if self.whole_yaml else values
            return {"op": "set_section", "section": self.layer, "value": value}
        if not self.step_type:
            raise views.FormError("Elija el tipo de paso.")
        step = {"type": self.step_type, **self._extra, **values}
        if self.mode == "add":
            return {"op": "add_step", "layer": self.layer, "step": step}
        return {"op": "update_step", "layer": self.layer, "index": self.index, "step": step}
