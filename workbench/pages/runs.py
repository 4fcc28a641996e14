"""/ejecuciones — every run, newest first, filtered by dataset, run status, QA status and date; each row opens
its run page."""

from __future__ import annotations

import reflex as rx

from workbench.components.layout import error_callout, loading, only_for_runners, page
from workbench.components.tables import run_columns, simple_table
from workbench.components import routes
from workbench.state.runs import RunsState


def _labelled(label: str, control: rx.Component, html_for: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color=rx.color("gray", 11), as_="label", html_for=html_for), control,
                     spacing="1")


def _filters() -> rx.Component:
    return rx.card(rx.hstack(
        _labelled("Dataset", rx.select(RunsState.dataset_options, value=RunsState.dataset, id="run-dataset",
                                       on_change=lambda v: RunsState.set_filter("dataset", v)), "run-dataset"),
        _labelled("Estado", rx.select(RunsState.status_options, value=RunsState.status, id="run-status",
                                      on_change=lambda v: RunsState.set_filter("status", v)), "run-status"),
        _labelled("Calidad", rx.select(RunsState.qa_options, value=RunsState.qa, id="run-qa",
                                       on_change=lambda v: RunsState.set_filter("qa", v)), "run-qa"),
        _labelled("Desde (UTC)", rx.input(type="date", value=RunsState.since, id="run-since",
                                          on_change=lambda v: RunsState.set_filter("since", v)), "run-since"),
        _labelled("Hasta (UTC)", rx.input(type="date", value=RunsState.until, id="run-until",
                                          on_change=lambda v: RunsState.set_filter("until", v)), "run-until"),
        rx.button("Limpiar filtros", variant="ghost", size="2", on_click=RunsState.clear_filters),
        align="end", spacing="4", wrap="wrap",
    ), width="100%")


def runs_page() -> rx.Component:
    columns = run_columns(with_dataset=True)
    columns[0] = ("#", lambda r: rx.link(rx.text("#", r["id"], weight="medium"), href=r["run_href"], size="2",
                                         class_name="run-link"))
    return page(
        routes.RUNS,
        "Ejecuciones",
        _filters(),
        rx.hstack(rx.text(RunsState.summary, size="2", color=rx.color("gray", 11), class_name="runs-summary"),
                  loading(RunsState.loading), align="center", spacing="3"),
        error_callout(RunsState.error),
        rx.card(simple_table(RunsState.rows, columns, empty="Ninguna ejecución coincide con los filtros.",
                             row_class="run-row"), width="100%"),
        rx.hstack(
            rx.button("Anterior", variant="soft", size="1", disabled=RunsState.page == 0, on_click=RunsState.go(-1)),
            rx.text("Página ", RunsState.page + 1, " de ", RunsState.page_count, size="2"),
            rx.button("Siguiente", variant="soft", size="1", disabled=RunsState.page + 1 >= RunsState.page_count,
                      on_click=RunsState.go(1)),
            align="center", spacing="2",
        ),
        subtitle="Cada archivo procesado: con qué versión del spec, cuántas filas produjo y si pasó la calidad.",
        actions=only_for_runners(rx.link(rx.button(rx.icon("layers", size=16), "Cargas masivas", variant="soft"),
                                         href=routes.BACKFILLS)),
    )
