"""Simple data tables over view-ready rows (lists of dicts of display text)."""

from __future__ import annotations

from typing import Callable

import reflex as rx

from workbench.components.status import badge

Column = tuple[str, Callable[[rx.Var], rx.Component]]


def simple_table(rows: rx.Var, columns: list[Column], *, empty: str | rx.Var = "Sin datos.",
                 row_class: str = "") -> rx.Component:
    return rx.cond(
        rows.length() > 0,  # type: ignore[attr-defined]
        rx.table.root(
            rx.table.header(rx.table.row(*(rx.table.column_header_cell(title) for title, _ in columns))),
            rx.table.body(rx.foreach(rows, lambda row: rx.table.row(
                *(rx.table.cell(render(row)) for _, render in columns), class_name=row_class))),
            width="100%",
            size="1",
            variant="surface",
        ),
        rx.text(empty, size="2", color=rx.color("gray", 11)),
    )


def text(key: str, **props) -> Callable[[rx.Var], rx.Component]:
    return lambda row: rx.text(row[key], size="2", **props)


def code(key: str) -> Callable[[rx.Var], rx.Component]:
    return lambda row: rx.code(row[key], variant="ghost", size="2")


def check_cell(c: rx.Var) -> rx.Component:
    """A check: its id, what it expects (a Spanish sentence) and the spec's own description."""
    return rx.vstack(rx.code(c["id"], variant="ghost", size="1"),
                     rx.text(c["sentence"], size="2", class_name="check-sentence"),
                     rx.cond(c["description"] != "", rx.text(c["description"], size="1", color=rx.color("gray", 11))),
                     spacing="0", max_width="34rem")


def run_status(row: rx.Var) -> rx.Component:
    return rx.hstack(badge(row["run_label"], row["run_colour"]), badge(row["qa_label"], row["qa_colour"]),
                     spacing="1", wrap="wrap")


def run_columns(with_dataset: bool = False) -> list[Column]:
    columns: list[Column] = [
        ("#", lambda r: rx.text(r["id"], size="2", weight="medium")),
        ("Creada (UTC)", text("created")),
        ("Estado", run_status),
        ("Spec", text("version")),
        ("Filas", text("rows")),
        ("Duración", text("duration")),
        ("Archivo", text("file")),
        ("Detalle", text("error", color=rx.color("red", 11))),
    ]
    if with_dataset:
        columns.insert(1, ("Dataset", lambda r: rx.link(r["dataset"], href=r["href"], size="2")))
    return columns
