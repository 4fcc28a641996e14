"""Sign-in over HTTP: the browser session cookie, API tokens and (optionally) HTTP Basic.

- ``POST /workbench/auth/login`` (form or JSON) checks the password and sets the session cookie:
  HttpOnly (scripts can't read it), SameSite=Lax (other sites can't send it with their POSTs), Secure in
  production, Path=/ (the pages, the API and Data Docs share it). Browsers are redirected back to ``next``.
- ``POST /workbench/auth/logout`` ends the session; ``GET /workbench/auth/me`` says who is signed in;
  ``POST /workbench/auth/setup`` spends the one-time link that creates the first admin.
- Who a request comes from (cookie, Bearer token, Basic) is read in ``credentials.py``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from workbench.api.credentials import (
    COOKIE,
    LOGIN_PAGE,
    _client_address,
    _refuse_foreign_form,
    _safe_next,
    _settings,
    _wants_html,
    set_session_cookie,
)
from workbench.api.deps import require
from workbench.engine import api
from workbench.engine.api import WorkbenchError

router = APIRouter(prefix="/workbench/auth", tags=["auth"])


@router.post("/login", summary="Sign in (sets the session cookie)")
async def login(request: Request, username: str = Form(...), password: str = Form(...),
                next: str = Form("/workbench")) -> Response:
    settings = _settings(request)
    _refuse_foreign_form(request)
    target = _safe_next(next)
    try:
        principal = await run_in_threadpool(api.authenticate, username, password,  # argon2: off the loop
                                            address=_client_address(request), settings=settings)
    except WorkbenchError as exc:
        if _wants_html(request):  # a form post: back to the page, which shows the message
            code = {"too-many-attempts": "locked", "not-authenticated": "invalid"}.get(exc.code, "unavailable")
            return RedirectResponse(f"{LOGIN_PAGE}?error={code}&next={quote(target)}", status_code=303)
        raise
    secret = await run_in_threadpool(api.start_session, principal, settings)
    response: Response = (RedirectResponse(target, status_code=303) if _wants_html(request)
                          else JSONResponse({"username": principal.username, "role": principal.role}))
    set_session_cookie(response, secret, settings)
    return response


@router.post("/logout", summary="Sign out (ends the session)")
async def logout(request: Request) -> Response:
    _refuse_foreign_form(request)
    cookie = request.cookies.get(COOKIE)
    if cookie:
        await run_in_threadpool(api.end_session, cookie, _settings(request))
    response: Response = (RedirectResponse(LOGIN_PAGE, status_code=303) if _wants_html(request)
                          else JSONResponse({"signed_out": True}))
    response.delete_cookie(COOKIE, path="/")
    return response


async def _signed_in(request: Request) -> api.Principal:
    """Any signed-in user (``deps.require("read")``)."""
    return await require("read")(request)


_signed_in.permission = "read"  # type: ignore[attr-defined]


@router.get("/me", summary="Who is signed in")
async def me(principal: Annotated[api.Principal, Depends(_signed_in)]) -> dict[str, str]:
    return {"username": principal.username, "role": principal.role, "via": principal.via}


@router.post("/setup", summary="Create the first admin with the one-time setup link")
async def setup(request: Request, token: str = Form(...), username: str = Form(...),
                password: str = Form(...)) -> Response:
    settings = _settings(request)
    _refuse_foreign_form(request)
    user = await run_in_threadpool(api.complete_setup, token, username, password, settings)
    principal = api.Principal(user.username, user.role, "session", user.id)
    secret = await run_in_threadpool(api.start_session, principal, settings)
    response: Response = (RedirectResponse("/workbench", status_code=303) if _wants_html(request)
                          else JSONResponse({"username": user.username, "role": user.role}, status_code=201))
    set_session_cookie(response, secret, settings)
    return response


__all__ = ["router"]
