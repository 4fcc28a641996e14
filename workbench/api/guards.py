"""The admin dashboard (``/admin``, starlette-admin mounted by Reflex) is for admins only: this middleware, on the
outermost app, checks the session cookie before a request reaches it. Without a valid session the browser goes
to the sign-in page (and back); a signed-in non-admin gets 403."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from workbench.api import problems
from workbench.engine import api
from workbench.engine.api import Settings, WorkbenchError

COOKIE = "wb_session"
GUARDED = ("/admin",)


class AdminGuard:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not any(path == p or path.startswith(p + "/") for p in GUARDED):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        secret = request.cookies.get(COOKIE)
        unavailable: WorkbenchError | None = None
        try:  # a credential seen in the last seconds is answered here; else the store, off the event loop
            principal = (api.recently_resolved(secret, self.settings)
                         or await run_in_threadpool(api.resolve, secret, self.settings)) if secret else None
        except api.AuthError:
            principal = None
        except WorkbenchError as exc:  # the store is down: not a reason to sign in again
            principal, unavailable = None, exc
        response: Response
        if unavailable is not None:
            response = problems.from_error(problems.public_error(unavailable, 503), 503, path,
                                           headers={"Retry-After": str(problems.RETRY_AFTER_UNAVAILABLE_S)})
        elif principal is None:
            response = RedirectResponse(f"/login?next={quote(path)}", status_code=303)
        elif not principal.can("admin"):
            response = problems.problem(403, code="forbidden", title="Forbidden", instance=path,
                                        detail="the admin dashboard is for admins only",
                                        message_es="el panel de administración es solo para administradores")
        else:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)


__all__ = ["AdminGuard"]
