"""/workbench — every dataset with its last run, a chart of its recent runs, search, sort and pages."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workbench.components.charts import run_history
from workbench.components.layout import error_callout, only_for_runners, page
from workbench.components.status import badge
from workbench.components import routes
from workbench.state.datasets import SORTS, DatasetsState


def _row(row: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.link(row["title"], href=row["href"], weight="medium", size="2"),
                rx.text(row["slug"], size="1", color=rx.color("gray", 10), font_family="var(--code-font-family)"),
                rx.text(row["description"], size="1", color=rx.color("gray", 11)),
                spacing="1",
                max_width="420px",
            ),
        ),
        rx.table.cell(rx.badge(row["version"], variant="outline", color_scheme="gray")),
        rx.table.cell(
            rx.vstack(
                rx.hstack(badge(row["run_label"], row["run_colour"]),
                          rx.cond(row["has_run"].to(bool), badge(row["qa_label"], row["qa_colour"])),
                          spacing="1", wrap="wrap"),
                rx.cond(row["has_run"].to(bool), rx.text(row["last_run"], size="1", color=rx.color("gray", 10))),
                spacing="1",
            ),
        ),
        rx.table.cell(rx.text(row["rows"], size="2"), text_align="right",
                      style={"font_variant_numeric": "tabular-nums"}),
        rx.table.cell(rx.cond(row["has_run"].to(bool), run_history(row["history"].to(list[dict[str, Any]])),
                              rx.text("—", size="2", color=rx.color("gray", 10)))),
        class_name="dataset-row",
        data_slug=row["slug"],
    )


def _search() -> rx.Component:
    return rx.debounce_input(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Buscar por nombre, identificador o descripción…",
            value=DatasetsState.search,
            on_change=DatasetsState.set_search,
            aria_label="Buscar datasets",
            width="100%",
            size="2",
            id="dataset-search",
        ),
        debounce_timeout=250,
    )


def _toolbar() -> rx.Component:
    return rx.hstack(
        rx.box(_search(), flex="1", min_width="16rem"),
        rx.hstack(
            rx.text("Ordenar", size="2", color=rx.color("gray", 11), as_="label", html_for="dataset-sort"),
            rx.select(list(SORTS), value=DatasetsState.sort_label, on_change=DatasetsState.set_sort,
                      size="2", id="dataset-sort"),
            align="center",
            spacing="2",
        ),
        width="100%",
        spacing="3",
        align="center",
        wrap="wrap",
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.text(DatasetsState.summary, size="2", color=rx.color("gray", 11), id="dataset-summary"),
        rx.hstack(
            rx.button(rx.icon("chevron-left", size=16), "Anterior", variant="soft", size="1",
                      disabled=DatasetsState.page == 0, on_click=DatasetsState.go(-1)),
            rx.text("Página ", DatasetsState.page + 1, " de ", DatasetsState.page_count, size="2"),
            rx.button("Siguiente", rx.icon("chevron-right", size=16), variant="soft", size="1",
                      disabled=DatasetsState.page + 1 >= DatasetsState.page_count, on_click=DatasetsState.go(1)),
            align="center",
            spacing="2",
        ),
        justify="between",
        align="center",
        width="100%",
        wrap="wrap",
    )


def datasets_page() -> rx.Component:
    return page(
        routes.DATASETS,
        "Datasets",
        _toolbar(),
        error_callout(DatasetsState.error),
        rx.card(
            rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Dataset"),
                    rx.table.column_header_cell("Spec"),
                    rx.table.column_header_cell("Última ejecución"),
                    rx.table.column_header_cell("Filas", text_align="right"),
                    rx.table.column_header_cell("Historial"),
                )),
                rx.table.body(rx.foreach(DatasetsState.rows, _row)),
                width="100%",
                variant="ghost",
                size="2",
            ),
            width="100%",
        ),
        _pager(),
        subtitle="Especificaciones YAML que convierten archivos de DIPRES en tablas ordenadas y validadas.",
        actions=only_for_runners(rx.link(rx.button(rx.icon("plus", size=16), "Nueva especificación"),
                                         href=routes.NEW_SPEC, class_name="new-spec-link")),
    )
