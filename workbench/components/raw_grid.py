"""The RAW grid as in a spreadsheet: column letters on top, RAW row numbers on the left, every cell as text;
cells a failing quality check points at are highlighted (red), with the check in their tooltip."""

from __future__ import annotations

from typing import Any

import reflex as rx

HEADER_CELL = {"position": "sticky", "top": "0", "background": "var(--gray-3)", "font_weight": "600",
               "text_align": "center", "padding": "2px 8px", "border": "1px solid var(--gray-5)", "z_index": "1",
               "color": "var(--gray-11)", "font_size": "12px"}
ROW_NUMBER = {"background": "var(--gray-3)", "color": "var(--gray-11)", "text_align": "right", "padding": "2px 8px",
              "border": "1px solid var(--gray-5)", "font_size": "12px", "position": "sticky", "left": "0",
              "font_variant_numeric": "tabular-nums"}
CELL = {"padding": "2px 8px", "border": "1px solid var(--gray-4)", "white_space": "nowrap", "font_size": "12px",
        "max_width": "22rem", "overflow": "hidden", "text_overflow": "ellipsis",
        "font_family": "var(--code-font-family)"}
GRID_CSS = {
    "& td.hl": {"background": "var(--red-4)", "outline": "2px solid var(--red-9)", "outline_offset": "-2px",
                "color": "var(--red-12)", "font_weight": "600"},
    "& tr.hl-row > td:first-child": {"background": "var(--red-5)", "color": "var(--red-12)"},
}


def _cell(cell: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.el.td(cell["t"], class_name=cell["c"], title=cell["title"], custom_attrs={"data-cell": cell["k"]},
                    style=CELL)


def _row(row: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row["n"], style=ROW_NUMBER),
        rx.foreach(row["cells"].to(list[dict[str, str]]), _cell),
        id=row["id"], class_name=rx.Var.create("raw-row ") + row["c"].to(str),
        style={"scroll_margin_top": "8rem"},  # a jump to the row lands below the sticky navigation bar
    )


def raw_grid(columns: rx.Var[list[str]], rows: rx.Var[list[dict[str, Any]]], *, height: str = "28rem",
             scroll_to: rx.Var[str] | str = "") -> rx.Component:
    """``scroll_to`` ("<row id>#<n>"): the page's static script (assets/js/scroll.js) brings that row into view,
    the page and the grid both, each time the value changes."""
    return rx.box(
        rx.el.table(
            rx.el.thead(rx.el.tr(rx.el.th("", style={**HEADER_CELL, "left": "0", "z_index": "2"}),
                                 rx.foreach(columns, lambda c: rx.el.th(c, style=HEADER_CELL)))),
            rx.el.tbody(rx.foreach(rows, _row)),
            style={"border_collapse": "collapse", "background": "var(--color-panel-solid)"},
        ),
        class_name="raw-grid",
        custom_attrs={"data-scroll-to": scroll_to},
        max_height=height,
        overflow="auto",
        width="100%",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="var(--radius-2)",
        style=GRID_CSS,
    )
