"""/herramientas/colas — RQ queues with their counts, workers with their state, latest failed jobs."""

from __future__ import annotations

import reflex as rx

from workbench.components.layout import error_callout, loading, page, section
from workbench.components.status import badge
from workbench.components.tables import code, simple_table, text
from workbench.components import routes
from workbench.state.queues import QueuesState


def queues_page() -> rx.Component:
    return page(
        routes.TOOLS,
        "Colas y workers",
        loading(QueuesState.loading),
        error_callout(QueuesState.error),
        section("Colas", simple_table(QueuesState.queues, [
            ("Cola", lambda r: rx.vstack(rx.text(r["label"], size="2", weight="medium"),
                                         rx.code(r["name"], size="1", variant="ghost"), spacing="0")),
            ("En espera", text("queued")), ("En curso", text("started")), ("Fallidos", text("failed")),
            ("Terminados", text("finished")), ("Programados", text("scheduled")),
        ], row_class="queue-row")),
        section("Workers", simple_table(QueuesState.workers, [
            ("Nombre", code("name")), ("Estado", lambda r: badge(r["state"], r["colour"])),
            ("Colas", text("queues")), ("Trabajo actual", text("job")), ("Último latido (UTC)", text("heartbeat")),
            ("Exitosos", text("done")), ("Fallidos", text("failed")),
        ], empty="No hay workers activos: inicie uno con workbench serve o workbench worker.")),
        section("Trabajos fallidos recientes", simple_table(QueuesState.failed, [
            ("Trabajo", code("id")), ("Cola", text("queue")), ("Descripción", text("description")),
            ("Terminó (UTC)", text("ended")), ("Error", text("error", color=rx.color("red", 11))),
        ], empty="Sin trabajos fallidos.")),
        subtitle="El trabajo en segundo plano (Redis + RQ): ejecuciones, backfills y vistas previas.",
        actions=rx.button(rx.icon("refresh-cw", size=16), "Actualizar", on_click=QueuesState.load, variant="soft"),
    )
