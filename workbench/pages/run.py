"""/ejecuciones/[run_id] — one run: inputs, parameters, spec version and its diff against the current one,
timeline, QA (a failed QA shows a red banner and blocks the exports), failing rows with their RAW cells,
control totals, lineage, the error, and the actions (reload in preview, re-run, export, Data Docs)."""

from __future__ import annotations

import reflex as rx

from workbench.components.layout import error_callout, loading, only_for_runners, page, section
from workbench.components.run_progress import run_progress
from workbench.components.status import badge
from workbench.components.tables import check_cell, code, simple_table, text
from workbench.components import routes
from workbench.state.run import RunState
from workbench.state.run_views import EXPORT_CHOICES
QA_BLOCKED = "Control de calidad fallido: publicación bloqueada"


def _fact(label: str, value: rx.Component) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label, min_width="150px"), rx.data_list.value(value))


def _inputs() -> rx.Component:
    i = RunState.info
    return section("Entrada y contexto", rx.data_list.root(
        _fact("Archivo RAW", rx.hstack(rx.text(i["file"], weight="medium"),
                                       rx.link(rx.hstack(rx.icon("download", size=14), rx.text("Descargar"), spacing="1",
                                                         align="center"), href=i["raw_href"],
                                               size="2", reload_document=True, class_name="raw-download"),
                                       spacing="3", align="center")),
        _fact("Tamaño y formato", rx.text(i["size"], " · ", i["format"])),
        _fact("SHA-256", rx.code(i["sha256"], size="1", word_break="break-all", class_name="run-sha256")),
        rx.cond(i["sheet"] != "", _fact("Hoja elegida", rx.text(i["sheet"], class_name="run-sheet"))),
        _fact("Parámetros", rx.hstack(rx.foreach(i["params"].to(list[dict[str, str]]), lambda p: rx.badge(
            p["name"], " = ", p["value"], variant="outline", color_scheme="gray")), spacing="2", wrap="wrap")),
        _fact("Iniciada por", rx.text(i["triggered_by"])),
        _fact("Creada · inicio · fin (UTC)", rx.text(i["created"], " · ", i["started"], " · ", i["finished"])),
        _fact("Duración · filas", rx.text(i["duration"], " · ", i["rows"])),
        rx.cond(i["stages"] != "", _fact("Tiempos", rx.text(i["stages"], size="2", class_name="run-stages"))),
        _fact("Dataset", rx.link(i["dataset"], href=i["dataset_href"])),
        _fact("Carga masiva", rx.cond(i["backfill"] != "", rx.link("#", i["backfill"],
                                      href="/cargas-masivas/" + i["backfill"].to(str)), rx.text("—"))),
        size="2",
    ))


def _spec() -> rx.Component:
    i = RunState.info
    return section(
        "Versión del spec",
        rx.hstack(rx.text("Esta ejecución usó ", size="2"), rx.badge(i["spec_version"], color_scheme="indigo"),
                  rx.text("; la versión actual es ", size="2"), rx.badge(i["current_version"], color_scheme="gray"),
                  spacing="1", align="center", wrap="wrap"),
        rx.cond(i["spec_changed"],
                rx.code_block(i["diff"].to(str), language="diff", width="100%", font_size="0.8rem",
                              max_height="28rem", overflow="auto", class_name="spec-diff"),
                rx.text("Sin cambios: el spec actual es el mismo que usó esta ejecución.", size="2",
                        color=rx.color("gray", 11))),
    )


