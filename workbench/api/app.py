"""The REST API application: ``create_api()`` builds the FastAPI app the Reflex app mounts
(``rx.App(api_transformer=create_api())``) and that ``bench/api.py`` serves alone."""

from __future__ import annotations

import gc

from fastapi import FastAPI
from starlette.types import ASGIApp

from workbench.api import openapi, problems
from workbench.api.routes import apidocs, automation, login_page, backfills, datasets, docs_site, health, lineage, previews, runs, session
from workbench.api.routes import drift, editor, releases
from workbench.api.cache import ResponseCache, StoreCachedGet
from workbench.api.drain import DrainBody
from workbench.api.error_pages import BrowserErrors
from workbench.api.guards import AdminGuard
from workbench.api.security import SecurityHeaders
from workbench.api.server_errors import MethodCheck, PlainErrors
from workbench.api.uploads import FORM_OVERHEAD_BYTES
from workbench.api.ratelimit import UploadRateLimit
from workbench.engine import api
from workbench.engine.api import ENGINE_VERSION, Settings, get_settings

ROUTERS = (login_page.router, session.router, datasets.router, datasets.specs_router, previews.router, runs.router,
           backfills.router, lineage.router, health.router, docs_site.router,
           releases.router, releases.changelog_router, drift.router, automation.router,
           editor.router)
#: GET routes whose answers are cached under the store's change marker (they read the store only).
CACHED_PATHS = frozenset({"/workbench/datasets"})

DESCRIPTION = """Data Workbench REST API: datasets, previews, runs, exports, backfills, lineage and health.

Errors are RFC 9457 problem documents (`application/problem+json`) carrying the engine's error `code`,
the Spanish message `message_es` and the location of the problem (file, sheet, row, column, spec line)."""


#: The facade's store-backed names every authenticated request uses: loaded before the start-up objects are
#: frozen, so the modules the first request would import are frozen too.
HOT_PATH_NAMES = ("resolve", "recently_resolved", "list_datasets", "store_version")


def freeze_startup_objects() -> None:
    """Leave the objects of the process's start (modules, the app, its routes and models) out of every later
    garbage collection, once per process. A server process holds ~180,000 of them; each full collection walked
    them all, 130-580 ms on a loaded 2-core machine, stopping every request of the worker meanwhile: the p99
    tail of issue 15.4. Garbage made at start is collected first, so nothing collectable is frozen."""
    if gc.get_freeze_count():
        return
    for name in HOT_PATH_NAMES:
        getattr(api, name)
    gc.collect()
    gc.freeze()


class WorkbenchAPI(FastAPI):
    """FastAPI whose outermost layers are ours: security headers and problem documents wrap even Starlette's
    ``ServerErrorMiddleware`` (which ``add_middleware`` puts outside every user middleware, so a 500 left
    without the security headers) and the frameworks' plain-text errors; a problem a browser navigated to is
    a Spanish page (``error_pages``); a request body a route left unread is read before the request ends
    (``drain``)."""

    def build_middleware_stack(self) -> ASGIApp:
        settings = self.state.settings
        drained = DrainBody(super().build_middleware_stack(), limit=settings.max_upload_bytes + FORM_OVERHEAD_BYTES)
        return SecurityHeaders(BrowserErrors(PlainErrors(drained)), production=settings.environment == "production")


def create_api(settings: Settings | None = None) -> FastAPI:
    """The API over ``settings`` (default: the process's ``WORKBENCH_*`` settings), read once here."""
    app = WorkbenchAPI(title="Data Workbench API", version=ENGINE_VERSION, description=DESCRIPTION,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.settings = settings or get_settings()
    app.state.principal = None
    problems.install(app)
    openapi.install(app)  # every error a problem document, the statuses every route may answer
    apidocs.install(app)  # /docs with Swagger UI from a package, not a CDN
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(StoreCachedGet, paths=CACHED_PATHS, settings=app.state.settings, cache=ResponseCache())
    app.add_middleware(UploadRateLimit, settings=app.state.settings)
    app.add_middleware(AdminGuard, settings=app.state.settings)  # /admin (mounted by Reflex) for admins only
    app.add_middleware(MethodCheck, routes=lambda: app.router.routes)  # before Reflex's mount can answer 405
    freeze_startup_objects()
    return app  # SecurityHeaders and PlainErrors wrap everything (WorkbenchAPI.build_middleware_stack)
