"""/publicaciones/[slug] — a dataset's releases of its gold table (who proposed and approved, QA, diff summary)
and the form that proposes a run; /publicaciones/[slug]/[release_id] — one release's diff and decisions."""

from __future__ import annotations

import reflex as rx

from workbench.components import routes
from workbench.components.layout import error_callout, loading, page, section
from workbench.components.status import badge
from workbench.components.tables import simple_table, text
from workbench.state.auth import AuthState
from workbench.state.publications import PublicationsState, ReleaseState


def _status(row: rx.Var) -> rx.Component:
    return badge(row["status"], row["colour"])


def _propose_form() -> rx.Component:
    return rx.cond(AuthState.can_run, section(
        "Proponer una publicación",
        rx.text("Solo se publican ejecuciones cuya calidad pasó. Otra persona con rol publicador revisa las "
                "diferencias y aprueba; recién entonces cambia la tabla publicada.", size="2",
                color=rx.color("gray", 11)),
        rx.hstack(
            rx.input(placeholder="N.º de ejecución", value=PublicationsState.run_id, id="propose-run",
                     on_change=PublicationsState.set_run_id, width="10rem"),
            rx.checkbox("Reconozco las advertencias de calidad", checked=PublicationsState.acknowledge,
                        on_change=PublicationsState.set_acknowledge, id="propose-ack"),
            rx.button(rx.icon("send", size=16), "Proponer", on_click=PublicationsState.propose,
                      loading=PublicationsState.busy, id="propose-button"),
            align="center", spacing="3", wrap="wrap"),
    ))


def publications_page() -> rx.Component:
    return page(
        routes.DATASETS,
        rx.Var.create("Publicaciones de ") + PublicationsState.slug,
        loading(PublicationsState.loading),
        error_callout(PublicationsState.error),
        rx.card(rx.text("Tabla publicada: ", rx.code(PublicationsState.table), ". Cada publicación reemplaza sus "
                        "particiones completas en una sola transacción; los lectores nunca ven una mezcla.",
                        size="2"), width="100%"),
        _propose_form(),
        section("Publicaciones", simple_table(PublicationsState.rows, [
            ("#", lambda r: rx.link(rx.text("#", r["id"], weight="medium"), href=r["href"], size="2",
                                    class_name="release-link")),
            ("Estado", _status),
            ("Ejecución", lambda r: rx.link(r["run"], href=r["run_href"], size="2")),
            ("Particiones", text("partitions")),
            ("Calidad", text("qa")),
            ("Filas", text("rows")),
            ("Cambios (+ − ~ =)", text("diff")),
            ("Propuso", text("proposer")),
            ("Aprobó", text("approver")),
            ("Propuesta (UTC)", text("proposed")),
        ], empty="Aún no hay publicaciones de este dataset.", row_class="release-row")),
        subtitle="Versiones de la tabla publicada (gold): quién las propuso y aprobó, su calidad y qué cambiaron.",
        actions=rx.hstack(
            rx.link(rx.button(rx.icon("rss", size=16), "Cambios (Atom)", variant="soft"),
                    href=rx.Var.create("/workbench/datasets/") + PublicationsState.slug + "/changelog.atom",
                    is_external=True),
            rx.link(rx.button(rx.icon("arrow_left", size=16), "Dataset", variant="soft"),
                    href=rx.Var.create("/workbench/") + PublicationsState.slug),
            spacing="2"),
    )


def _facts() -> rx.Component:
    def fact(label: str, value: rx.Var | rx.Component) -> rx.Component:
        return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))

    info = ReleaseState.info
    return rx.data_list.root(
        fact("Estado", badge(info["status"], info["colour"])),
        fact("Tabla", rx.code(info["table"])),
        fact("Particiones", info["partitions"]),
        fact("Ejecución", rx.link(info["run"], href=info["run_href"])),
        fact("Calidad", info["qa"]),
        fact("Spec", info["spec"]),
        fact("Archivo", info["inputs"]),
        fact("Reemplaza", info["replaces"]),
        fact("Propuso", info["proposer"]),
        fact("Aprobó", info["approver"]),
        fact("Vence", info["expires"]),
        fact("Copias", info["snapshot"]),
        fact("Contenido (hash)", rx.code(info["content_hash"], size="1", class_name="content-hash")),
        orientation="horizontal", size="2")


