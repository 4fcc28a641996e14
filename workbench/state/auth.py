"""Who is signed in, for the web app. The HttpOnly session cookie (set by ``POST /workbench/auth/login``) arrives
with the websocket's handshake headers, never through JavaScript: Reflex keeps it in ``router.headers.cookie``
(server side only; it is left out of what the browser receives) on every state, background events included.

- ``AuthState.check`` runs first in every page's on-load: without a valid session, to the sign-in page (and,
  after signing in, back).
- ``SessionBoundState`` (a middleware) empties a browser tab's state when its connection comes with another
  session than the one that filled it (signed out, expired, another user): nothing a previous session loaded
  is sent to the browser again.
- ``as_user(state, fn, ...)`` (background events) and ``with acting(state):`` (plain events) run engine calls
  as the signed-in user, so the engine's role checks see them. Without a valid session they raise
  ``SignedOut`` before the engine is called; ``on_backend_error``, the app's one error boundary, sends the
  browser to the sign-in page (an ended session mid-page) or shows an uncaught engine error in Spanish.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from http.cookies import CookieError, SimpleCookie
from typing import Any, Callable, Iterator, TypeVar
from urllib.parse import urlencode

import reflex as rx
from reflex.app import default_backend_exception_handler
from reflex.event import EventSpec
from reflex.state import StateUpdate

from workbench.engine import api
from workbench.engine.api import WorkbenchError

log = logging.getLogger(__name__)

COOKIE = "wb_session"
LOGIN = "/login"
ROLE_LABELS = {"viewer": "lector", "analyst": "analista", "publisher": "publicador", "admin": "administrador"}
T = TypeVar("T")


class SignedOut(Exception):
    """No valid session (never signed in, signed out, expired or revoked): not a WorkbenchError on purpose, so
    the handlers' ``except WorkbenchError`` branches don't show it as a page error; it reaches
    ``on_backend_error``, which sends the browser to sign in and come back to ``next``."""

    def __init__(self, next_path: str) -> None:
        super().__init__(f"no valid session (page {next_path})")
        self.next = next_path


def session_secret(cookie_header: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


def login_url(next_path: str) -> str:
    return f"{LOGIN}?{urlencode({'next': next_path or '/workbench'})}"


def here(state: rx.State) -> str:
    """The page the browser shows (path and query), to come back to after signing in."""
    url = state.router.url
    return url.path + (f"?{url.query}" if url.query else "")


def _secret(state: rx.State) -> str | None:
    return session_secret(state.router.headers.cookie)


def principal_of(state: rx.State) -> api.Principal | None:
    """The signed-in user of this browser tab, or None (a store lookup at most every few seconds: the engine
    remembers resolved sessions briefly)."""
    secret = _secret(state)
    if not secret:
        return None
    try:
        return api.resolve(secret)
    except api.AuthError:
        return None


@contextlib.contextmanager
def acting(state: rx.State) -> Iterator[api.Principal]:
    """Engine calls inside run as the signed-in user; SignedOut without one (or when the engine says the
    session ended)."""
    principal = principal_of(state)
    if principal is None:
        raise SignedOut(here(state))
    try:
        with api.acting_as(principal):
            yield principal
    except api.AuthError as exc:
        raise SignedOut(here(state)) from exc


async def as_user(state: rx.State, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``asyncio.to_thread(fn, *args, **kwargs)`` as the signed-in user (the session is resolved in the thread
    too, off the event loop); SignedOut before ``fn`` runs when there is none."""
    secret, page = _secret(state), here(state)

    def call() -> T:
        if not secret:
            raise api.AuthError("sign in first", message_es="inicie sesión primero")
        with api.acting_as(api.resolve(secret)):
            return fn(*args, **kwargs)

    try:
        return await asyncio.to_thread(call)
    except api.AuthError as exc:
        raise SignedOut(page) from exc


def on_backend_error(exception: Exception) -> EventSpec | None:
    """The web app's error boundary (``rx.App(backend_exception_handler=...)``) for what a handler let through:
    no session -> the sign-in page; an engine error -> its Spanish message; anything else is a bug: logged with
    its traceback by Reflex's own handler."""
    if isinstance(exception, SignedOut):
        log.info("%s: to the sign-in page", exception)
        return rx.redirect(login_url(exception.next), replace=True)
    if isinstance(exception, WorkbenchError):
        log.warning("unhandled %s in a web event: %s", exception.code, exception)
        return rx.toast.error(exception.message_es)
    return default_backend_exception_handler(exception)


def _owner(state: rx.State) -> str:
    """Which session a tab's state belongs to: a digest of the connection's session cookie ("" without one)."""
    secret = _secret(state)
    return hashlib.sha256(secret.encode()).hexdigest()[:32] if secret else ""


HYDRATE_EVENTS = ("hydrate", "hydrate_and_load")


class SessionBoundState(rx.Middleware):
    """Ties a browser tab's state to the session that filled it. Reflex keeps a tab's state across page loads
    and sign-outs (the tab keeps its token), and runs this before the event's handler, so before hydration
    computes what it sends:

    - a connection's hydration (its first event, which sends the whole state to the browser) with another
      session than the one that filled the state, or none, empties the whole tree first;
    - any other event is refused while the state belongs to another session (a client that skips hydration
      gets nothing the previous session loaded); a state no session filled yet (new, or expired in the state
      manager) is claimed by the session of the event's connection.
    """

    async def preprocess(self, app, state, event):  # noqa: ANN001, ANN201 (Reflex's middleware signature)
        if state.parent_state is not None:
            return None
        owner = _owner(state)
        if event.name.rpartition(".")[2] in HYDRATE_EVENTS:
            mine = state.get_substate(AuthState.get_full_name().split("."))  # hydration loads the whole tree
            if mine._owner != owner:
                state.reset()  # every page's data goes
                mine._owner = owner
            return None
        mine = await state.get_state(AuthState)
        if mine._owner == owner:
            return None
        if not mine._owner:
            mine._owner = owner
            return None
        log.warning("event %s refused: the tab's state belongs to another session (no hydration first)",
                    event.name.rpartition(".")[2])
        return StateUpdate()


class AuthState(rx.State):
    """The signed-in user (name and role, for the navigation and for hiding what their role can't do)."""

    username: str = ""
    role: str = ""
    _owner: str = ""  # see SessionBoundState

    @rx.event
    def check(self):
        """First on every page load: back to the sign-in page (and then here) without a valid session."""
        principal = principal_of(self)
        if principal is None:
            self.username = self.role = ""
            return rx.redirect(login_url(here(self)), replace=True)
        self.username, self.role = principal.username, principal.role
        return None

    @rx.var
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @rx.var
    def known(self) -> bool:
        """The check has answered (until then, role-dependent parts show nothing rather than the wrong thing)."""
        return self.role != ""

    @rx.var
    def is_admin(self) -> bool:
        return self.role == "admin"

    @rx.var
    def can_run(self) -> bool:
        """Upload, preview, run and backfill (analysts and admins)."""
        return self.role in ("analyst", "publisher", "admin")

    @rx.var
    def can_publish(self) -> bool:
        """Approve, reject and roll back releases (publishers and admins; never one's own proposal)."""
        return self.role in ("publisher", "admin")
