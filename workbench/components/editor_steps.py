"""The editor's layers: each an ordered list of step cards (type, label, disabled badge) with their buttons
(up, down, edit, disable/enable, delete) and "Agregar paso"; read-only roles see the cards without buttons."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workbench.state.auth import AuthState
from workbench.state.editor import EditorState
from workbench.state.editor_actions import EditorActionsState as A
from workbench.state.editor_form import EditorFormState
from workbench.state.editor_preview import EditorPreviewState

MUTED = rx.color("gray", 11)


def _icon_button(icon: str, label: str, on_click: Any, disabled: Any = False, colour: str = "gray",
                 class_name: str = "") -> rx.Component:
    return rx.tooltip(rx.icon_button(rx.icon(icon, size=14), size="1", variant="ghost", color_scheme=colour,
                                     on_click=on_click, disabled=disabled | EditorState.busy, aria_label=label,
                                     class_name=class_name), content=label)


def _buttons(s: rx.Var[dict[str, Any]]) -> rx.Component:
    layer, index = s["layer"].to(str), s["index"].to(int)
    disabled = s["disabled"].to(bool)
    return rx.cond(AuthState.can_run, rx.hstack(
        _icon_button("arrow-up", "Subir", A.move(layer, index, index - 1), index == 0, class_name="step-up"),
        _icon_button("arrow-down", "Bajar", A.move(layer, index, index + 1), s["last"].to(bool),
                     class_name="step-down"),
        _icon_button("pencil", "Editar", EditorFormState.open_edit(layer, index), class_name="step-edit"),
        rx.cond(disabled,
                _icon_button("eye", "Activar", A.toggle(layer, index, False), class_name="step-toggle"),
                _icon_button("eye-off", "Desactivar", A.toggle(layer, index, True), class_name="step-toggle")),
        _icon_button("trash-2", "Eliminar", A.delete(layer, index), colour="red", class_name="step-delete"),
        spacing="1", align="center",
    ))


def _card(s: rx.Var[dict[str, Any]]) -> rx.Component:
    key = s["key"].to(str)
    selected = EditorPreviewState.selected == key
    return rx.hstack(
        rx.hstack(
            rx.text(s["n"].to(str), size="1", color=MUTED, min_width="1.4rem", text_align="right"),
            rx.vstack(
                rx.hstack(rx.code(s["type"].to(str), size="2", variant="ghost", weight="bold", class_name="step-type"),
                          rx.cond(s["disabled"].to(bool), rx.badge("desactivado", color_scheme="gray",
                                                                  class_name="step-disabled")),
                          spacing="2", align="center"),
                rx.text(s["label"].to(str), size="1", color=MUTED, class_name="step-label"),
                spacing="0", align="start",
            ),
            spacing="2", align="center", cursor="pointer", flex="1",
            on_click=EditorPreviewState.select(s["layer"].to(str), s["index"].to(int)),
            title="Ver la vista previa de este paso",
        ),
        _buttons(s),
        align="center", width="100%", padding="0.45rem 0.6rem", border_radius="var(--radius-2)",
        border=rx.cond(selected, f"2px solid {rx.color('accent', 8)}", f"1px solid {rx.color('gray', 5)}"),
        background=rx.cond(s["disabled"].to(bool), rx.color("gray", 3), rx.color("gray", 1)),
        opacity=rx.cond(s["disabled"].to(bool), "0.7", "1"),
        class_name="step-card", data_key=key,
    )


def _layer(layer: rx.Var[dict[str, Any]]) -> rx.Component:
    name = layer["name"].to(str)
    return rx.vstack(
        rx.hstack(rx.badge(name, size="2", color_scheme="indigo"),
                  rx.text(layer["count"].to(str), " pasos", size="1", color=MUTED), rx.spacer(),
                  rx.cond(AuthState.can_run, rx.button(rx.icon("plus", size=14), "Agregar paso", size="1",
                                                       variant="soft", on_click=EditorFormState.open_add(name),
                                                       class_name="add-step", data_layer=name)),
                  align="center", width="100%"),
        rx.foreach(layer["steps"].to(list[dict[str, Any]]), _card),
        rx.cond(layer["count"].to(int) == 0, rx.text("Sin pasos.", size="2", color=MUTED)),
        spacing="2", width="100%", class_name="editor-layer", data_layer=name,
    )


def layers_panel() -> rx.Component:
    return rx.vstack(rx.foreach(EditorState.layers, _layer), spacing="4", width="100%")


def toolbar() -> rx.Component:
    """Undo/redo, the save indicator with the revision, and Publicar."""
    return rx.hstack(
        rx.cond(AuthState.can_run & ~EditorState.read_only, rx.hstack(
            rx.button(rx.icon("undo-2", size=14), "Deshacer", size="2", variant="soft", on_click=A.undo,
                      disabled=~EditorState.can_undo | EditorState.busy, id="undo-button"),
            rx.button(rx.icon("redo-2", size=14), "Rehacer", size="2", variant="soft", on_click=A.redo,
                      disabled=~EditorState.can_redo | EditorState.busy, id="redo-button"),
            spacing="2")),
        rx.hstack(rx.cond(EditorState.busy, rx.spinner(size="1"), rx.icon("circle-check", size=14, color=MUTED)),
                  rx.text(EditorState.saved, size="2", color=MUTED, id="save-status"), align="center", spacing="1"),
        rx.spacer(),
        rx.badge(EditorState.version, variant="outline", color_scheme="gray", id="draft-version"),
        rx.cond(AuthState.can_run & ~EditorState.read_only, _discard()),
        rx.cond(AuthState.can_run & ~EditorState.read_only, rx.button(
            rx.icon("upload", size=14), "Publicar", size="2", color_scheme="green", on_click=A.ask_publish,
            disabled=EditorState.busy, id="publish-button")),
        align="center", width="100%", wrap="wrap", spacing="3",
    )


def _discard() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(rx.icon("trash-2", size=14), "Descartar borrador", size="2",
                                          variant="soft", color_scheme="gray", id="discard-button")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("¿Descartar el borrador?"),
            rx.alert_dialog.description("Se pierden sus cambios sin publicar; la especificación vigente no cambia.",
                                        size="2"),
            rx.hstack(rx.alert_dialog.cancel(rx.button("Cancelar", variant="soft", color_scheme="gray")),
                      rx.alert_dialog.action(rx.button("Descartar", color_scheme="red", on_click=A.discard,
                                                       id="discard-confirm")),
                      justify="end", spacing="3", margin_top="1rem"),
        ),
    )


def publish_dialog() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Publicar la especificación"),
        rx.dialog.description("Cambios del YAML respecto de la versión actual. Al publicar, el borrador pasa a ser "
                              "la versión vigente del dataset.", size="2"),
        rx.box(rx.code_block(EditorState.diff, language="diff", wrap_long_lines=True, font_size="0.75rem",
                             width="100%"), max_height="55vh", overflow="auto", width="100%", margin_y="0.75rem",
               class_name="publish-diff"),
        rx.cond(EditorState.stale, rx.text(
            rx.switch(checked=EditorState.force, on_change=EditorState.set_force, id="publish-force",
                      margin_right="0.5rem"),
            "La versión vigente cambió desde que se abrió este borrador: publicar igualmente (reemplaza esa versión "
            "por este borrador).", as_="label", size="2", color=rx.color("amber", 11))),
        rx.hstack(
            rx.dialog.close(rx.button("Cancelar", variant="soft", color_scheme="gray")),
            rx.button(rx.icon("upload", size=14), "Publicar esta versión", color_scheme="green", on_click=A.publish,
                      loading=EditorState.busy, id="publish-confirm"),
            justify="end", spacing="3", width="100%",
        ),
        max_width="52rem",
    ), open=EditorState.diff_open, on_open_change=EditorState.set_diff_open)


def error_panel() -> rx.Component:
    """The engine's refusal of the last operation (nothing of it was applied), with each problem."""
    return rx.cond(EditorState.has_error, rx.callout.root(
        rx.callout.icon(rx.icon("triangle_alert")),
        rx.vstack(
            rx.text(EditorState.error["message"].to(str), size="2", weight="medium"),
            rx.foreach(EditorState.error["problems"].to(list[dict[str, str]]), lambda p: rx.text(
                rx.cond(p["line"] != "", p["line"] + " · ", ""), rx.cond(p["path"] != "", rx.code(p["path"]), ""),
                " ", p["message"], size="1")),
            rx.text("No se aplicó ningún cambio.", size="1"),
            rx.hstack(
                rx.cond(EditorState.error["code"].to(str) == "draft-conflict",
                        rx.button("Recargar el borrador", size="1", variant="soft", on_click=A.load,
                                  class_name="reload-draft")),
                rx.button("Cerrar", size="1", variant="ghost", on_click=EditorState.clear_error),
                spacing="2"),
            spacing="1", align="start",
        ),
        color_scheme="red", role="alert", width="100%", class_name="editor-error",
    ))
