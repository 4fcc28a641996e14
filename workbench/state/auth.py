"""Who is signed in, for the web app: the HttpOnly session cookie (set by ``POST /workbench/auth/login``) arrives
with the websocket's handshake headers, never through JavaScript. Every page's on-load runs ``check``; every
handler that calls the engine runs inside ``self.acting()`` so the engine's role checks see the user."""

from __future__ import annotations

import contextlib
import time
from http.cookies import CookieError, SimpleCookie
from typing import Iterator
from urllib.parse import quote

import reflex as rx

from workbench.engine import auth
from workbench.engine.api import WorkbenchError

COOKIE = "wb_session"
LOGIN = "/login"
RECHECK_S = 30  # a revoked session or a disabled user stops working within this time


def session_secret(cookie_header: str) -> str | None:
    jar = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


class AuthState(rx.State):
    """The signed-in user (name and role, for the navigation) and the check every page runs."""

    username: str = ""
    role: str = ""
    _checked_at: float = 0.0

    def principal(self) -> auth.Principal | None:
        secret = session_secret(self.router.headers.cookie)
        if not secret:
            return None
        try:
            principal = auth.resolve(secret)
        except WorkbenchError:
            return None
        self.username, self.role, self._checked_at = principal.username, principal.role, time.monotonic()
        return principal

    @contextlib.contextmanager
    def acting(self) -> Iterator[auth.Principal]:
        """Run engine calls as the signed-in user (AuthError when the session ended)."""
        principal = self.principal()
        if principal is None:
            raise auth.AuthError("sign in first", message_es="su sesión terminó: inicie sesión de nuevo")
        with auth.acting_as(principal):
            yield principal

    @rx.event
    def check(self):
        """On every page load: back to the sign-in page (and then here) without a valid session."""
        if self.principal() is None:
            self.username = self.role = ""
            return rx.redirect(f"{LOGIN}?next={quote(self.router.url.path or '/workbench')}")

    @rx.var
    def is_admin(self) -> bool:
        return self.role == "admin"

    @rx.var
    def can_run(self) -> bool:
        return self.role in ("analyst", "admin")
