"""The layout drift report of an upload (state/upload_drift.py): what changed, breaking or compatible, and the
proposed spec patch as a diff. Every text is rendered as text (escaped), the diff in a preformatted block."""

from __future__ import annotations

from typing import Any

import reflex as rx

MUTED = rx.color("gray", 11)


def _change(change: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.hstack(
        rx.badge(change["label"].to(str), color_scheme=change["colour"].to(str), variant="soft",
                 min_width="11rem", justify="center"),
        rx.text(change["message"].to(str), size="2", class_name="drift-message"),
        align="start", spacing="3", class_name="drift-change",
    )


def _fix(on_fix: Any, fix_error: rx.Var[str]) -> rx.Component:
    """"Corregir en el editor": the patch opened as a draft of the rule editor (the upload page, for analysts)."""
    return rx.vstack(
        rx.button(rx.icon("pencil-ruler", size=16), "Corregir en el editor", on_click=on_fix, size="2",
                  variant="soft", id="drift-fix"),
        rx.cond(fix_error != "", rx.text(fix_error, size="2", color=rx.color("red", 11), class_name="drift-fix-error")),
        spacing="1",
    )


def drift_panel(drift: rx.Var[dict[str, Any]], on_fix: Any = None, fix_error: rx.Var[str] | str = "") -> rx.Component:
    return rx.cond(drift.length() > 0, rx.callout.root(
        rx.callout.icon(rx.icon("shuffle")),
        rx.vstack(
            rx.text(drift["title"].to(str), size="3", weight="bold", class_name="drift-title"),
            rx.text(drift["against"].to(str), size="1", color=MUTED),
            rx.vstack(rx.foreach(drift["changes"].to(list[dict[str, str]]), _change), spacing="2", width="100%"),
            rx.cond(drift["patch_note"].to(str) != "",
                    rx.text(drift["patch_note"].to(str), size="2", weight="medium", class_name="drift-patch-note")),
            *([rx.cond(drift["fixable"].to(bool), _fix(on_fix, fix_error))] if on_fix is not None else []),
            rx.cond(drift["diff"].to(str) != "", rx.el.pre(
                rx.foreach(drift["diff_lines"].to(list[dict[str, str]]),
                           lambda line: rx.el.div(line["text"].to(str), style={"color": line["colour"].to(str)})),
                class_name="drift-diff",
                style={"font_size": "0.8rem", "overflow_x": "auto", "max_height": "24rem", "width": "100%",
                       "background": rx.color("gray", 2), "padding": "0.75rem", "margin": "0",
                       "border_radius": "var(--radius-2)"})),
            spacing="2", width="100%",
        ),
        color_scheme=drift["colour"].to(str), width="100%", class_name="drift-report", id="drift-report",
    ))
