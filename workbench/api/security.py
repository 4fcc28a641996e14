"""Security headers on every response of the one-port product (pages, API, Data Docs, admin): the FastAPI app
is the outermost ASGI app (Reflex mounts itself inside it), so this middleware sees everything.

The content security policy allows nothing from outside: every script, style, font, image and connection
is our own origin (plus ``data:``/``blob:`` for inline images and fonts). Inline scripts and styles are
allowed because Reflex's pages, GX's Data Docs and Swagger UI use them; ``frame-ancestors 'none'`` forbids
framing (click-jacking)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

def _policy(script_src: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src {script_src}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


CSP = _policy("'self' 'unsafe-inline'")
#: Data Docs' charts (vega) compile their expressions at run time: only those pages may evaluate code.
DATA_DOCS_CSP = _policy("'self' 'unsafe-inline' 'unsafe-eval'")
DATA_DOCS_PREFIX = "/workbench/docs/"
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


#: Answers that carry data (the API, Data Docs, RAW files and exports) are never kept by browsers or proxies.
NO_STORE_PREFIX = "/workbench/"
NO_STORE_EXCEPT = ("/workbench/_static/",)
HSTS = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, production: bool = False) -> None:
        self.app = app
        self.production = production  # behind HTTPS: browsers must keep to HTTPS (HSTS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        path = scope.get("path", "")
        csp = DATA_DOCS_CSP if path.startswith(DATA_DOCS_PREFIX) else CSP
        no_store = path.startswith(NO_STORE_PREFIX) and not path.startswith(NO_STORE_EXCEPT)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(b"content-security-policy", csp.encode()), *HEADERS]
                if no_store:
                    extra.append((b"cache-control", b"no-store"))
                if self.production:
                    extra.append(HSTS)
                message["headers"] = [*message.get("headers", []), *((k, v) for k, v in extra if k not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)


__all__ = ["CSP", "DATA_DOCS_CSP", "SecurityHeaders"]
