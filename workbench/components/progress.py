"""Progress bars with a Spanish caption: the upload's bytes and a run's steps."""

from __future__ import annotations

import reflex as rx

from workbench.components.status import badge


def upload_progress(active: rx.Var[bool], pct: rx.Var[int]) -> rx.Component:
    return rx.cond(active, rx.vstack(
        rx.hstack(rx.spinner(size="1"), rx.text("Subiendo archivo… ", pct, " %", size="2", color=rx.color("gray", 11)),
                  align="center", spacing="2"),
        rx.progress(value=pct, max=100, width="100%", color_scheme="blue"),
        width="100%", spacing="1", class_name="upload-progress",
    ))


def run_progress(label: rx.Var[str], colour: rx.Var[str], pct: rx.Var[int], done: rx.Var[int], total: rx.Var[int],
                 *, active: rx.Var[bool], qa_label: rx.Var[str], qa_colour: rx.Var[str]) -> rx.Component:
    """A run's status and QA badges side by side (a run that succeeded with failed QA is never all green)."""
    bar = rx.cond(qa_colour == "red", "red", rx.cond(qa_colour == "amber", "amber", colour))
    return rx.vstack(
        rx.hstack(badge(label, colour), rx.cond(qa_label != "", badge(qa_label, qa_colour)),
                  rx.text("Paso ", done, " de ", total, size="2", color=rx.color("gray", 11)),
                  rx.cond(active, rx.spinner(size="1")), align="center", spacing="2", class_name="run-status"),
        rx.progress(value=pct, max=100, width="100%", color_scheme=bar),
        width="100%", spacing="2", class_name="run-progress",
    )
