"""Reflex configuration only (no db_url: the engine owns the store and its Alembic migrations).

Ports are not set here: ``workbench serve`` (workbench/web.py) passes them, and in production the app serves
pages, events, the REST API (/workbench/api, /docs) and /admin on one port. The state manager's Redis comes from
``REFLEX_REDIS_URL``, which ``workbench serve`` sets to the product's Redis on a database index of its own.
"""

import reflex as rx
from reflex.constants import PackageJson
from reflex.plugins.sitemap import SitemapPlugin

# The dev frontend (Vite) listens on loopback only, like the backend (must be set before the config is built).
PackageJson.Commands.DEV = "react-router dev --host 127.0.0.1"

config = rx.Config(
    app_name="workbench",
    telemetry_enabled=False,
    backend_host="127.0.0.1",
    show_built_with_reflex=False,  # the badge links to an outside site
    default_color_mode="light",
    # No sitemap.xml: the product runs on a private address, not for search engines.
    disable_plugins=[SitemapPlugin],
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(appearance="light", accent_color="indigo", gray_color="slate",
                                                          radius="medium", scaling="100%"))],
)
