"""Every address the app does not know (Reflex's "404" page): in Spanish, with the way back to the datasets."""

from __future__ import annotations

import reflex as rx

from workbench.components import routes


def not_found_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.heading("Página no encontrada", size="6", as_="h1"),
                rx.text("Esta dirección no corresponde a ninguna página de Data Workbench.", size="3",
                        color=rx.color("gray", 11)),
                rx.link(rx.hstack(rx.icon("arrow_left", size=16), rx.text("Volver a los datasets"), align="center",
                                  spacing="2"),
                        href=routes.DATASETS, id="not-found-back"),
                spacing="3", align="start",
            ),
            size="3", max_width="32rem", class_name="not-found",
        ),
        min_height="100vh",
        background=rx.color("gray", 2),
    )
