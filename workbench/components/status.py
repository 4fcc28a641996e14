"""Run and QA statuses as Spanish labels and badge colours. A failed or warning QA is never green, and a run
that succeeded with failed QA shows both badges (the run's green, the QA's red) side by side."""

from __future__ import annotations

import reflex as rx

#: status -> (label, Radix colour)
RUN_BADGES: dict[str, tuple[str, str]] = {
    "queued": ("En cola", "gray"),
    "running": ("En ejecución", "blue"),
    "succeeded": ("Exitosa", "green"),
    "failed": ("Fallida", "red"),
    "cancelled": ("Cancelada", "gray"),
}
QA_BADGES: dict[str, tuple[str, str]] = {
    "not_run": ("QA sin ejecutar", "gray"),
    "passed": ("QA aprobada", "green"),
    "warning": ("QA con advertencias", "amber"),
    "failed": ("QA fallida", "red"),
}
NO_RUN = ("Sin ejecuciones", "gray")
#: Bar colours of the run-history chart (Radix scale step 9 of each colour).
CHART_COLOURS = {"green": "#30a46c", "red": "#e5484d", "amber": "#ffb224", "blue": "#0090ff", "gray": "#8b8d98"}


def run_badge(status: str | None) -> tuple[str, str]:
    return RUN_BADGES.get(status or "", NO_RUN) if status else NO_RUN


def qa_badge(qa_status: str | None) -> tuple[str, str]:
    return QA_BADGES.get(qa_status or "not_run", ("QA desconocida", "gray"))


def outcome_colour(status: str | None, qa_status: str | None) -> str:
    """One colour for a run in a chart: red if the run or its QA failed, amber on QA warnings, green only when
    both are fine."""
    if status == "failed" or qa_status == "failed":
        return "red"
    if qa_status == "warning":
        return "amber"
    return "green" if status == "succeeded" else RUN_BADGES.get(status or "", NO_RUN)[1]


def badge(label: rx.Var | str, colour: rx.Var | str) -> rx.Component:
    """A status badge: the text always says the status (colour is never the only signal)."""
    return rx.badge(label, color_scheme=colour, variant="soft", radius="full", size="2",
                    white_space="nowrap")
