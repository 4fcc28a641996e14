"""A problem a person reaches by following a link opens as a small Spanish page, not as raw JSON.

The run page's links (Data Docs, the exports, the RAW file) are browser navigations into the API: a Data Docs
page that no longer exists or an export refused because QA failed answered ``application/problem+json``, which
the browser printed as it was. ``BrowserErrors`` turns such an answer into an HTML page (the problem's Spanish
message, escaped; its code; a link back) when the request is a GET whose ``Accept`` prefers ``text/html`` over
JSON, which is what a browser sends when it navigates. API clients (``Accept: */*`` or JSON) keep the problem
document. The status and the headers that matter (``Allow``, ``Retry-After``, ``WWW-Authenticate``) are kept;
the security headers are added outside (``security.py``), as on every answer.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workbench.engine.api import html_document

PROBLEM_TYPE = b"application/problem+json"
KEPT_HEADERS = (b"allow", b"retry-after", b"www-authenticate")
#: Headings by status: what happened, in the analyst's words.
HEADINGS = {401: "Inicie sesión", 403: "Sin permiso", 404: "No se encontró", 409: "No se puede hacer ahora",
            413: "Archivo demasiado grande", 429: "Demasiadas solicitudes"}
RUN_PATH = re.compile(r"^/workbench/(?:runs|docs/runs)/(\d+)(?:/|$)")

STYLE = """body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f8f9fb;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c2024}
main{background:#fff;border:1px solid #e0e1e6;border-radius:12px;padding:32px;max-width:32rem;
box-shadow:0 1px 3px rgba(0,0,0,.06)}
h1{font-size:1.3rem;margin:0 0 12px}p{margin:0 0 16px;line-height:1.45}
code{color:#60646c;font-size:.8rem}a{color:#3e63dd;font-weight:600}"""


def _quality(accept: str, media: str) -> float:
    """The q a header gives ``media`` (its most specific range: exact, then ``type/*``, then ``*/*``)."""
    kind = media.split("/")[0] + "/*"
    best: tuple[int, float] = (-1, 0.0)
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        rank = {media: 2, kind: 1, "*/*": 0}.get(fields[0].lower(), -1)
        if rank > best[0]:
            q = next((f[2:] for f in fields[1:] if f.lower().startswith("q=")), "1")
            try:
                best = (rank, float(q))
            except ValueError:
                best = (rank, 0.0)
    return best[1]


def wants_html(scope: Scope) -> bool:
    """A browser navigating: a GET whose Accept lists ``text/html`` itself, preferred to JSON."""
    if scope.get("method") != "GET":
        return False
    accept = dict(scope.get("headers") or []).get(b"accept", b"").decode("latin-1")
    if "text/html" not in accept.lower():
        return False
    html = _quality(accept, "text/html")
    return html > 0 and html >= max(_quality(accept, "application/json"), _quality(accept, "application/problem+json"))


def way_back(path: str, status: int) -> tuple[str, str]:
    """(address, label) of the page to go back to: signing in for a 401, the run a run's address names, else
    the datasets."""
    if status == 401:
        return f"/login?next={quote(path, safe='/')}", "Iniciar sesión"
    run = RUN_PATH.match(path)
    if run:
        return f"/ejecuciones/{run.group(1)}", "Volver a la ejecución"
    return "/workbench", "Volver a los datasets"


def error_page(problem: dict[str, Any], status: int, path: str) -> str:
    """The page for one problem document: every value from it escaped."""
    heading = HEADINGS.get(status, "Error del servidor" if status >= 500 else "No se pudo completar")
    message = str(problem.get("message_es") or problem.get("detail") or "")
    href, label = way_back(path, status)
    body = (f'<main role="alert"><h1>{escape(heading)}</h1><p>{escape(message)}</p>'
            f'<p><a href="{escape(href, quote=True)}" id="error-back">{escape(label)}</a></p>'
            f"<code>{status} · {escape(str(problem.get('code') or ''))}</code></main>")
    return html_document(title=f"{heading} · Data Workbench", body=body, lang="es-CL", style=STYLE)


class BrowserErrors:
    """Problem documents answered to a browser navigation leave as ``error_page`` (same status)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not wants_html(scope):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = bytearray()

        async def as_page(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and start is None:
                headers = dict(message.get("headers", []))
                if message["status"] >= 400 and headers.get(b"content-type", b"").startswith(PROBLEM_TYPE):
                    start = message  # held until the whole problem has arrived
                    return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._send_page(start, bytes(body), scope.get("path", ""), send)

        await self.app(scope, receive, as_page)

    @staticmethod
    async def _send_page(start: Message, body: bytes, path: str, send: Send) -> None:
        try:
            problem = json.loads(body)
        except ValueError:
            problem = {}
        page = error_page(problem if isinstance(problem, dict) else {}, start["status"], path).encode()
        kept = [(k, v) for k, v in start.get("headers", []) if k.lower() in KEPT_HEADERS]
        await send({"type": "http.response.start", "status": start["status"], "headers": [
            *kept, (b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(page)).encode())]})
        await send({"type": "http.response.body", "body": page, "more_body": False})


__all__ = ["BrowserErrors", "error_page", "wants_html", "way_back"]
