"""``GET /login``: the sign-in page, rendered by the server as plain HTML (no script needed). Its form posts to
``/workbench/auth/login`` (or ``/workbench/auth/setup`` with the one-time link), which answers with the
HttpOnly session cookie and a redirect: the password and the cookie never pass through page scripts.
Every value taken from the query string is HTML-escaped."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from workbench.engine.api import html_document

router = APIRouter(include_in_schema=False)

ERRORS = {"invalid": "Usuario o contraseña incorrectos.",
          "locked": "Demasiados intentos fallidos: espere unos minutos e intente de nuevo.",
          "unavailable": "El servicio no está disponible en este momento (base de datos); intente en unos segundos.",
          "cross-site": "El formulario debe enviarse desde esta página."}

STYLE = """body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f8f9fb;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c2024}
main{background:#fff;border:1px solid #e0e1e6;border-radius:12px;padding:32px;width:100%;max-width:360px;
box-shadow:0 1px 3px rgba(0,0,0,.06)}
h1{font-size:1.25rem;margin:0 0 4px;display:flex;align-items:center;gap:8px}
h1 span{width:14px;height:14px;background:#3e63dd;border-radius:3px;display:inline-block}
p{color:#60646c;font-size:.9rem;margin:0 0 20px}
label{display:block;font-size:.85rem;font-weight:600;margin:12px 0 4px}
input{width:100%;box-sizing:border-box;padding:9px 12px;border:1px solid #cdced6;border-radius:6px;font-size:1rem}
input:focus{outline:2px solid #3e63dd;border-color:#3e63dd}
button{margin-top:20px;width:100%;padding:10px;border:0;border-radius:6px;background:#3e63dd;color:#fff;
font-weight:600;font-size:1rem;cursor:pointer}
.error{background:#ffefef;border:1px solid #fdbdbe;color:#ce2c31;border-radius:6px;padding:8px 12px;font-size:.9rem}
"""

BODY = """<main>
<h1><span></span>Data Workbench</h1>
<p>{intro}</p>
{error}
<form method="post" action="{action}">
<label for="username">Usuario</label>
<input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Contraseña</label>
<input id="password" name="password" type="password" autocomplete="{password_autocomplete}" required>
<input type="hidden" name="next" value="{next}">
{setup}
<button id="login-submit" type="submit">{button}</button>
</form>
</main>"""


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/workbench"


@router.get("/login")
async def login_page(request: Request) -> HTMLResponse:
    query = request.query_params
    setup_token = query.get("setup", "")[:200]
    error = ERRORS.get(query.get("error", ""), "")
    page = html_document(title="Iniciar sesión · Data Workbench", lang="es-CL", style=STYLE, body=BODY.format(
        intro="Cree la cuenta de administración inicial." if setup_token else "Inicie sesión para continuar.",
        error=f'<div class="error" role="alert">{escape(error)}</div>' if error else "",
        action="/workbench/auth/setup" if setup_token else "/workbench/auth/login",
        password_autocomplete="new-password" if setup_token else "current-password",
        next=escape(_safe_next(query.get("next", "/workbench")), quote=True),
        setup=f'<input type="hidden" name="token" value="{escape(setup_token, quote=True)}">' if setup_token else "",
        button="Crear administrador" if setup_token else "Ingresar",
    ))
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


__all__ = ["router"]
