"""Dependencies every route shares: the settings the app was built with, and who is calling.

``current_principal`` is the auth hook: every router depends on it. Today it is the configured user
(``WORKBENCH_USER``, else the OS user); issue 7 replaces it with real authentication.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from workbench.engine.api import Settings


@dataclass(frozen=True)
class Principal:
    name: str


def settings_of(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def current_principal(request: Request) -> Principal:
    """Who is calling (async: a plain function would cost a thread hop on every request)."""
    principal = getattr(request.app.state, "principal", None)
    if principal is None:
        from workbench.engine.services import current_user

        principal = request.app.state.principal = Principal(current_user(settings_of(request)))
    request.state.principal = principal
    return principal
