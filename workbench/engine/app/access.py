"""Who is acting, and may they? Roles, the acting principal and the permission check on every use case.

- **Roles**: ``viewer`` reads, ``analyst`` also uploads, previews, runs, backfills and proposes releases,
  ``publisher`` also approves, rejects and rolls back releases (never their own: ``app.publication``), ``admin``
  also manages users, syncs specs and changes settings. ``require(<permission>)`` checks the acting principal, a context
  variable set by each adapter (API dependency, web state, CLI, worker), so that checks made in the engine's
  use cases hold alike for the web app, the API and the CLI. ``require`` fails closed when no principal is set
  and no process default was declared.
- Imports no store: the preview path (``workbench preview``) checks its permission without loading SQLAlchemy.
  Who a credential stands for (sign-in, sessions, tokens) is ``accounts``.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from dataclasses import dataclass
from typing import Iterator

from workbench.engine.core.errors import WorkbenchError

ROLES = ("viewer", "analyst", "publisher", "admin")
#: The least role each permission needs.
PERMISSIONS = {"read": "viewer", "upload": "analyst", "preview": "analyst", "run": "analyst",
               "backfill": "analyst", "admin": "admin", "sync_specs": "admin", "manage_users": "admin",
               "propose": "analyst", "publish": "publisher", "edit_specs": "analyst", "publish_specs": "analyst"}


@dataclass(frozen=True)
class Principal:
    """Who acts: a signed-in user (``via`` session, token, basic) or the local operator (``system``)."""

    username: str
    role: str
    via: str = "session"
    user_id: int | None = None

    @property
    def name(self) -> str:  # what runs record as ``triggered_by``
        return self.username

    def can(self, permission: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(PERMISSIONS[permission])


SYSTEM = Principal(username="system", role="admin", via="system")


class AuthError(WorkbenchError):
    code = "not-authenticated"
    kind = "unauthenticated"
    title = "Sign-in required"
    template = "{message}"
    template_es = "{message_es}"


class ForbiddenError(WorkbenchError):
    code = "forbidden"
    kind = "forbidden"
    title = "Not allowed"
    template = "{username} ({role}) may not {permission}; it needs the {needed} role"
    template_es = "{username} ({role}) no tiene permiso para {permission}; se requiere el rol {needed}"


_current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("workbench_principal", default=None)
_process_default: Principal | None = None


def set_process_default(principal: Principal | None) -> None:
    """The principal of a process with no sign-in (the CLI, a worker, tests). Never set in the web server."""
    global _process_default
    _process_default = principal


@contextlib.contextmanager
def acting_as(principal: Principal) -> Iterator[Principal]:
    token = _current.set(principal)
    try:
        yield principal
    finally:
        _current.reset(token)


def act_as(principal: Principal) -> None:
    """Make ``principal`` the acting one for the rest of the current context: an API request's task and the
    threads it hands work to (its dependency cannot wrap the route in ``acting_as``; the context ends with
    the request)."""
    _current.set(principal)


def current() -> Principal | None:
    return _current.get() or _process_default


def require(permission: str) -> Principal:
    """The acting principal if it may ``permission``; AuthError when nobody is signed in, ForbiddenError when
    the role is too low."""
    principal = current()
    if principal is None:
        raise AuthError("sign in first", message_es="inicie sesión primero")
    if not principal.can(permission):
        raise ForbiddenError(username=principal.username, role=principal.role, permission=permission,
                             needed=PERMISSIONS[permission])
    return principal


def requires(permission: str):
    """Decorate a use case: it runs only for a principal with ``permission`` (checked on every call, before
    anything else). The permission is recorded on the function (``__permission__``) so a test can check that
    every use case the adapters import declares one."""
    needed = PERMISSIONS[permission]  # a typo fails at import, not at the first call

    def decorate(fn):
        @functools.wraps(fn)
        def guarded(*args, **kwargs):
            require(permission)
            return fn(*args, **kwargs)

        guarded.__permission__ = permission  # type: ignore[attr-defined]
        guarded.__role__ = needed  # type: ignore[attr-defined]
        return guarded

    return decorate


def acting_name() -> str | None:
    """The signed-in user's name for records (``triggered_by``, ``uploaded_by``); None for the local operator."""
    principal = current()
    return None if principal is None or principal.via == "system" else principal.username


__all__ = ["AuthError", "ForbiddenError", "PERMISSIONS", "Principal", "ROLES", "SYSTEM", "act_as", "acting_as",
           "acting_name", "current", "require", "requires", "set_process_default"]
