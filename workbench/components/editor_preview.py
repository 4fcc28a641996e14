"""The editor's preview panel: the sample file (upload or a file the dataset's runs read), the per-step status
strip, and the selected step before and after (rows/columns in and out, cells changed, columns added and
removed, its error) with its own help: map_categories' unmapped values with a quick fix, type_cast's failing
values, melt's columns. Every cell is bound as text (escaped by React)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workbench.components.raw_grid import CELL, HEADER_CELL
from workbench.state.auth import AuthState
from workbench.state.editor_actions import EditorActionsState as A
from workbench.state.editor_preview import EditorPreviewState as P

MUTED = rx.color("gray", 11)
SAMPLE_UPLOAD_ID = "sample-upload"


def small_grid(table: rx.Var[dict[str, Any]], class_name: str) -> rx.Component:
    columns = table["columns"].to(list[dict[str, str]])
    return rx.box(rx.el.table(
        rx.el.thead(rx.el.tr(rx.foreach(columns, lambda c: rx.el.th(
            c["name"], style={**HEADER_CELL, "text_align": "left"},
            background=rx.cond(c["mark"] != "", rx.color("green", 4), "var(--gray-3)"))))),
        rx.el.tbody(rx.foreach(table["rows"].to(list[list[str]]), lambda row: rx.el.tr(
            rx.foreach(row, lambda v: rx.el.td(v, style=CELL))))),
        style={"border_collapse": "collapse", "background": "var(--color-panel-solid)"},
    ), max_height="18rem", overflow="auto", width="100%", border=f"1px solid {rx.color('gray', 5)}",
        border_radius="var(--radius-2)", class_name=class_name)


def _sample() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text("Muestra:", size="2", weight="medium"),
                  rx.cond(P.sample != "", rx.code(P.sample, id="sample-name"),
                          rx.text("ninguna: elija un archivo", size="2", color=MUTED)),
                  rx.cond(P.loading | P.uploading, rx.spinner(size="1")), align="center", spacing="2"),
        rx.cond(AuthState.can_run, rx.hstack(
            rx.cond(P.files.length() > 0, rx.select.root(
                rx.select.trigger(placeholder="Un archivo de una ejecución…", id="sample-run-file", max_width="26rem"),
                rx.select.content(rx.foreach(P.files, lambda f: rx.select.item(f["label"], value=f["sha"]))),
                on_change=P.use_file)),
            rx.upload.root(rx.button(rx.icon("file-up", size=14), "Subir un archivo", size="2", variant="soft"),
                           id=SAMPLE_UPLOAD_ID, multiple=False, max_files=1,
                           on_drop=P.receive(rx.upload_files_chunk(upload_id=SAMPLE_UPLOAD_ID)),
                           class_name="sample-dropzone"),
            rx.input(value=P.params_text, on_change=P.set_params_text, on_blur=P.apply_params,
                     placeholder="parámetros: anio=2017",
                     title="Parámetros de la muestra (se aplican al salir del campo)",
                     size="2", width="14rem", aria_label="Parámetros de la muestra", id="sample-params"),
            spacing="2", align="center", wrap="wrap")),
        spacing="2", width="100%",
    )


def _chip(s: rx.Var[dict[str, Any]]) -> rx.Component:
    failed = s["error"].to(str) != ""
    return rx.tooltip(rx.badge(
        s["layer"].to(str), " ", s["n"].to(str), " · ", s["type"].to(str), " · ",
        rx.cond(failed, "error", s["rows"].to(str) + " filas"),
        color_scheme=rx.cond(failed, "red", rx.cond(s["disabled"].to(bool), "gray", "green")),
        variant=rx.cond(s["selected"].to(bool), "solid", "soft"), cursor="pointer", class_name="status-chip",
        on_click=P.select(s["layer"].to(str), s["index"].to(int)),
    ), content=rx.cond(failed, s["error"].to(str), "Filas que deja el paso"))


def _map_help(h: rx.Var[dict[str, Any]]) -> rx.Component:
    unmapped = h["unmapped"].to(list[dict[str, str]])
    return rx.vstack(
        rx.hstack(rx.text("Cobertura del mapeo: ", size="2"), rx.text(h["coverage"].to(str), weight="bold",
                                                                       size="2", id="map-coverage"), spacing="1"),
        rx.hstack(rx.foreach(h["values"].to(list[dict[str, Any]]), lambda v: rx.cond(
            v["mapped"].to(bool), rx.badge(v["value"], " → ", v["mapped_to"], " (", v["count"], ")", variant="soft",
                                           color_scheme="green", class_name="mapped-value"))),
            wrap="wrap", spacing="1"),
        rx.cond(unmapped.length() > 0, rx.vstack(
            rx.text("Valores sin mapear (con cuántas filas los tienen); escriba a qué corresponde cada uno:",
                    size="2"),
            rx.foreach(unmapped, lambda u: rx.hstack(
                rx.code(u["value"], class_name="unmapped-value"), rx.text(u["count"], " filas", size="1", color=MUTED),
                rx.cond(AuthState.can_run, rx.hstack(
                    rx.input(value=P.fix[u["value"]].to(str), on_change=lambda v: P.set_fix(u["value"], v),
                             placeholder="valor mapeado", size="1", width="12rem", class_name="fix-input"),
                    rx.button("Agregar al mapeo", size="1", variant="soft", on_click=A.add_mapping(u["value"]),
                              class_name="fix-button"),
                    spacing="2")),
                align="center", spacing="3", class_name="unmapped-row", data_value=u["value"])),
            spacing="2", class_name="unmapped"),
            rx.text("Todos los valores de la muestra están mapeados.", size="2", color=rx.color("green", 11),
                    class_name="all-mapped")),
        spacing="2", width="100%",
    )


def _cast_help(h: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.vstack(rx.foreach(h["casts"].to(list[dict[str, Any]]), lambda c: rx.hstack(
        rx.code(c["column"]), rx.text("→ ", c["type"], size="2"),
        rx.cond(c["missing"].to(bool), rx.text("la columna no existe en este punto", size="2",
                                               color=rx.color("red", 11)), rx.cond(c["failing"].to(bool),
                rx.text(c["failures"], " valores no se pueden convertir, p. ej. ", c["examples"], size="2",
                        color=rx.color("red", 11)),
                rx.text("todos los valores se convierten", size="2", color=rx.color("green", 11)))),
        spacing="2", align="center", class_name="cast-row")), spacing="1", width="100%")


def _melt_help(h: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.vstack(
        rx.text("Columnas que despivota:", size="2"),
        rx.hstack(rx.foreach(h["taken"].to(list[str]), lambda c: rx.badge(
            c, rx.cond(h["new"].to(list[str]).contains(c), " (nueva)", ""),
            color_scheme=rx.cond(h["new"].to(list[str]).contains(c), "amber", "indigo"))), wrap="wrap", spacing="1",
            class_name="melt-taken"),
        rx.cond(h["missing"].to(list[str]).length() > 0, rx.text(
            "No existen en este punto: ", h["missing"].to(list[str]).join(", "), size="2", color=rx.color("red", 11))),
        rx.text("Se mantienen: ", h["kept"].to(list[str]).join(", "), size="1", color=MUTED),
        spacing="1", width="100%",
    )


def _help() -> rx.Component:
    h = P.view["help"].to(dict[str, Any])
    return rx.cond(h["error"].to(str) != "", rx.text("Ayuda no disponible: ", h["error"].to(str), size="2",
                                                     color=rx.color("amber", 11)), rx.match(
        P.view["type"].to(str),
        ("map_categories", _map_help(h)), ("type_cast", _cast_help(h)), ("melt", _melt_help(h)),
        rx.fragment(),
    ))


def _fact(label: str, value: rx.Var) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color=MUTED), rx.text(value, size="2", weight="medium"), spacing="0")


def _detail() -> rx.Component:
    v = P.view
    error = v["error"].to(dict[str, Any])
    return rx.cond(P.has_view, rx.vstack(
        rx.vstack(rx.heading(v["title"].to(str), size="3", as_="h3"),
                  rx.text(v["label"].to(str), size="1", color=MUTED, font_family="var(--code-font-family)"),
                  spacing="1"),
        rx.cond(error.length() > 0, rx.callout(error["message"].to(str), icon="triangle_alert", color_scheme="red",
                                               width="100%", class_name="step-error", role="alert")),
        rx.hstack(_fact("Filas", v["rows"].to(str)), _fact("Columnas", v["columns"].to(str)),
                  _fact("Celdas cambiadas", v["changed_total"].to(str)),
                  _fact("Columnas nuevas", v["added"].to(list[str]).join(", ")),
                  _fact("Columnas quitadas", v["removed"].to(list[str]).join(", ")),
                  spacing="5", wrap="wrap", class_name="step-facts"),
        rx.box(_help(), width="100%", class_name="step-help-panel"),
        rx.grid(
            rx.vstack(rx.text("Antes", size="2", weight="medium"),
                      small_grid(v["before"].to(dict[str, Any]), "grid-before"),
                      spacing="1", min_width="0"),
            rx.vstack(rx.text("Después", size="2", weight="medium"),
                      rx.cond(error.length() > 0, rx.text("El paso no se pudo aplicar: no hay tabla después.", size="2",
                                                          color=MUTED),
                              small_grid(v["after"].to(dict[str, Any]), "grid-after")),
                      spacing="1", min_width="0"),
            columns="2", gap="0.75rem", width="100%",
        ),
        rx.text(v["timing"].to(str), size="1", color=MUTED),
        spacing="3", width="100%", class_name="step-preview",
    ), rx.text("Elija un paso (en la lista o en la franja) para ver la tabla antes y después de él.", size="2",
               color=MUTED))


def preview_panel() -> rx.Component:
    return rx.vstack(
        _sample(),
        rx.cond(P.error != "", rx.callout(P.error, icon="triangle_alert", color_scheme="red", width="100%",
                                          role="alert", class_name="preview-error")),
        rx.cond(P.strip.length() > 0, rx.hstack(rx.foreach(P.strip, _chip), wrap="wrap", spacing="1",
                                                class_name="status-strip")),
        _detail(),
        spacing="3", width="100%", class_name="editor-preview",
    )