def _actions() -> rx.Component:
    i = RunState.info
    blocked = RunState.qa_failed | (i["status"] != "succeeded")
    return rx.vstack(
        rx.hstack(
            only_for_runners(rx.link(rx.button(rx.icon("eye", size=16), "Recargar en la vista previa", variant="soft"),
                                     href=i["reload_href"], class_name="reload-preview")),
            only_for_runners(rx.button(rx.icon("rotate-cw", size=16), "Re-ejecutar", on_click=RunState.rerun,
                                       loading=RunState.rerunning, disabled=RunState.is_live, class_name="rerun")),
            rx.cond(i["has_docs"], rx.link(rx.button(rx.icon("shield-check", size=16), "Data Docs", variant="soft"),
                                           href=i["docs_href"], reload_document=True, class_name="data-docs-link")),
            spacing="2", wrap="wrap",
        ),
        rx.cond(i["layers"].to(list[str]).length() > 0, rx.hstack(
            rx.text("Exportar:", size="2", color=rx.color("gray", 11)),
            rx.foreach(i["layers"].to(list[str]), lambda layer: rx.hstack(
                rx.text(layer, size="1", weight="bold"),
                *(rx.cond(blocked,
                          rx.button(label, size="1", variant="outline", disabled=True, class_name="export-button",
                                    title=QA_BLOCKED),
                          rx.link(rx.button(label, size="1", variant="outline", class_name="export-button"),
                                  href="/workbench/runs/" + i["id"].to(str) + "/export?layer=" + layer + "&format=" + fmt,
                                  reload_document=True))
                  for label, fmt in EXPORT_CHOICES),
                spacing="1", align="center")),
            rx.cond(RunState.qa_failed, rx.text("Exportación deshabilitada: la ejecución no pasó el control de "
                                                "calidad.", size="1", color=rx.color("red", 11),
                                                class_name="export-blocked")),
            spacing="3", align="center", wrap="wrap",
        )),
        spacing="3", width="100%",
    )


def _qa() -> rx.Component:
    return section(
        "Calidad",
        simple_table(RunState.checks, [
            ("Control", check_cell), ("Capa", text("layer")), ("Severidad", text("severity")),
            ("Resultado", lambda r: badge(r["label"], r["colour"])), ("Filas que fallan", text("failing")),
            ("Detalle", lambda r: rx.text(r["message"], size="2", class_name="check-message", max_width="28rem")),
        ], empty=RunState.info["no_checks"].to(str), row_class="check-row"),
        rx.cond(RunState.failed_checks.length() > 0, _failures()),  # type: ignore[attr-defined]
    )


def _failures() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.heading("Filas que no cumplen", size="3", as_="h3"),
                  rx.select(RunState.failed_checks, value=RunState.fail_check, on_change=RunState.show_failures,
                            size="1", id="fail-check"),
                  rx.text(RunState.fail_summary, size="2", color=rx.color("gray", 11), class_name="qa-fail-summary"),
                  rx.button("Anterior", size="1", variant="soft", disabled=RunState.fail_offset == 0,
                            on_click=RunState.page_failures(-1), class_name="qa-fail-prev"),
                  rx.button("Siguiente", size="1", variant="soft", on_click=RunState.page_failures(1),
                            disabled=RunState.fail_offset + 20 >= RunState.fail_total, class_name="qa-fail-next"),
                  spacing="3", align="center", wrap="wrap"),
        rx.text("Fila RAW: la del archivo (la que muestra Excel, o la línea de un CSV en un editor de texto).",
                size="1", color=rx.color("gray", 11)),
        simple_table(RunState.fail_rows, [
            ("Fila RAW", lambda r: rx.text(r["row_label"], size="2", weight="medium", class_name="failure-raw-row")),
            ("Capa", text("layer")), ("Valores", text("values")),
            ("Celdas RAW", lambda r: rx.hstack(rx.foreach(r["cells"].to(list[dict[str, str]]), lambda c: rx.badge(
                c["label"], " = ", c["text"], variant="surface", color_scheme="gray", class_name="raw-cell")),
                spacing="1", wrap="wrap")),
            ("Detalle", lambda r: rx.vstack(rx.foreach(r["details"].to(list[str]), lambda d: rx.text(
                d, size="1", color=rx.color("red", 11))), spacing="0")),
        ], empty="Sin filas.", row_class="failure-row"),
        width="100%", spacing="2",
    )


