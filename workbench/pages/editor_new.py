"""/especificaciones/nueva — a new spec from a file: upload it, check the proposed header row and source options
over the RAW head, give each column its role (key, measure to melt, attribute, drop) and type, name the dataset,
and continue in the editor with its first draft."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workbench.components import routes
from workbench.components.editor_preview import small_grid
from workbench.components.layout import card, only_for_runners, page, role_notice, section
from workbench.state.editor_new import NewSpecState as N
from workbench.state.editor_views import ROLES, TYPES

MUTED = rx.color("gray", 11)
UPLOAD_ID = "new-spec-upload"


def _dropzone() -> rx.Component:
    return rx.upload.root(
        rx.vstack(rx.icon("file_up", size=28, color=rx.color("accent", 9)),
                  rx.text("Arrastre aquí el archivo (CSV o Excel) del nuevo dataset, o haga clic para elegirlo",
                          size="3", weight="medium"),
                  rx.text("Se propone el encabezado, las opciones de lectura y el papel de cada columna.", size="2",
                          color=MUTED),
                  align="center", spacing="2"),
        id=UPLOAD_ID, multiple=False, max_files=1,
        on_drop=N.receive(rx.upload_files_chunk(upload_id=UPLOAD_ID)),
        border=f"2px dashed {rx.color('accent', 7)}", border_radius="var(--radius-3)", padding="2rem", width="100%",
        cursor="pointer", background=rx.color("accent", 2), class_name="new-spec-dropzone",
    )


def _picker(options: dict[str, str], value: rx.Var, on_change: Any, picker_id: rx.Var) -> rx.Component:
    """A select whose options show Spanish labels and send the engine's value."""
    return rx.select.root(
        rx.select.trigger(id=picker_id, min_width="9rem"),
        rx.select.content(*(rx.select.item(label, value=key) for key, label in options.items())),
        value=value, on_change=on_change, size="1",
    )


def _column(c: rx.Var[dict[str, Any]]) -> rx.Component:
    name = c["name"].to(str)
    return rx.table.row(
        rx.table.cell(rx.vstack(
            rx.input(value=c["new_name"].to(str), on_change=lambda v: N.set_name(name, v), size="1", width="15rem",
                     id=rx.Var.create("name-") + c["snake"].to(str), aria_label=rx.Var.create("Nombre de ") + name,
                     font_family="var(--code-font-family)"),
            rx.text(c["name"], size="1", color=MUTED), spacing="1")),
        rx.table.cell(rx.badge(c["kind"], variant="soft", color_scheme="gray")),
        rx.table.cell(rx.text(c["examples"], size="1", color=MUTED, max_width="16rem", truncate=True)),
        rx.table.cell(_picker(ROLES, c["role"].to(str), lambda v: N.set_role(name, v),
                              rx.Var.create("role-") + c["snake"].to(str))),
        rx.table.cell(_picker(TYPES, c["type"].to(str), lambda v: N.set_type(name, v),
                              rx.Var.create("type-") + c["snake"].to(str))),
        class_name="proposed-column", data_column=name,
    )


def _roles_legend() -> rx.Component:
    return rx.text("Clave: identifica la fila (códigos). Medida: un monto que se despivota a filas (medida, monto). "
                   "Atributo: se mantiene como columna. Descartar: no pasa al dataset.", size="1", color=MUTED)


def _proposal() -> rx.Component:
    return rx.cond(N.has_proposal, rx.vstack(
        section("Archivo RAW (primeras filas)",
                rx.text("Formato ", rx.code(N.format), " · fila de encabezado propuesta: ",
                        rx.code(N.header_row, id="proposed-header"), size="2"),
                small_grid(N.raw, "raw-head")),
        section("Opciones de lectura (origen)",
                rx.text("Propuestas a partir del archivo; puede corregirlas (YAML).", size="2", color=MUTED),
                rx.text_area(value=N.source, on_change=N.set_source, rows="6", width="100%", id="source-yaml",
                             font_family="var(--code-font-family)")),
        section("Columnas", _roles_legend(), rx.table.root(
            rx.table.header(rx.table.row(*(rx.table.column_header_cell(h) for h in (
                "Nombre (columna del archivo)", "Tipo detectado", "Ejemplos", "Papel", "Tipo")))),
            rx.table.body(rx.foreach(N.columns, _column)), size="1", width="100%", variant="surface")),
        card(rx.vstack(
            rx.hstack(
                rx.vstack(rx.text("Identificador", as_="label", size="2", weight="medium", html_for="new-slug"),
                          rx.input(value=N.slug, on_change=N.set_slug, id="new-slug", width="18rem"), spacing="1"),
                rx.vstack(rx.text("Título", as_="label", size="2", weight="medium", html_for="new-title"),
                          rx.input(value=N.title, on_change=N.set_title, id="new-title", width="28rem"), spacing="1"),
                spacing="4", wrap="wrap"),
            rx.button(rx.icon("wand-sparkles", size=16), "Crear el borrador y abrir el editor", on_click=N.create,
                      loading=N.creating, id="create-draft"),
            spacing="3")),
        spacing="4", width="100%",
    ))


def new_spec_page() -> rx.Component:
    return page(
        routes.DATASETS,
        "Nueva especificación",
        role_notice("crear especificaciones"),
        only_for_runners(rx.vstack(
            card(rx.vstack(_dropzone(), rx.cond(N.file_name != "", rx.hstack(
                rx.icon("file_text", size=16, color=MUTED), rx.text(N.file_name, size="2", weight="medium"),
                rx.text(N.file_size, size="2", color=MUTED), align="center", spacing="2")),
                rx.cond(N.uploading | N.proposing, rx.hstack(rx.spinner(size="2"), rx.text(
                    "Leyendo el archivo…", size="2", color=MUTED), align="center")),
                spacing="3", width="100%")),
            rx.cond(N.error != "", rx.callout(N.error, icon="triangle_alert", color_scheme="red", width="100%",
                                              role="alert", class_name="new-spec-error")),
            _proposal(),
            spacing="4", width="100%",
        )),
        subtitle="Suba un archivo que el Workbench aún no conoce: se propone cómo leerlo y usted elige las columnas "
                 "clave y las medidas; después se sigue en el editor de reglas.",
    )
