"""The page shell: a top navigation bar (with who is signed in, their role and "Cerrar sesión") and a centred
content column, the same on every page."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML

from workbench.components import routes
from workbench.state.auth import AuthState

#: (label, route, only for roles that upload and run)
NAV_ITEMS = (
    ("Datasets", routes.DATASETS, False),
    ("Cargar", routes.UPLOAD, True),
    ("Ejecuciones", routes.RUNS, False),
    ("Cargas masivas", routes.BACKFILLS, True),
    ("Automatización", routes.AUTOMATION, False),
    ("Linaje", routes.LINEAGE, False),
    ("Herramientas", routes.TOOLS, False),
)
CONTENT_WIDTH = "1200px"


class NativeForm(BaseHTML):
    """A ``<form>`` the browser submits itself (a full page load to the server's answer), unlike ``rx.form``,
    whose submit runs a state event: signing out must reach the server with the HttpOnly cookie."""

    tag = "form"
    action: rx.Var[str]
    method: rx.Var[str]


def _nav_link(label: str, href: str, active: bool) -> rx.Component:
    return rx.link(
        label,
        href=href,
        size="2",
        weight="medium",
        underline="none",
        color=rx.color("gray", 12) if active else rx.color("gray", 11),
        padding_x="0.6rem",
        padding_y="0.4rem",
        border_radius="var(--radius-2)",
        background=rx.color("accent", 4) if active else "transparent",
        _hover={"background": rx.color("gray", 4), "color": rx.color("gray", 12)},
        aria_current="page" if active else None,
    )


def _nav_item(label: str, href: str, active: bool, runs_only: bool) -> rx.Component:
    link = _nav_link(label, href, active)
    return rx.cond(AuthState.can_run, link) if runs_only else link


def only_for_runners(component: rx.Component) -> rx.Component:
    """What only analysts and admins can use (upload, preview, run, backfill): hidden from viewers, and from
    everyone until the sign-in check has answered."""
    return rx.cond(AuthState.can_run, component)


def role_notice(what: str) -> rx.Component:
    """Instead of a page's actions, for a role that can't use them (shown once the role is known)."""
    return rx.cond(AuthState.known & ~AuthState.can_run, rx.callout(
        rx.text("Su rol (", AuthState.role_label, f") no permite {what}; pida el rol analista a un administrador."),
        icon="lock", color_scheme="amber", width="100%", class_name="role-notice", role="status"))


def account() -> rx.Component:
    """Who is signed in, their role in Spanish, and the sign-out button (a plain form post to the API)."""
    return rx.cond(AuthState.known, rx.hstack(
        rx.icon("circle-user", size=18, color=rx.color("gray", 11)),
        rx.text(AuthState.username, size="2", weight="medium", color=rx.color("gray", 12), class_name="nav-user"),
        rx.badge(AuthState.role_label, color_scheme="gray", variant="soft", radius="full", class_name="nav-role"),
        NativeForm.create(
            rx.button(rx.icon("log-out", size=14), "Cerrar sesión", type="submit", size="1", variant="soft",
                      color_scheme="gray", id="logout-button"),
            action=routes.LOGOUT, method="post",
        ),
        align="center", spacing="2", class_name="nav-account",
    ))


def navbar(active: str) -> rx.Component:
    return rx.el.header(
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
                rx.hstack(*(_nav_item(label, href, href == active, runs_only) for label, href, runs_only in NAV_ITEMS),
                          spacing="1", wrap="wrap"),
                aria_label="Navegación principal",
            ),
            account(),
            justify="between",
            align="center",
            max_width=CONTENT_WIDTH,
            margin_x="auto",
            padding_x="1.5rem",
            padding_y="0.6rem",
            wrap="wrap",
        ),
        class_name="navbar",
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
