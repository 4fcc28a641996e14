"""Rate limits on uploads (``POST /workbench/preview``, ``POST /workbench/runs``, the rule editor's
``POST /workbench/editor/proposal``) as ASGI middleware: each upload counts against the engine's limits
(``api.UploadLimiter``: per principal and global, shared through Redis) before its body is read. Over the limit:
429 problem JSON with ``Retry-After``. Limits are settings (``WORKBENCH_UPLOAD_RATE_*``, docs/security.md).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from workbench.api import problems
from workbench.api.deps import current_principal
from workbench.api.drain import drain
from workbench.api.uploads import FORM_OVERHEAD_BYTES
from workbench.engine.api import RateLimitedError, Settings, UploadLimiter

#: The upload routes (method, path) the limits apply to.
UPLOAD_ROUTES = frozenset({("POST", "/workbench/preview"), ("POST", "/workbench/runs"),
                           ("POST", "/workbench/editor/proposal")})


class UploadRateLimit:
    """ASGI middleware: the upload routes count against the limits before their body is read."""

    def __init__(self, app: ASGIApp, *, settings: Settings, limiter: UploadLimiter | None = None) -> None:
        self.app = app
        self.limiter = limiter or UploadLimiter(settings)
        #: A refused upload's body is read (and dropped) up to what an accepted one may be.
        self.drain_limit = settings.max_upload_bytes + FORM_OVERHEAD_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"].rstrip("/")) not in UPLOAD_ROUTES:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            principal = await current_principal(request)
        except Exception:  # noqa: BLE001 - the route runs the same dependency and answers its error properly
            await self.app(scope, receive, send)
            return
        try:
            await run_in_threadpool(self.limiter.check, principal.name)
        except RateLimitedError as exc:
            headers = {"Retry-After": str(exc.details["retry_after"])}
            declared = dict(scope.get("headers", [])).get(b"content-length", b"")
            too_long = declared.isdigit() and int(declared) > self.drain_limit
            if too_long or not await drain(receive, self.drain_limit):
                headers["Connection"] = "close"  # too much left to read: the connection ends after the answer
            response = problems.from_error(exc.to_dict(), 429, scope["path"], headers=headers)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

