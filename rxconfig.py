"""Reflex configuration only (no db_url: the engine owns the store and its Alembic migrations).

Ports are not set here: ``workbench serve`` (workbench/web.py) passes them, and in production the app serves
pages, events, the REST API (/workbench/api, /docs) and /admin on one port. The state manager's Redis comes from
``REFLEX_REDIS_URL``, which ``workbench serve`` sets to the product's Redis on a database index of its own.

Cross-origin requests with the user's cookie and the websocket (/_event) are allowed only from the product's
own origin: ``workbench serve`` sets ``REFLEX_CORS_ALLOWED_ORIGINS`` to it (it overrides the value here); without
it, the origins of ``REFLEX_API_URL``/``REFLEX_DEPLOY_URL`` or Reflex's local defaults, never Reflex's ``*``.
"""

import os

import reflex as rx
from reflex.constants import PackageJson
from reflex.plugins.sitemap import SitemapPlugin

# The dev frontend (Vite) listens on loopback only, like the backend (must be set before the config is built).
PackageJson.Commands.DEV = "react-router dev --host 127.0.0.1"

#: Reflex's own defaults for the backend and the dev frontend, when nothing says where the app is served.
LOCAL_DEFAULTS = ("http://localhost:8000", "http://localhost:3000")


def _own_origins() -> list[str]:
    from workbench.web import allowed_origins  # stdlib only: cheap to import wherever Reflex loads this file

    given = [os.environ.get("REFLEX_API_URL"), os.environ.get("REFLEX_DEPLOY_URL")]
    return allowed_origins(*(given if any(given) else LOCAL_DEFAULTS))


config = rx.Config(
    app_name="workbench",
    telemetry_enabled=False,
    backend_host="127.0.0.1",
    cors_allowed_origins=_own_origins(),  # Reflex's default is "*" (any site, with credentials)
    show_built_with_reflex=False,  # the badge links to an outside site
    default_color_mode="light",
    # No sitemap.xml: the product runs on a private address, not for search engines.
    disable_plugins=[SitemapPlugin],
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(appearance="light", accent_color="indigo", gray_color="slate",
                                                          radius="medium", scaling="100%"))],
)
