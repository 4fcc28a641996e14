"""The Reflex app: every page (workbench/pages), the REST API as ``api_transformer`` (its routes match first)
and the admin dashboard over the engine's tables, all served on one port by ``workbench serve``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import reflex as rx
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from jinja2 import PackageLoader, PrefixLoader
from starlette_admin.contrib.sqla import Admin, ModelView

from workbench import pages
from workbench.components import routes
from workbench.api.app import create_api
from workbench.engine.api import ADMIN_TABLES, get_engine, get_settings
from workbench.state.auth import SessionBoundState, on_backend_error
from workbench.web import on_browser_error

ADMIN_SECRET_FILE = "admin_secret"
#: Our overrides of starlette-admin templates (base.html without its outside web font).
ADMIN_TEMPLATES = Path(__file__).resolve().parent / "components" / "admin_templates"
#: Files of the project's assets/ folder, served at the root of the site.
FAVICON = "/favicon.ico"
SCROLL_SCRIPT = "/js/scroll.js"


class ReadOnlyView(ModelView):
    """The store's history is immutable (runs, spec versions, RAW files): the dashboard only reads it. Large
    JSON and text columns stay out of the lists (they are on each record's page)."""

    exclude_fields_from_list = ["spec", "yaml_text", "timeline", "outputs", "control_totals", "qa", "inputs",
                                "warnings", "warnings_es", "error", "meta", "params", "timings_ms", "skipped"]

    def can_create(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def can_edit(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def can_delete(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def can_import(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


def admin_secret() -> str:
    """``WORKBENCH_ADMIN_SECRET``, or one random secret kept in the data directory, so every server process
    signs the admin's cookies alike (a per-process random key would break its CSRF checks)."""
    settings = get_settings()
    if settings.admin_secret is not None:
        return settings.admin_secret.get_secret_value()
    path = Path(settings.data_dir) / ADMIN_SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        candidate = path.with_suffix(f".{secrets.token_hex(4)}")
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(candidate, path)  # atomic: the first process to get there decides, the others read it
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip()


def _admin() -> rx.AdminDash:
    settings = get_settings()
    admin = Admin(get_engine(settings.db_url), title="Data Workbench · administración", base_url="/admin",
                  secret_key=admin_secret(), logo_url=None, login_logo_url=None, templates_dir=str(ADMIN_TEMPLATES),
                  additional_loaders=[PrefixLoader({"starlette_admin_builtin": PackageLoader("starlette_admin",
                                                                                             "templates")},
                                                   delimiter="/")])
    return rx.AdminDash(models=list(ADMIN_TABLES), admin=admin,
                        view_overrides={model: ReadOnlyView for model in ADMIN_TABLES})


def _api() -> FastAPI:
    """The REST API, plus ``/admin`` -> ``/admin/``: starlette-admin is mounted at ``/admin/`` only, and a typed
    or bookmarked ``/admin`` was a 404."""
    api = create_api()
    api.add_api_route(routes.ADMIN.rstrip("/"), lambda: RedirectResponse(routes.ADMIN, status_code=308),
                      methods=["GET", "HEAD"], include_in_schema=False)
    return api


app = rx.App(
    html_lang="es-CL",
    api_transformer=_api(),
    backend_exception_handler=on_backend_error,  # no session -> sign in; engine errors -> Spanish toast
    frontend_exception_handler=on_browser_error,  # a browser's error: one summary line, once per message
    admin_dash=_admin(),
    head_components=[
        rx.el.meta(name="description", content="Data Workbench: planillas de DIPRES a tablas validadas"),
        rx.el.link(rel="icon", href=FAVICON, type="image/x-icon"),  # assets/favicon.ico (no 404 in the console)
        # Scrolls to what the state names in a data-scroll-to attribute: a static file, so the content security
        # policy needs no 'unsafe-eval' (rx.scroll_to sent from the server is evaluated from a string).
        rx.el.script(src=SCROLL_SCRIPT, defer=True),
    ],
)
app.add_middleware(SessionBoundState(), index=0)  # before Reflex's hydration sends the state
pages.register(app)
