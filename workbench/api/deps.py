"""Dependencies every route shares: the settings the app was built with, and who is calling.

``current_principal`` authenticates the request (a Bearer token, the browser's session cookie, or HTTP Basic
when enabled; see ``credentials.principal_of``) and makes that principal the engine's acting principal for the
rest of the request, so the engine's role checks apply to API calls exactly as to the web app and the CLI.
Without valid credentials it raises ``AuthError`` (401 problem).
"""

from __future__ import annotations

import functools

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from workbench.api import credentials
from workbench.engine import api
from workbench.engine.api import Principal, Settings

#: The largest integer a client may send (ids, offsets): the store's integers are signed 64-bit, and a larger
#: one made SQLite raise OverflowError (a 500).
MAX_INT = 2**63 - 1


def settings_of(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def current_principal(request: Request) -> Principal:
    """Who is calling (resolved once per request; the store lookup runs off the event loop)."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        settings = settings_of(request)
        principal = credentials.cached_principal(request, settings) or await run_in_threadpool(
            credentials.principal_of, request, settings)
        request.state.principal = principal
    api.act_as(principal)  # this request's task (and the threads it hands work to) act as the caller
    return principal


async def optional_principal(request: Request) -> Principal | None:
    """The caller if the credentials are valid, else None (for middlewares that must not answer 401 themselves)."""
    try:
        return await current_principal(request)
    except api.AuthError:
        return None
    except api.TooManyAttemptsError:
        return None


@functools.cache
def require(permission: str):
    """A route dependency: the caller must have ``permission`` (401 without credentials, 403 when the role is
    too low). The engine's use cases check the same permission again; declaring it on the route documents it
    and lets the access tests read each route's rights from the app itself (``check.permission``)."""
    needed = api.PERMISSIONS[permission]

    async def check(request: Request) -> Principal:
        principal = await current_principal(request)
        if not principal.can(permission):
            raise api.ForbiddenError(username=principal.username, role=principal.role, permission=permission,
                                      needed=needed)
        return principal

    check.permission = permission  # type: ignore[attr-defined]
    check.__name__ = f"require_{permission}"
    return check
