"""/login as reached by the app's own navigation (``AuthState.check``'s redirect moves inside the page, without
a page load). The sign-in form itself is the server's (``GET /login``, plain HTML: the password and the cookie
never pass through page scripts), so this page only makes the browser load that URL for real: a refresh
directive (no script needed, the content security policy allows it), and a link if that is ever blocked."""

from __future__ import annotations

import reflex as rx



def login_page() -> rx.Component:
    return rx.center(
        rx.el.meta(http_equiv="refresh", content="0"),
        rx.card(
            rx.vstack(
                rx.hstack(rx.spinner(size="2"), rx.text("Abriendo el inicio de sesión…", size="3"), align="center"),
                # A plain link to "" is this very address (/login?next=...), loaded from the server this time.
                rx.el.a("Ir al inicio de sesión", href="", id="login-link",
                        style={"color": rx.color("accent", 11), "font_size": "var(--font-size-2)"}),
                spacing="3", align="center",
            ),
            size="3",
        ),
        min_height="100vh",
        background=rx.color("gray", 2),
    )
