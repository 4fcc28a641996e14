"""Small charts drawn with plain boxes (no charting library on the list page: less JavaScript to load, and
nothing loaded from outside)."""

from __future__ import annotations

import reflex as rx

SPARK_HEIGHT = "28px"
BAR_WIDTH = "8px"


def run_history(bars: rx.Var, label: rx.Var | str = "Últimas ejecuciones") -> rx.Component:
    """A sparkline of recent runs, oldest first: one bar per run, height = output rows, colour = outcome; each
    bar's tooltip names the run, its rows and its status."""
    return rx.hstack(
        rx.foreach(bars, lambda b: rx.box(height=b["height"], width=BAR_WIDTH, background=b["fill"],
                                          border_radius="1px", title=b["label"], flex_shrink="0")),
        align="end",
        height=SPARK_HEIGHT,
        gap="2px",
        spacing="0",
        role="img",
        aria_label=label,
        class_name="run-history",
    )
