"""The preview's timeline: one clickable line per step (layer, step, rows and columns in -> out, cells changed,
retyped columns, duration). The selected step is marked; the page shows the table after it."""

from __future__ import annotations

from typing import Any, Callable

import reflex as rx

LAYER_COLOURS = {"bronze": "bronze", "silver": "gray", "gold": "amber"}


def _fact(label: str, value: rx.Var[str], colour: str = "gray") -> rx.Component:
    return rx.cond(value != "", rx.hstack(rx.text(label, size="1", color=rx.color("gray", 10)),
                                          rx.text(value, size="1", color=rx.color(colour, 11)),
                                          spacing="1", align="baseline"))


def _step(step: rx.Var[dict[str, str]], selected: rx.Var[str], on_select: Callable[[rx.Var], Any]) -> rx.Component:
    is_selected = selected == step["i"]
    return rx.el.button(
        rx.hstack(
            rx.text(step["n"], size="1", weight="bold", color=rx.color("gray", 10), min_width="1.5rem"),
            rx.badge(step["layer"], size="1", variant="soft", min_width="3.5rem", justify_content="center",
                     color_scheme=rx.match(step["layer"], ("bronze", "bronze"), ("gold", "amber"), "indigo")),
            rx.vstack(
                rx.hstack(rx.code(step["type"], size="2", variant="ghost", weight="bold"),
                          rx.text(step["label"], size="1", color=rx.color("gray", 11), line_height="1.5",
                                  overflow="hidden", text_overflow="ellipsis", white_space="nowrap",
                                  max_width="36rem"),
                          spacing="2", align="baseline"),
                rx.hstack(
                    _fact("filas", step["rows"]),
                    rx.cond(step["rows_delta"] != "", rx.badge(step["rows_delta"], size="1", color_scheme="orange",
                                                               variant="soft")),
                    _fact("columnas", step["cols"]),
                    _fact("+", step["added"], "green"),
                    _fact("−", step["removed"], "red"),
                    _fact("cambios", step["changed"], "blue"),
                    _fact("tipos", step["retyped"], "violet"),
                    spacing="3", wrap="wrap", align="center",
                ),
                spacing="1", align="start", flex="1", min_width="0",
            ),
            rx.text(step["ms"], size="1", color=rx.color("gray", 10), white_space="nowrap",
                    font_variant_numeric="tabular-nums"),
            align="start", spacing="3", width="100%",
        ),
        on_click=on_select(step["i"]),
        class_name="timeline-step",
        custom_attrs={"data-selected": rx.cond(is_selected, "true", "false"),
                      "aria-pressed": rx.cond(is_selected, "true", "false")},
        style={"width": "100%", "text_align": "left", "padding": "0.5rem 0.75rem", "cursor": "pointer",
               "border": "1px solid", "border_radius": "var(--radius-2)", "font": "inherit",
               "border_color": rx.cond(is_selected, "var(--accent-8)", "var(--gray-4)"),
               "background": rx.cond(is_selected, "var(--accent-3)", "var(--color-panel-solid)"),
               "_hover": {"background": "var(--gray-3)"}},
    )


def timeline(steps: rx.Var[list[dict[str, str]]], selected: rx.Var[str],
             on_select: Callable[[rx.Var], Any]) -> rx.Component:
    return rx.vstack(rx.foreach(steps, lambda s: _step(s, selected, on_select)), spacing="1", width="100%",
                     class_name="timeline")
