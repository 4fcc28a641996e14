"""Live progress of a run (steps done of total) or of a backfill (done / failed / remaining of total)."""

from __future__ import annotations

import reflex as rx


def _percent(done: rx.Var, total: rx.Var) -> rx.Var:
    return rx.cond(total > 0, done * 100 / total, 0)


def run_progress(status: rx.Var, step: rx.Var, done: rx.Var, total: rx.Var) -> rx.Component:
    """A running run: a progress bar and the step being run; before its first step, what it waits for."""
    return rx.callout(
        rx.vstack(
            rx.hstack(rx.spinner(size="2"),
                      rx.text(rx.cond(total > 0, "En ejecución: paso " + done.to_string() + " de " + total.to_string(),
                                      rx.cond(status == "running",
                                              "En ejecución: leyendo el archivo…",
                                              "En cola: esperando a un worker…")), size="2", weight="medium"),
                      align="center", spacing="2"),
            rx.cond(total > 0, rx.progress(value=_percent(done, total), max=100, width="100%")),
            rx.cond(step != "", rx.code(step, size="1", variant="ghost")),
            spacing="2", width="100%",
        ),
        color_scheme="blue", width="100%", class_name="run-live", role="status",
    )


def backfill_progress(progress: rx.Var, total: rx.Var) -> rx.Component:
    """Done (succeeded or skipped), failed and remaining of the backfill's files, as a stacked bar and counts."""
    def segment(key: str, colour: str) -> rx.Component:
        width = rx.cond(total > 0, (progress[key].to(int) * 100 / total).to_string() + "%", "0%")
        return rx.box(width=width, height="100%", background=rx.color(colour, 9))

    def count(label: str, key: str, colour: str) -> rx.Component:
        return rx.hstack(rx.box(width="10px", height="10px", border_radius="2px", background=rx.color(colour, 9)),
                         rx.text(label, ": ", progress[key].to_string(), size="2", class_name=f"bf-{key}"),
                         align="center", spacing="1")

    return rx.vstack(
        rx.hstack(segment("done", "green"), segment("failed", "red"), segment("cancelled", "gray"),
                  width="100%", height="10px", background=rx.color("gray", 4), border_radius="5px",
                  overflow="hidden", spacing="0", role="img", aria_label="Avance de la carga masiva"),
        rx.hstack(count("Listos", "done", "green"), count("Fallidos", "failed", "red"),
                  count("Pendientes", "remaining", "blue"), count("Cancelados", "cancelled", "gray"),
                  rx.text("de ", total.to_string(), " archivos", size="2", color=rx.color("gray", 11)),
                  spacing="4", wrap="wrap"),
        width="100%", spacing="2", class_name="backfill-progress",
    )
