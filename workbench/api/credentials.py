"""Who a request comes from: the browser session cookie, API tokens and (optionally) HTTP Basic.

``principal_of(request)`` is what every protected route depends on (through ``deps.current_principal``): a Bearer
token, a session cookie (state-changing requests must then come from our own origin), or Basic when enabled;
otherwise 401. The sign-in routes that set and clear the cookie are in ``session.py``.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response

from workbench.engine import api
from workbench.engine.api import Settings, WorkbenchError

COOKIE = "wb_session"
LOGIN_PAGE = "/login"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})



def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect to another host (``//evil``, ``https://evil``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/workbench"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/workbench"


def _client_address(request: Request) -> str:
    """The client's address: the peer's, or behind a trusted reverse proxy (``WORKBENCH_TRUSTED_PROXIES``) the
    right-most X-Forwarded-For entry that is not itself a trusted proxy (what a client writes there is
    ignored: only proxies append to the right)."""
    peer = request.client.host if request.client else ""
    trusted = set(_settings(request).trusted_proxies)
    if peer not in trusted:
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop[:64]
    return peer


class CrossSiteError(WorkbenchError):
    code = "cross-site"
    kind = "forbidden"
    title = "Cross-site request refused"
    template = "sign-in forms must be posted from the workbench's own pages"
    template_es = "los formularios de inicio de sesión deben enviarse desde las páginas del workbench"


def _refuse_foreign_form(request: Request) -> None:
    """A browser form posted from another site (login CSRF: signing a victim into the attacker's account, or
    signing them out). Scripts send no Origin or Referer and are not affected."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise CrossSiteError()


def _same_origin(request: Request) -> bool:
    """A cookie-authenticated change must come from a page of ours (defence in depth beside SameSite)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return False
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc == host


def principal_of(request: Request, settings: Settings) -> api.Principal:
    """Who is calling, from the request's credentials; AuthError (401) when none is valid."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        return api.resolve(value.strip(), settings)
    if scheme.lower() == "basic" and value:
        if not settings.auth_basic:
            raise api.AuthError("HTTP Basic is not enabled (WORKBENCH_AUTH_BASIC); use a token",
                                 message_es="HTTP Basic no está habilitado; use un token")
        try:
            username, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise api.AuthError("malformed Basic credentials", message_es="credenciales Basic mal formadas") from None
        return api.authenticate(username, password, address=_client_address(request), settings=settings, via="basic")
    cookie = request.cookies.get(COOKIE)
    if cookie:
        principal = api.resolve(cookie, settings)
        if request.method not in SAFE_METHODS and not _same_origin(request):
            raise api.AuthError("a change made with the session cookie must come from the workbench's own pages",
                                 message_es="un cambio con la sesión del navegador debe venir de las páginas del "
                                            "workbench")
        return principal
    raise api.AuthError("sign in first (session cookie, or Authorization: Bearer <token>)",
                         message_es="inicie sesión primero")


def cached_principal(request: Request, settings: Settings) -> api.Principal | None:
    """``principal_of`` for a token or cookie resolved in the last seconds (no store access), else None."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value:
        return api.recently_resolved(value.strip(), settings)
    cookie = request.cookies.get(COOKIE)
    if cookie and not scheme and (request.method in SAFE_METHODS or _same_origin(request)):
        return api.recently_resolved(cookie, settings)
    return None


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def set_session_cookie(response: Response, secret: str, settings: Settings) -> None:
    response.set_cookie(COOKIE, secret, max_age=settings.session_ttl_s, path="/", httponly=True, samesite="lax",
                        secure=settings.environment == "production")
