"""/ejecuciones — every run, newest first, with run and QA status side by side."""

from __future__ import annotations

import reflex as rx

from workbench.components.layout import error_callout, loading, page
from workbench.components.tables import run_columns, simple_table
from workbench.pages import routes
from workbench.state.runs import RunsState


def runs_page() -> rx.Component:
    return page(
        routes.RUNS,
        "Ejecuciones",
        rx.hstack(
            rx.text("Mostrar", size="2", color=rx.color("gray", 11), as_="label", html_for="run-filter"),
            rx.select(RunsState.filter_labels, value=RunsState.filter_label, on_change=RunsState.set_filter,
                      id="run-filter"),
            rx.text(RunsState.summary, size="2", color=rx.color("gray", 11)),
            loading(RunsState.loading),
            align="center",
            spacing="3",
        ),
        error_callout(RunsState.error),
        rx.card(simple_table(RunsState.rows, run_columns(with_dataset=True), empty="Aún no hay ejecuciones.",
                             row_class="run-row"), width="100%"),
        rx.hstack(
            rx.button("Anterior", variant="soft", size="1", disabled=RunsState.page == 0, on_click=RunsState.go(-1)),
            rx.text("Página ", RunsState.page + 1, " de ", RunsState.page_count, size="2"),
            rx.button("Siguiente", variant="soft", size="1", disabled=RunsState.page + 1 >= RunsState.page_count,
                      on_click=RunsState.go(1)),
            align="center",
            spacing="2",
        ),
        subtitle="Cada archivo procesado: con qué versión del spec, cuántas filas produjo y si pasó la calidad.",
    )
