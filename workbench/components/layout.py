"""The page shell: a top navigation bar and a centred content column, the same on every page."""

from __future__ import annotations

import reflex as rx

from workbench.pages import routes

NAV_ITEMS = (
    ("Datasets", routes.DATASETS),
    ("Cargar archivo", routes.UPLOAD),
    ("Ejecuciones", routes.RUNS),
    ("Cargas masivas", routes.BACKFILLS),
    ("Linaje", routes.LINEAGE),
    ("Herramientas", routes.TOOLS),
)
CONTENT_WIDTH = "1200px"


def _nav_link(label: str, href: str, active: bool) -> rx.Component:
    return rx.link(
        label,
        href=href,
        size="2",
        weight="medium",
        underline="none",
        color=rx.color("gray", 12) if active else rx.color("gray", 11),
        padding_x="0.75rem",
        padding_y="0.4rem",
        border_radius="var(--radius-2)",
        background=rx.color("accent", 4) if active else "transparent",
        _hover={"background": rx.color("gray", 4), "color": rx.color("gray", 12)},
        aria_current="page" if active else None,
    )


def navbar(active: str) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.link(
                rx.hstack(
                    rx.box(width="12px", height="12px", border_radius="3px", background=rx.color("accent", 9)),
                    rx.text("Data Workbench", weight="bold", size="3", color=rx.color("gray", 12)),
                    align="center",
                    spacing="2",
                ),
                href=routes.DATASETS,
                underline="none",
                aria_label="Data Workbench: inicio",
            ),
            rx.el.nav(
                rx.hstack(*(_nav_link(label, href, href == active) for label, href in NAV_ITEMS), spacing="1",
                          wrap="wrap"),
                aria_label="Navegación principal",
            ),
            justify="between",
            align="center",
            max_width=CONTENT_WIDTH,
            margin_x="auto",
            padding_x="1.5rem",
            padding_y="0.6rem",
            wrap="wrap",
        ),
        as_="header",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        position="sticky",
        top="0",
        z_index="10",
        width="100%",
    )


def page(active: str, title: rx.Var | str, *children: rx.Component, subtitle: rx.Var | str = "",
         actions: rx.Component | None = None) -> rx.Component:
    """A page: the navigation, a heading (with optional subtitle and actions), then the content."""
    return rx.box(
        navbar(active),
        rx.el.main(
            rx.vstack(
                rx.hstack(
                    rx.vstack(rx.heading(title, size="6", as_="h1"), _subtitle(subtitle), spacing="1"),
                    actions or rx.fragment(),
                    justify="between",
                    align="end",
                    width="100%",
                    wrap="wrap",
                ),
                *children,
                spacing="5",
                width="100%",
            ),
            max_width=CONTENT_WIDTH,
            margin_x="auto",
            padding_x="1.5rem",
            padding_y="1.5rem",
        ),
        background=rx.color("gray", 2),
        min_height="100vh",
    )


def _subtitle(subtitle: rx.Var | str) -> rx.Component:
    text = rx.text(subtitle, color=rx.color("gray", 11), size="2")
    if isinstance(subtitle, rx.Var):
        return rx.cond(subtitle != "", text)
    return text if subtitle else rx.fragment()


def card(*children: rx.Component, **props) -> rx.Component:
    return rx.card(*children, width="100%", size="2", **props)


def section(title: str, *children: rx.Component) -> rx.Component:
    return card(rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3", width="100%"))


def error_callout(message: rx.Var) -> rx.Component:
    return rx.cond(message != "", rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert",
                                             width="100%"))


def loading(flag: rx.Var) -> rx.Component:
    return rx.cond(flag, rx.hstack(rx.spinner(size="2"), rx.text("Cargando…", size="2", color=rx.color("gray", 11)),
                                   align="center"))
