"""The editor's form dialog, generated from the catalog's field metadata: one input per field by its kind (text,
int, number, bool, choice, text_list, text_map, yaml), each with its description; the step's help from
docs/steps.md beside it; the engine's refusal shown inside the dialog (the draft keeps its previous state)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workbench.components.editor_steps import error_panel
from workbench.state.editor import EditorState
from workbench.state.editor_actions import EditorActionsState as A
from workbench.state.editor_form import EditorFormState as F

MUTED = rx.color("gray", 11)
AREA_KINDS = ("text_list", "text_map", "yaml")
#: The step's docs section (markdown with an options table) in a narrow column: small, scrolling tables.
HELP_CSS = {"& table": {"font_size": "0.75rem", "border_collapse": "collapse", "width": "100%"},
            "& th, & td": {"padding": "3px 6px", "vertical_align": "top", "text_align": "left",
                           "border_bottom": "1px solid var(--gray-5)", "min_width": "5rem"},
            "& pre": {"font_size": "0.75rem", "overflow_x": "auto"}}
HINTS = {"text_list": "Un valor por línea.", "text_map": "Una línea por par: clave = valor.",
         "yaml": "En YAML."}


def _input(f: rx.Var[dict[str, Any]]) -> rx.Component:
    name, kind, field_id = f["name"].to(str), f["kind"].to(str), rx.Var.create("field-") + f["name"].to(str)
    return rx.match(
        kind,
        ("bool", rx.switch(checked=f["checked"].to(bool), on_change=lambda v: F.set_checked(name, v), id=field_id)),
        ("choice", rx.select(f["choices"].to(list[str]), value=f["value"].to(str), id=field_id,
                             on_change=lambda v: F.set_value(name, v), placeholder="Elija…")),
        ("text_list", rx.text_area(value=f["value"].to(str), on_change=lambda v: F.set_value(name, v), id=field_id,
                                   rows="4", width="100%", font_family="var(--code-font-family)")),
        ("text_map", rx.text_area(value=f["value"].to(str), on_change=lambda v: F.set_value(name, v), id=field_id,
                                  rows="5", width="100%", font_family="var(--code-font-family)")),
        ("yaml", rx.text_area(value=f["value"].to(str), on_change=lambda v: F.set_value(name, v), id=field_id,
                              rows="6", width="100%", font_family="var(--code-font-family)")),
        rx.input(value=f["value"].to(str), on_change=lambda v: F.set_value(name, v), id=field_id, width="100%",
                 input_mode=rx.cond(kind == "int", "numeric", rx.cond(kind == "number", "decimal", "text")),
                 placeholder=f["default"].to(str)),
    )


def _field(f: rx.Var[dict[str, Any]]) -> rx.Component:
    kind = f["kind"].to(str)
    return rx.vstack(
        rx.hstack(rx.text(f["title"].to(str), as_="label", size="2", weight="medium",
                          html_for=rx.Var.create("field-") + f["name"].to(str)),
                  rx.code(f["name"].to(str), size="1", variant="ghost", color_scheme="gray"),
                  rx.cond(f["required"].to(bool), rx.badge("obligatorio", size="1", color_scheme="amber")),
                  spacing="2", align="center"),
        _input(f),
        rx.cond(f["description"].to(str) != "", rx.text(f["description"].to(str), size="1", color=MUTED)),
        rx.match(kind, ("text_list", rx.text(HINTS["text_list"], size="1", color=MUTED)),
                 ("text_map", rx.text(HINTS["text_map"], size="1", color=MUTED)),
                 ("yaml", rx.text(HINTS["yaml"], size="1", color=MUTED)), rx.fragment()),
        spacing="1", width="100%", class_name="form-field", data_field=f["name"].to(str),
    )


def _chooser() -> rx.Component:
    return rx.vstack(
        rx.text("Tipo de paso", size="2", weight="medium"),
        rx.select.root(
            rx.select.trigger(placeholder="Elija el tipo de paso", id="step-type-picker", width="100%"),
            rx.select.content(rx.foreach(F.types, lambda t: rx.select.item(
                t["type"] + " — " + t["summary"], value=t["type"]))),
            value=F.step_type, on_change=F.choose,
        ),
        spacing="1", width="100%",
    )


def form_dialog() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title(F.heading),
        rx.cond(F.summary != "", rx.dialog.description(F.summary, size="2", color=MUTED)),
        rx.grid(
            rx.vstack(
                rx.cond(F.mode == "add", _chooser()),
                rx.foreach(F.fields, _field),
                rx.cond(F.form_error != "", rx.callout(F.form_error, icon="triangle_alert", color_scheme="red",
                                                       width="100%", class_name="form-error", role="alert")),
                error_panel(),
                spacing="3", width="100%",
            ),
            rx.cond(F.help != "", rx.box(rx.markdown(F.help), class_name="step-help", font_size="0.85rem",
                                         max_height="65vh", overflow="auto", padding="0.75rem", min_width="0",
                                         background=rx.color("gray", 2), border_radius="var(--radius-2)",
                                         style=HELP_CSS)),
            columns=rx.cond(F.help != "", "minmax(0, 1fr) minmax(0, 1fr)", "1fr"), gap="1.25rem", width="100%",
            margin_top="0.5rem",
        ),
        rx.hstack(
            rx.button("Cancelar", variant="soft", color_scheme="gray", on_click=F.close),
            rx.button("Guardar", on_click=A.save_form, loading=EditorState.busy,
                      disabled=(F.mode == "add") & (F.step_type == ""), id="form-save"),
            justify="end", spacing="3", width="100%", margin_top="1rem",
        ),
        max_width="64rem", max_height="90vh", overflow="auto",
    ), open=F.open, on_open_change=F.set_open)
