"""Quality control: the overall badge (a failed QA is red, with a banner saying publication is blocked), one
line per check, and the failing rows of failed checks with the RAW cells they came from."""

from __future__ import annotations

from typing import Any, Callable

import reflex as rx

from workbench.components.status import badge
from workbench.components.tables import simple_table

BLOCKED = "Control de calidad fallido: la publicación está bloqueada"


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
        ("Control", lambda c: rx.vstack(rx.code(c["id"], variant="ghost", size="2"),
                                        rx.text(c["description"], size="1", color=rx.color("gray", 11)),
                                        spacing="0")),
        ("Capa", lambda c: rx.text(c["layer"], size="2")),
        ("Severidad", lambda c: rx.text(c["severity"], size="2")),
        ("Valor observado", lambda c: rx.text(c["observed"], size="2")),
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
            rx.hstack(rx.badge(row["check"], color_scheme=row["colour"].to(str), variant="surface"),
                      rx.text("Fila RAW ", row["rows"], size="2", weight="medium"),
                      rx.cond(row["sheet"] != "", rx.text("· hoja ", row["sheet"], size="2")),
                      rx.spacer(),
                      rx.button(rx.icon("crosshair", size=14), "Ver en el RAW", size="1", variant="outline",
                                on_click=on_jump(row["first_row"]), class_name="jump-raw"),
                      align="center", width="100%"),
            rx.cond(row["details"] != "", rx.text(row["details"], size="2", color=rx.color("red", 11))),
            rx.text(row["values"], size="1", color=rx.color("gray", 11)),
            rx.hstack(rx.foreach(row["cells"].to(list[dict[str, str]]), lambda c: _cell(c, on_jump)),
                      wrap="wrap", spacing="1"),
            spacing="2", width="100%",
        ),
        class_name="qa-failure", padding="0.75rem", border_radius="var(--radius-2)", width="100%",
        border=f"1px solid {rx.color('red', 6)}", background=rx.color("red", 2),
    )


def qa_panel(qa: rx.Var[dict[str, Any]], on_jump: Callable[[rx.Var], Any]) -> rx.Component:
    failures = qa["failures"].to(list[dict[str, Any]])
    return rx.vstack(
        rx.hstack(badge(qa["label"].to(str), qa["colour"].to(str)),
                  rx.text(qa["summary"].to(str), size="2", color=rx.color("gray", 11)), align="center",
                  class_name="qa-status"),
        _checks(qa["checks"].to(list[dict[str, str]])),
        rx.cond(failures.length() > 0, rx.vstack(
            rx.heading("Filas que no cumplen", size="3", as_="h3"),
            rx.text("Cada fila con las celdas del archivo RAW de donde vienen (resaltadas en rojo en la grilla RAW).",
                    size="2", color=rx.color("gray", 11)),
            rx.foreach(failures, lambda r: _failure(r, on_jump)),
            spacing="2", width="100%",
        )),
        spacing="3", width="100%",
    )
