"""/especificaciones/[slug] — the rule editor: a dataset's spec as a draft (autosaved, undo/redo), its layers as
step cards, forms for every step type and the spec-level sections, an incremental preview on a sample file, and
publishing with the YAML diff. Viewers see it read-only (the engine refuses their edits anyway)."""

from __future__ import annotations

import reflex as rx

from workbench.components import routes
from workbench.components.editor_form import form_dialog
from workbench.components.editor_preview import preview_panel
from workbench.components.editor_steps import error_panel, layers_panel, publish_dialog, toolbar
from workbench.components.layout import card, error_callout, loading, page, section
from workbench.state.auth import AuthState
from workbench.state.editor import EditorState as E
from workbench.state.editor_form import EditorFormState

MUTED = rx.color("gray", 11)
#: The spec's sections the editor offers (name, Spanish label, what it holds), in the YAML's order.
SECTIONS = (
    ("dataset", "Dataset", "título, descripción y responsable"),
    ("source", "Origen", "formato, codificación, separador, hoja y cómo encontrar el encabezado"),
    ("parameters", "Parámetros", "valores de cada ejecución (p. ej. el año, tomado del nombre del archivo)"),
    ("expectations", "Expectativas", "controles de calidad por capa"),
    ("automation", "Automatización", "bandeja de entrada y horario"),
    ("publication", "Publicación", "capa publicada, clave, particiones y columnas"),
    ("exposures", "Exposiciones", "quién lee la tabla publicada"),
)


def _sections() -> rx.Component:
    return rx.vstack(*(rx.hstack(
        rx.vstack(rx.text(label, size="2", weight="medium"), rx.text(what, size="1", color=MUTED), spacing="0"),
        rx.spacer(),
        rx.cond(AuthState.can_run, rx.button(rx.icon("pencil", size=14), "Editar", size="1", variant="soft",
                                             on_click=EditorFormState.open_section(name),
                                             class_name="section-edit", data_section=name)),
        width="100%", align="center", padding_y="0.3rem", border_bottom=f"1px solid {rx.color('gray', 4)}",
    ) for name, label, what in SECTIONS), spacing="1", width="100%")


def _notes() -> rx.Component:
    return rx.fragment(
        rx.cond(E.published != "", rx.callout(E.published, icon="circle-check", color_scheme="green", width="100%",
                                              id="published-note", role="status")),
        rx.cond(E.stale, rx.callout("La versión vigente del dataset cambió después de abrir este borrador: revise el "
                                    "diff antes de publicar.", icon="info", color_scheme="amber", width="100%")),
        rx.cond(AuthState.known & ~AuthState.can_run, rx.callout(
            rx.text("Su rol (", AuthState.role_label, ") permite ver la especificación, no modificarla."),
            icon="lock", color_scheme="amber", width="100%", class_name="role-notice", role="status")),
    )


def editor_page() -> rx.Component:
    return page(
        routes.DATASETS,
        rx.Var.create("Editor de reglas: ") + E.title,
        loading(E.loading),
        error_callout(E.load_error),
        rx.cond((E.load_error == "") & E.shown, rx.vstack(
            _notes(),
            card(toolbar()),
            error_panel(),
            rx.cond(E.read_only, section("Capas y pasos", layers_panel()), rx.grid(
                section("Capas y pasos", layers_panel()),
                section("Vista previa", preview_panel()),
                columns="minmax(280px, 5fr) 8fr", gap="1rem", width="100%", class_name="editor-main",
            )),
            section("Secciones de la especificación", _sections()),
            section("Borrador (YAML)", rx.code_block(E.yaml, language="yaml", show_line_numbers=True,
                                                     wrap_long_lines=True, width="100%", font_size="0.75rem",
                                                     max_height="28rem", overflow="auto", class_name="draft-yaml")),
            form_dialog(),
            publish_dialog(),
            spacing="4", width="100%",
        )),
        subtitle=rx.cond(E.read_only, rx.Var.create("Especificación vigente de ") + E.slug,
                         rx.Var.create("Borrador de ") + E.slug + " · revisión " + E.revision.to(str)),
        actions=rx.cond(~E.is_new & (E.slug != ""), rx.link(
            rx.button(rx.icon("arrow-left", size=14), "Volver al dataset", variant="soft"),
            href=rx.Var.create("/workbench/") + E.slug, class_name="dataset-link")),
    )