def _warnings() -> rx.Component:
    """What the engine warned about without stopping the run (a renamed duplicate header, values set to missing)."""
    warnings = RunState.info["warnings"].to(list[str])
    return rx.cond(warnings.length() > 0, rx.box(section("Advertencias", rx.foreach(
        warnings, lambda w: rx.text(w, size="2", color=rx.color("amber", 11)))), class_name="run-warnings",
        width="100%"))


def _timeline() -> rx.Component:
    return section("Línea de tiempo", simple_table(RunState.steps, [
        ("Capa", text("layer")), ("#", text("n")), ("Paso", code("type")), ("Detalle", text("label")),
        ("Filas", text("rows", white_space="nowrap")), ("Duración", text("duration", white_space="nowrap")),
    ], empty="Sin pasos registrados (la ejecución no llegó a correr).", row_class="step-row"))


def _totals_and_lineage() -> rx.Component:
    return rx.grid(
        section("Totales de control", simple_table(RunState.totals, [
            ("Control", code("name")), ("Valor en el RAW", text("value")), ("Celda", text("cell")),
        ], empty="Este spec no captura totales de control.")),
        section("Linaje", rx.cond(RunState.nodes.length() > 0, rx.hstack(  # type: ignore[attr-defined]
            rx.foreach(RunState.nodes, lambda n, i: rx.hstack(
                rx.cond(i > 0, rx.icon("arrow-right", size=14, color=rx.color("gray", 9))),
                rx.vstack(rx.text(n["label"], size="2"), rx.text(n["kind"], size="1", color=rx.color("gray", 10)),
                          spacing="0"), align="center", spacing="2")),
            spacing="2", wrap="wrap", align="center"),
            rx.text("Sin linaje: se registra cuando la ejecución termina bien.", size="2",
                    color=rx.color("gray", 11))),
            rx.link("Ver en el grafo de linaje", href=routes.LINEAGE + "?dataset=" + RunState.info["dataset"].to(str),
                    size="2")),
        columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%",
    )


def _error() -> rx.Component:
    f = RunState.failure
    return rx.cond(f.length() > 0, rx.callout(  # type: ignore[attr-defined]
        rx.vstack(rx.text(f["message"], weight="medium"),
                  rx.cond(f["where"] != "", rx.text("Dónde: ", f["where"], size="2")),
                  rx.code(f["code"], size="1", variant="ghost"), spacing="1"),
        icon="triangle_alert", color_scheme="red", width="100%", class_name="run-error", role="alert"))


def run_page() -> rx.Component:
    i = RunState.info
    return page(
        routes.RUNS,
        rx.Var.create("Ejecución #") + RunState.run_id.to_string(),
        loading(RunState.loading),
        error_callout(RunState.error),
        rx.cond(i.length() > 0, rx.vstack(  # type: ignore[attr-defined]
            rx.hstack(badge(i["run_label"], i["run_colour"]), badge(i["qa_label"], i["qa_colour"]),
                      rx.text("Dataset ", rx.link(i["dataset"], href=i["dataset_href"]), size="2"),
                      spacing="2", align="center", class_name="run-badges"),
            rx.cond(RunState.is_live, run_progress(i["status"].to(str), RunState.live_step, RunState.live_done,
                                                  RunState.live_total)),
            rx.cond(RunState.qa_failed, rx.callout(QA_BLOCKED, icon="octagon_x", color_scheme="red", role="alert",
                                                   class_name="qa-banner", size="3", width="100%")),
            _error(),
            _actions(),
            rx.cond(RunState.is_live, rx.fragment(), rx.fragment(_qa(), _warnings())),
            _inputs(),
            _spec(),
            rx.cond(RunState.is_live, rx.fragment(), rx.fragment(_timeline(), _totals_and_lineage())),
            spacing="4", width="100%",
        )),
        subtitle="Qué archivo entró, con qué spec y parámetros, qué pasó en cada paso y si pasó la calidad.",
    )
