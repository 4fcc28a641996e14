"""/automatizacion — Automatización: schedules (next fires, last result, pause/resume, run now), the inboxes'
files and what became of each, the latest triggers, and a red banner while an automated run has failed."""

from __future__ import annotations

import reflex as rx

from workbench.components import routes
from workbench.components.layout import error_callout, loading, only_for_runners, page, section
from workbench.components.status import badge
from workbench.components.tables import simple_table, text
from workbench.state.automation import AutomationState


def _alerts() -> rx.Component:
    return rx.foreach(AutomationState.alerts, lambda a: rx.callout(
        rx.text(rx.text.strong("Falló una ejecución automática de ", a["dataset"], " (archivo ", a["file"], ")"),
                " — ", a["reason"], " (", a["when"], " UTC)"),
        icon="octagon_x", color_scheme="red", role="alert", width="100%", class_name="automation-alert"))


def _actions(row: rx.Var) -> rx.Component:
    busy = AutomationState.busy == row["dataset"]
    return only_for_runners(rx.hstack(
        rx.cond(row["paused"].to(bool),
                rx.button(rx.icon("play", size=14), "Reanudar", size="1", variant="soft", loading=busy,
                          on_click=AutomationState.act(row["dataset"], "resume"), class_name="auto-resume"),
                rx.button(rx.icon("pause", size=14), "Pausar", size="1", variant="soft", color_scheme="orange",
                          loading=busy, on_click=AutomationState.act(row["dataset"], "pause"),
                          class_name="auto-pause")),
        rx.button(rx.icon("zap", size=14), "Ejecutar ahora", size="1", variant="soft", loading=busy,
                  on_click=AutomationState.act(row["dataset"], "run"), class_name="auto-run-now"),
        spacing="2", wrap="wrap"))


def _next(row: rx.Var) -> rx.Component:
    return rx.vstack(rx.foreach(row["next"].to(list[str]), lambda f: rx.text(f, size="1")), spacing="0")


def _run_link(row: rx.Var) -> rx.Component:
    return rx.cond(row["run_href"] != "", rx.link(row["run"], href=row["run_href"], size="2"), rx.text("—", size="2"))


def automation_page() -> rx.Component:
    return page(
        routes.AUTOMATION,
        "Automatización",
        rx.callout(AutomationState.leader, icon="clock", color_scheme="gray", width="100%", class_name="auto-leader"),
        _alerts(),
        loading(AutomationState.loading),
        error_callout(AutomationState.error),
        section("Programaciones", simple_table(AutomationState.schedules, [
            ("Dataset", lambda r: rx.vstack(rx.link(r["dataset"], href="/workbench/" + r["dataset"].to(str), size="2",
                                                    weight="medium"),
                                            rx.text(r["title"], size="1", color=rx.color("gray", 10)), spacing="0")),
            ("Programación", lambda r: rx.vstack(rx.code(r["cron"]), rx.text(r["timezone"], size="1"),
                                                 rx.text("Recuperación: ", r["catchup"], size="1"), spacing="1")),
            ("Próximas ejecuciones", _next),
            ("Última", lambda r: rx.vstack(badge(r["last_label"], r["last_colour"]),
                                           rx.text(r["last_when"], size="1"),
                                           rx.text(r["last_reason"], size="1", color=rx.color("gray", 11)),
                                           spacing="1")),
            ("Estado", lambda r: rx.vstack(badge(r["state"], r["state_colour"]),
                                           rx.text("Activas: ", r["active"], size="1"), spacing="1")),
            ("Bandeja", lambda r: rx.text(r["inbox"], size="1")),
            ("Acciones", _actions),
        ], empty="Ningún spec tiene una sección «automation». Vea docs/automation.md.", row_class="schedule-row")),
        section("Bandejas de entrada", rx.text(
            "Los archivos que se dejan en la bandeja se procesan solos, una vez, cuando dejan de cambiar; el mismo "
            "contenido dos veces se registra como duplicado.", size="2", color=rx.color("gray", 11)),
            simple_table(AutomationState.files, [
                ("Dataset", text("dataset")), ("Archivo", text("name")), ("Tamaño", text("size")),
                ("Modificado (UTC)", text("modified")), ("Estado", lambda r: badge(r["label"], r["colour"])),
                ("Qué pasó", lambda r: rx.text(r["reason"], size="1")), ("Ejecución", _run_link),
            ], empty="Las bandejas están vacías.", row_class="inbox-row")),
        section("Últimas activaciones", simple_table(AutomationState.triggers, [
            ("Cuándo (UTC)", text("when")), ("Dataset", text("dataset")), ("Tipo", text("kind")),
            ("Archivo", text("file")), ("Estado", lambda r: badge(r["label"], r["colour"])),
            ("Detalle", lambda r: rx.text(r["reason"], size="1")), ("Ejecución", _run_link),
        ], empty="Aún no hay activaciones.", row_class="trigger-row")),
        subtitle="Ejecuciones sin intervención: programaciones (cron, en la zona horaria de cada una) y bandejas de "
                 "entrada. Una ejecución automática fallida avisa una vez (webhook, evento y este aviso).",
        actions=rx.button(rx.icon("refresh-cw", size=16), "Actualizar", variant="soft",
                          on_click=AutomationState.load, class_name="auto-refresh"),
    )
