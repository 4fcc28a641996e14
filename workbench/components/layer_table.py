"""A table of a layer (or of the table after a step): column names with their types, capped sample rows, the
RAW row each row came from in the first column."""

from __future__ import annotations

from typing import Any

import reflex as rx

from workbench.components.raw_grid import CELL, HEADER_CELL, ROW_NUMBER


def _header(column: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.el.th(
        rx.vstack(rx.text(column["name"], size="1", weight="bold", color=rx.color("gray", 12)),
                  rx.text(column["type"], size="1", color=rx.color("accent", 11), weight="regular"),
                  spacing="0", align="start"),
        style={**HEADER_CELL, "text_align": "left"},
        title=rx.cond(column["raw"] != "", rx.Var.create("Columna RAW ") + column["raw"], ""),
    )


def _row(row: rx.Var[list[str]], align: rx.Var[list[str]]) -> rx.Component:
    return rx.el.tr(rx.foreach(row, lambda value, i: rx.cond(
        i == 0, rx.el.td(value, style=ROW_NUMBER), rx.el.td(value, style={**CELL, "text_align": align[i]}))))


def layer_table(table: rx.Var[dict[str, Any]], *, height: str = "24rem", class_name: str = "layer-table") -> rx.Component:
    columns = table["columns"].to(list[dict[str, str]])
    rows = table["rows"].to(list[list[str]])
    align = table["align"].to(list[str])
    return rx.box(
        rx.el.table(
            rx.el.thead(rx.el.tr(rx.el.th("RAW", style={**HEADER_CELL, "left": "0", "z_index": "2"},
                                          title="Fila del archivo RAW de donde viene la fila (la que muestra Excel, o la línea del CSV en un editor)"),
                                 rx.foreach(columns, _header))),
            rx.el.tbody(rx.foreach(rows, lambda row: _row(row, align))),
            style={"border_collapse": "collapse", "background": "var(--color-panel-solid)"},
        ),
        class_name=class_name,
        max_height=height,
        overflow="auto",
        width="100%",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="var(--radius-2)",
    )
