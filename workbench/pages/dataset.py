"""/workbench/[slug] — a dataset: spec as YAML, parameters, layers and steps, expectations, runs, lineage."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workbench.components.layout import error_callout, loading, page, section
from workbench.components.tables import check_cell, code, run_columns, simple_table, text
from workbench.components import routes
from workbench.state.auth import AuthState
from workbench.state.dataset import DatasetState


def _layer(layer: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.badge(layer["name"], size="2", color_scheme="indigo"), align="center"),
        simple_table(layer["steps"].to(list[dict[str, str]]), [
            ("#", text("n")),
            ("Paso", code("type")),
            ("Columnas", text("columns")),
            ("Opciones", text("options", color=rx.color("gray", 11))),
        ], empty="Sin pasos.", row_class="step-row"),
        width="100%",
        spacing="2",
        class_name="layer",
    )


def _facts() -> rx.Component:
    def fact(label: str, value: rx.Var | rx.Component) -> rx.Component:
        return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))

    return rx.data_list.root(
        fact("Identificador", rx.code(DatasetState.slug)),
        fact("Versión del spec", rx.badge(DatasetState.version, variant="outline", color_scheme="gray")),
        fact("Responsable", DatasetState.owner),
        fact("Estado", rx.cond(DatasetState.active, rx.badge("Activo", color_scheme="green"),
                               rx.badge("Inactivo (spec retirado)", color_scheme="gray"))),
        orientation="horizontal",
        size="2",
    )


def dataset_page() -> rx.Component:
    return page(
        routes.DATASETS,
        DatasetState.title,
        loading(DatasetState.loading),
        error_callout(DatasetState.error),
        rx.cond(
            DatasetState.error == "",
            rx.vstack(
                rx.card(rx.vstack(rx.text(DatasetState.description, size="2"), _facts(), spacing="3"), width="100%"),
                section("Parámetros", simple_table(DatasetState.params, [
                    ("Nombre", code("name")), ("Tipo", text("type")), ("Obligatorio", text("required")),
                    ("Por defecto", text("default")), ("Desde el nombre del archivo", code("from_filename")),
                    ("Descripción", text("description")),
                ], empty="Este dataset no tiene parámetros.")),
                section("Capas y pasos", rx.foreach(DatasetState.layers, _layer)),
                section("Expectativas de calidad", simple_table(DatasetState.expectations, [
                    ("Capa", text("layer")), ("Control", check_cell), ("Severidad", text("severity")),
                ], empty="Sin expectativas declaradas.", row_class="expectation-row")),
                section("Ejecuciones recientes", simple_table(DatasetState.runs, run_columns(),
                                                              empty="Aún no hay ejecuciones.", row_class="run-row")),
                section("Linaje", rx.text("De dónde viene cada capa y hacia dónde va (el grafo interactivo llega "
                                          "más adelante).", size="2", color=rx.color("gray", 11)),
                        simple_table(DatasetState.lineage, [
                            ("Origen", lambda r: rx.vstack(rx.text(r["source"], size="2"),
                                                           rx.text(r["source_kind"], size="1", color=rx.color("gray", 10)),
                                                           spacing="0")),
                            ("Destino", lambda r: rx.vstack(rx.text(r["target"], size="2"),
                                                            rx.text(r["target_kind"], size="1", color=rx.color("gray", 10)),
                                                            spacing="0")),
                            ("Ejecuciones", text("runs")),
                        ], empty="Sin linaje registrado: aparece tras la primera ejecución.")),
                section("Spec (YAML)", rx.code_block(DatasetState.yaml, language="yaml", show_line_numbers=True,
                                                     wrap_long_lines=True, width="100%", font_size="0.8rem",
                                                     class_name="spec-yaml", max_height="32rem", overflow="auto")),
                spacing="4",
                width="100%",
            ),
        ),
        subtitle=rx.Var.create("Dataset ") + DatasetState.slug,
        actions=rx.hstack(
            rx.link(rx.button(rx.icon("pencil", size=16), rx.cond(AuthState.can_run, "Editar reglas", "Ver reglas"),
                              variant="soft"),
                    href=rx.Var.create("/especificaciones/") + DatasetState.slug, class_name="editor-link"),
            rx.link(rx.button(rx.icon("upload", size=16), "Publicaciones", variant="soft"),
                    href=rx.Var.create("/publicaciones/") + DatasetState.slug, class_name="publications-link"),
            spacing="2"),
    )
