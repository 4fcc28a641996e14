"""The ASGI application the production server runs (``workbench serve`` -> Granian -> ``server()``): the
Reflex app (pages, events, the REST API, /admin) inside our outermost layers.

Reflex wraps our API in a top-level Starlette app of its own, whose router answers by itself when nothing
matches (a path holding an encoded newline, ``/workbench/docs/a%0Ab``, matches no route): a plain-text
``404 Not Found`` without security headers. Here every answer, those included, carries the security headers,
a framework's plain-text error becomes a problem document, and a problem a browser navigated to a Spanish
page."""

from __future__ import annotations

import gc

from starlette.types import ASGIApp

from workbench.api.error_pages import BrowserErrors
from workbench.api.security import SecurityHeaders
from workbench.api.server_errors import PlainErrors
from workbench.engine.api import get_settings


def server() -> ASGIApp:
    """Granian's factory: build the Reflex app's ASGI application and wrap it."""
    from workbench.workbench import app  # lazy: imports Reflex and builds the app, in the server's workers only

    wrapped = SecurityHeaders(BrowserErrors(PlainErrors(app())), production=get_settings().environment == "production")
    # the built app's objects are permanent: out of the GC's generations, so a full collection does not walk them
    # (create_api() froze the API's; Reflex builds more after it; full collections over them stalled requests)
    gc.collect()
    gc.freeze()
    return wrapped


__all__ = ["server"]