def _counts() -> rx.Component:
    c = ReleaseState.counts

    def stat(label: str, value: rx.Var, colour: str, cls: str) -> rx.Component:
        return rx.card(rx.vstack(rx.text(label, size="1", color=rx.color("gray", 11)),
                                 rx.text(value, size="5", weight="bold", color=rx.color(colour, 11)),
                                 spacing="0"), class_name=cls)

    return rx.hstack(stat("Agregadas", c["added"], "green", "diff-added"),
                     stat("Eliminadas", c["removed"], "red", "diff-removed"),
                     stat("Modificadas", c["changed"], "amber", "diff-changed"),
                     stat("Sin cambios", c["unchanged"], "gray", "diff-unchanged"),
                     stat("Filas antes", c["before"], "gray", "diff-before"),
                     stat("Filas después", c["after"], "gray", "diff-after"), spacing="3", wrap="wrap")


def _decisions() -> rx.Component:
    status = ReleaseState.info["status_key"]
    reason = rx.input(placeholder="Motivo (obligatorio para rechazar)", value=ReleaseState.reason,
                      on_change=ReleaseState.set_reason, id="release-reason", width="24rem")
    return rx.cond(AuthState.can_publish, section(
        "Decisión",
        rx.cond(status == "proposed", rx.text(
            "Revise las diferencias. Aprobar publica de inmediato esta versión exacta (su hash de contenido); "
            "no puede aprobar una publicación que usted propuso.", size="2", color=rx.color("gray", 11))),
        rx.hstack(
            reason,
            rx.cond(status == "proposed", rx.button(rx.icon("check", size=16), "Aprobar y publicar", color_scheme="green",
                                                    on_click=ReleaseState.decide("approve"), loading=ReleaseState.busy,
                                                    id="approve-button")),
            rx.cond((status == "proposed") | (status == "approved"),
                    rx.button(rx.icon("x", size=16), "Rechazar", color_scheme="red", variant="soft",
                              on_click=ReleaseState.decide("reject"), loading=ReleaseState.busy, id="reject-button")),
            rx.cond(status == "published",
                    rx.button(rx.icon("undo_2", size=16), "Revertir", color_scheme="amber", variant="soft",
                              on_click=ReleaseState.decide("rollback"), loading=ReleaseState.busy,
                              id="rollback-button")),
            align="center", spacing="3", wrap="wrap"),
    ))


def release_page() -> rx.Component:
    return page(
        routes.DATASETS,
        rx.Var.create("Publicación #") + ReleaseState.info["id"].to(str),
        loading(ReleaseState.loading),
        error_callout(ReleaseState.error),
        rx.cond(ReleaseState.error == "", rx.vstack(
            rx.card(_facts(), width="100%"),
            _decisions(),
            section("Diferencias con lo publicado", rx.text("Por clave de negocio: ", rx.code(ReleaseState.diff["key"].to(str)),
                                                           size="2"), _counts()),
            section("Totales antes y después", simple_table(ReleaseState.totals, [
                ("Grupo", text("group")), ("Antes", text("before")), ("Después", text("after")),
                ("Diferencia", text("delta")),
            ], empty="El spec no declara totales (publication.totals).", row_class="total-row")),
            section("Totales de control del archivo", simple_table(ReleaseState.controls, [
                ("Control", text("name")), ("Valor", text("value")), ("Dónde", text("where")),
            ], empty="El archivo no trae totales de control.")),
            rx.cond(ReleaseState.diff["truncated"].to(bool), rx.callout(
                rx.Var.create("Se muestran las primeras 50 filas de cada tipo. La lista completa: "
                              "GET /workbench/releases/") + ReleaseState.info["id"].to(str)
                + "/diff o `workbench releases diff " + ReleaseState.info["id"].to(str) + " --limit 100000`.",
                icon="info", color_scheme="gray", width="100%")),
            section("Filas modificadas", simple_table(ReleaseState.changes, [
                ("Clave", text("key")), ("Columna", text("column")), ("Antes", text("old")), ("Después", text("new")),
                ("Diferencia", text("delta")),
            ], empty="Ninguna fila cambia de valor.", row_class="change-row")),
            section("Filas agregadas", simple_table(ReleaseState.added, [("Clave", text("key")), ("Valores", text("values"))],
                                                    empty="Ninguna fila nueva.", row_class="added-row")),
            section("Filas eliminadas", simple_table(ReleaseState.removed, [("Clave", text("key")),
                                                                            ("Valores", text("values"))],
                                                     empty="Ninguna fila desaparece.", row_class="removed-row")),
            section("Registro de decisiones", simple_table(ReleaseState.events, [
                ("Fecha (UTC)", text("at")), ("Quién", text("actor")), ("Qué", text("action")),
                ("Motivo", text("reason")),
            ], row_class="event-row")),
            spacing="4", width="100%")),
        subtitle=rx.Var.create("Dataset ") + ReleaseState.info["slug"].to(str),
        actions=rx.link(rx.button(rx.icon("arrow_left", size=16), "Publicaciones", variant="soft"),
                        href=rx.Var.create("/publicaciones/") + ReleaseState.info["slug"].to(str)),
    )
