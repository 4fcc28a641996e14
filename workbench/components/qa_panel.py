"""Quality control: the overall badge (a failed QA is red, with a banner saying publication is blocked), one
line per check (its Spanish sentence and what was found), and the failing rows of a failed check, 20 at a
time ("Filas 1–20 de 101"), each by its RAW row with the RAW cells its values came from."""

from __future__ import annotations

from typing import Any, Callable

import reflex as rx

from workbench.components.status import badge
from workbench.components.tables import check_cell, simple_table
from workbench.state.qa_pager import QAPagerState

BLOCKED = "Control de calidad fallido: la publicación está bloqueada"
PAGE = 20


def qa_banner(qa: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.match(
        qa["status"].to(str),
        ("failed", rx.callout(BLOCKED, icon="octagon_x", color_scheme="red", variant="surface", size="2", role="alert",
                              width="100%", class_name="qa-blocked")),
        ("warning", rx.callout("Control de calidad con advertencias: revise las filas señaladas.",
                               icon="triangle_alert", color_scheme="amber", width="100%")),
        rx.fragment(),
    )


def _checks(checks: rx.Var) -> rx.Component:
    return simple_table(checks, [
        ("Estado", lambda c: badge(c["label"], c["colour"])),
        ("Control", check_cell),
        ("Capa", lambda c: rx.text(c["layer"], size="2")),
        ("Severidad", lambda c: rx.text(c["severity"], size="2")),
        ("Resultado", lambda c: rx.text(c["message"], size="2", class_name="check-message", max_width="28rem")),
        ("Filas que fallan", lambda c: rx.text(c["failing"], size="2", weight="medium")),
    ], empty="Sin controles.", row_class="qa-check")


def _cell(cell: rx.Var[dict[str, str]], on_jump: Callable[[rx.Var], Any]) -> rx.Component:
    return rx.button(
        rx.code(cell["label"], size="1", color_scheme="red"),
        rx.text(cell["text"], size="1", max_width="14rem", overflow="hidden", text_overflow="ellipsis",
                white_space="nowrap"),
        size="1", variant="soft", color_scheme="gray", on_click=on_jump(cell["row"]), class_name="raw-cell-link",
        title=rx.Var.create("Ver la fila ") + cell["row"] + " del archivo RAW",
    )


def _failure(row: rx.Var[dict[str, Any]], on_jump: Callable[[rx.Var], Any]) -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.hstack(rx.badge(row["check"], color_scheme="red", variant="surface"),
                      rx.text("Fila RAW ", row["row_label"], size="2", weight="medium", class_name="failure-raw-row"),
                      rx.cond(row["sheet"] != "", rx.text("· hoja ", row["sheet"], size="2")),
                      rx.spacer(),
                      rx.button(rx.icon("crosshair", size=14), "Ver en el RAW", size="1", variant="outline",
                                on_click=on_jump(row["row"]), class_name="jump-raw"),
                      align="center", width="100%"),
            rx.foreach(row["details"].to(list[str]), lambda d: rx.text(d, size="2", color=rx.color("red", 11))),
            rx.text(row["values"], size="1", color=rx.color("gray", 11), class_name="failure-values"),
            rx.hstack(rx.foreach(row["cells"].to(list[dict[str, str]]), lambda c: _cell(c, on_jump)),
                      wrap="wrap", spacing="1"),
            spacing="2", width="100%",
        ),
        class_name="qa-failure", padding="0.75rem", border_radius="var(--radius-2)", width="100%",
        border=f"1px solid {rx.color('red', 6)}", background=rx.color("red", 2),
    )


def _failures(qa: rx.Var[dict[str, Any]], on_jump: Callable[[rx.Var], Any]) -> rx.Component:
    """The failing rows of one check, a page at a time: the preview's first page until the user pages (then
    the page the engine read for this same preview)."""
    paged = QAPagerState.key == qa["key"].to(str)
    check = rx.cond(paged, QAPagerState.check, qa["fail_check"].to(str))
    offset = rx.cond(paged, QAPagerState.offset, 0)
    total = rx.cond(paged, QAPagerState.total, qa["fail_total"].to(int))
    rows = rx.cond(paged, QAPagerState.rows, qa["fail_rows"].to(list[dict[str, Any]]))
    return rx.vstack(
        rx.hstack(rx.heading("Filas que no cumplen", size="3", as_="h3"),
                  rx.select(qa["failed_checks"].to(list[str]), value=check, on_change=QAPagerState.show, size="1",
                            id="qa-fail-check"),
                  rx.text(rx.cond(paged, QAPagerState.label, qa["fail_label"].to(str)), size="2",
                          color=rx.color("gray", 11), class_name="qa-fail-summary"),
                  rx.button("Anterior", size="1", variant="soft", disabled=(offset == 0) | QAPagerState.loading,
                            on_click=QAPagerState.page(check, offset, -1), class_name="qa-fail-prev"),
                  rx.button("Siguiente", size="1", variant="soft", loading=QAPagerState.loading,
                            disabled=offset + PAGE >= total, on_click=QAPagerState.page(check, offset, 1),
                            class_name="qa-fail-next"),
                  spacing="3", align="center", wrap="wrap"),
        rx.text("Cada fila con las celdas del archivo RAW de donde vienen (resaltadas en rojo en la grilla RAW). "
                "La fila es la del archivo: la que muestra Excel, o la línea de un CSV en un editor de texto.",
                size="2", color=rx.color("gray", 11)),
        rx.foreach(rows, lambda r: _failure(r, on_jump)),
        spacing="2", width="100%",
    )


def qa_panel(qa: rx.Var[dict[str, Any]], on_jump: Callable[[rx.Var], Any]) -> rx.Component:
    return rx.vstack(
        rx.hstack(badge(qa["label"].to(str), qa["colour"].to(str)),
                  rx.text(qa["summary"].to(str), size="2", color=rx.color("gray", 11)), align="center",
                  class_name="qa-status"),
        _checks(qa["checks"].to(list[dict[str, Any]])),
        rx.cond(qa["failed_checks"].to(list[str]).length() > 0, _failures(qa, on_jump)),
        spacing="3", width="100%",
    )
