"""/cargas-masivas — backfills: the list and a form to start one; /cargas-masivas/[backfill_id] — one backfill
with its live progress, cancel and resume buttons, and its runs."""

from __future__ import annotations

import reflex as rx

from workbench.components.layout import error_callout, loading, only_for_runners, page, role_notice, section
from workbench.components.run_progress import backfill_progress
from workbench.components.status import badge
from workbench.components.tables import run_columns, simple_table, text
from workbench.components import routes
from workbench.state.backfills import BackfillsState, BackfillState


def _field(label: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.vstack(rx.text(label, size="2", weight="medium", as_="label"), control,
                     rx.cond(hint != "", rx.text(hint, size="1", color=rx.color("gray", 10))), spacing="1",
                     width="100%")


def _form() -> rx.Component:
    return section("Nueva carga masiva", rx.form(
        rx.vstack(
            rx.grid(
                _field("Dataset", rx.select(BackfillsState.datasets, value=BackfillsState.dataset,
                                            on_change=BackfillsState.set_dataset, id="bf-dataset")),
                _field("Archivos (carpeta o patrón en el servidor)",
                       rx.input(name="files", placeholder="examples/*.csv", required=True, id="bf-files", width="100%"),
                       "Solo rutas bajo la carpeta de entrada (<datos>/incoming, WORKBENCH_INCOMING_DIR) o examples/; relativas a la carpeta del producto."),
                _field("Parámetros", rx.input(name="params", placeholder="anio=2017", id="bf-params", width="100%"),
                       "NOMBRE=VALOR separados por espacio o coma; valen para todos los archivos."),
                _field("Parámetros desde el nombre del archivo", rx.input(
                    name="regex", placeholder=r"(?P<anio>\d{4})", id="bf-regex", width="100%"),
                    "Expresión regular con grupos con nombre."),
                columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%",
            ),
            rx.hstack(rx.checkbox("Forzar: ejecutar también archivos ya procesados con el mismo spec", name="force",
                                  id="bf-force"),
                      rx.button(rx.icon("play", size=16), "Iniciar carga masiva", type="submit",
                                loading=BackfillsState.starting, class_name="bf-start"),
                      justify="between", width="100%", align="center", wrap="wrap"),
            error_callout(BackfillsState.form_error),
            spacing="3", width="100%",
        ),
        on_submit=BackfillsState.start, width="100%",
    ))


def backfills_page() -> rx.Component:
    return page(
        routes.BACKFILLS,
        "Cargas masivas",
        only_for_runners(_form()),
        role_notice("iniciar cargas masivas"),
        loading(BackfillsState.loading),
        error_callout(BackfillsState.error),
        rx.card(simple_table(BackfillsState.rows, [
            ("#", lambda r: rx.link("#", r["id"], href=r["href"], size="2", weight="medium")),
            ("Dataset", text("dataset")),
            ("Estado", lambda r: badge(r["label"], r["colour"])),
            ("Avance", text("summary")),
            ("Creada (UTC)", text("created")), ("Iniciada por", text("triggered_by")),
        ], empty="Aún no hay cargas masivas.", row_class="backfill-row"), width="100%"),
        subtitle="Un dataset sobre muchos archivos del servidor (un año de informes mensuales, cientos de "
                 "programas), en segundo plano.",
        actions=rx.link(rx.button(rx.icon("arrow-left", size=16), "Ejecuciones", variant="soft"), href=routes.RUNS),
    )


def backfill_page() -> rx.Component:
    i = BackfillState.info
    return page(
        routes.BACKFILLS,
        rx.Var.create("Carga masiva #") + BackfillState.backfill_id.to_string(),
        loading(BackfillState.loading),
        error_callout(BackfillState.error),
        rx.cond(i.length() > 0, rx.vstack(  # type: ignore[attr-defined]
            rx.card(rx.vstack(
                rx.hstack(badge(i["label"], i["colour"]), rx.text("Dataset ", i["dataset"], size="2"),
                          rx.cond(BackfillState.running, rx.spinner(size="2")),
                          spacing="3", align="center", class_name="backfill-status"),
                backfill_progress(i["progress"].to(dict[str, int]), i["total"].to(int)),
                rx.text("Parámetros: ", i["params"], " · desde el nombre: ", i["regex"], " · forzar: ", i["force"],
                        " · iniciada por ", i["triggered_by"], " el ", i["created"], size="2",
                        color=rx.color("gray", 11)),
                only_for_runners(rx.hstack(
                    rx.button(rx.icon("square", size=16), "Cancelar", color_scheme="red", variant="soft",
                              disabled=~BackfillState.running, loading=BackfillState.busy,
                              on_click=BackfillState.act("cancel"), class_name="bf-cancel"),
                    rx.button(rx.icon("rotate-cw", size=16), "Reintentar fallidos", variant="soft",
                              disabled=~BackfillState.can_resume, loading=BackfillState.busy,
                              on_click=BackfillState.act("resume"), class_name="bf-resume"),
                    spacing="2")),
                spacing="3", width="100%"), width="100%"),
            section("Ejecuciones", simple_table(BackfillState.runs, _run_columns(), row_class="run-row",
                                                empty="Aún no hay ejecuciones.")),
            spacing="4", width="100%",
        )),
        subtitle="Avance en vivo: se actualiza solo mientras la carga está en curso.",
        actions=rx.link(rx.button(rx.icon("arrow-left", size=16), "Cargas masivas", variant="soft"),
                        href=routes.BACKFILLS),
    )


def _run_columns():
    columns = run_columns()
    columns[0] = ("#", lambda r: rx.link("#", r["id"], href=r["run_href"], size="2", weight="medium"))
    return columns
