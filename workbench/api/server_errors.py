"""Errors the frameworks answer by themselves, made problem documents like ours.

- ``MethodCheck``: a method an API path does not have is ``405`` with ``Allow`` listing every method of every
  route on that path, ``OPTIONS`` is ``204`` with that ``Allow``, and ``HEAD`` is the GET's headers. Without it the request fell through to
  the frontend's static mount (Reflex mounts it under ``/``), which answered ``405 Method Not Allowed`` in
  plain text with ``Allow: GET, HEAD`` even where the API accepts POST.
- ``PlainErrors``: any other error a framework writes as plain text (Starlette's default 404/405/500 of the
  mounted Reflex app, its ``ServerErrorMiddleware``) leaves as a problem document with the same status and
  headers (``Allow``, ``Retry-After``), never the framework's text. HTML error pages (the frontend's 404 page)
  are pages for people and stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workbench.api import problems

#: Headers of a framework's error kept on the problem that replaces it.
KEPT_HEADERS = (b"allow", b"retry-after", b"www-authenticate")
def route_table(routes: Iterable[Any]) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    """(path pattern, methods) of every route, those of included routers too (FastAPI nests them)."""
    table = []
    for context in iter_route_contexts(list(routes)):
        route = context.route
        if isinstance(route, Route) and route.methods:
            table.append((route.path_regex, frozenset(route.methods)))
    return table


def allowed_methods(table: Iterable[tuple[re.Pattern[str], frozenset[str]]], path: str) -> set[str]:
    """Every method of the API routes whose path matches ``path`` (empty: not an API path). GET implies HEAD
    (``MethodCheck`` answers it: FastAPI's GET routes do not, and the request reached the frontend's page)."""
    methods: set[str] = set()
    for pattern, route_methods in table:
        if pattern.match(path):
            methods |= route_methods
    return methods | {"HEAD"} if "GET" in methods else methods


def allow_header(methods: set[str]) -> str:
    return ", ".join(sorted(methods | {"OPTIONS"}))


class MethodCheck:
    """405 (problem) or the OPTIONS answer for API paths, before the request can reach the frontend's mount."""

    def __init__(self, app: ASGIApp, *, routes: Callable[[], Iterable[Any]]) -> None:
        self.app = app
        self.routes = routes  # read at the first request: routes are added after the middleware
        self._table: list[tuple[re.Pattern[str], frozenset[str]]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method = scope["method"].upper()
            if self._table is None:
                self._table = route_table(self.routes())
            methods = allowed_methods(self._table, scope["path"])
            if method == "HEAD" and "GET" in methods:
                await self.app({**scope, "method": "GET"}, receive, _headers_only(send))
                return
            if methods and method not in methods:
                if method == "OPTIONS":
                    response = Response(status_code=204, headers={"Allow": allow_header(methods)})
                else:
                    response = _problem(405, scope["path"], {"Allow": allow_header(methods)})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _headers_only(send: Send) -> Send:
    """A GET's answer without its body (HEAD): the headers, Content-Length included, then an empty end."""
    async def headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return headers_only


def _problem(status: int, path: str, headers: dict[str, str]) -> Any:
    return problems.http_problem(status, instance=path, headers=headers)


class PlainErrors:
    """A framework's plain-text error answer becomes a problem document (status and key headers kept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def checked(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] >= 400:
                # names in any case: ASGI asks for lower case, engine.io (the /_event socket) sends Content-Type
                headers = {bytes(k).lower(): bytes(v) for k, v in message.get("headers", [])}
                if headers.get(b"content-type", b"").lower().startswith(b"text/plain"):
                    replaced = True
                    kept = {k.decode(): headers[k].decode("latin-1") for k in KEPT_HEADERS if k in headers}
                    await _problem(message["status"], scope.get("path", ""), kept)(scope, receive, send)
                    return
            if replaced:  # the framework's own body: dropped
                return
            await send(message)

        await self.app(scope, receive, checked)


__all__ = ["MethodCheck", "PlainErrors", "allow_header", "allowed_methods", "route_table"]
