"""The metadata store's database for its operator (``workbench db``): where it is, its schema revision against
the latest one, upgrading it, and the differences between its schema and the models (a model changed without a
migration). Admins only: the CLI on the server's shell acts as the local operator."""

from __future__ import annotations

from typing import Any

from workbench.engine.app.access import requires
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.store import migrate
from workbench.engine.store.db import where


@requires("admin")
def database_location(settings: Settings | None = None) -> str:
    """Host and database (never the password), or the SQLite file: for messages."""
    return where((settings or get_settings()).db_url)


@requires("admin")
def schema_revision(settings: Settings | None = None) -> str | None:
    """The database's schema revision (None: no schema yet)."""
    return migrate.current((settings or get_settings()).db_url)


@requires("admin")
def schema_head() -> str:
    """The latest schema revision (the migrations' head)."""
    return migrate.head()


@requires("admin")
def upgrade_schema(revision: str = "head", settings: Settings | None = None) -> str | None:
    """Migrate the database to ``revision``; the revision it is at afterwards. Safe to run again."""
    return migrate.upgrade((settings or get_settings()).db_url, revision)


@requires("admin")
def schema_drift(settings: Settings | None = None) -> list[Any]:
    """Alembic's differences between the database (which must be at the latest revision: DatabaseNotMigratedError
    otherwise) and the models; empty when they agree."""
    url = (settings or get_settings()).db_url
    migrate.ensure_current(url)
    return migrate.drift(url)


__all__ = ["database_location", "schema_drift", "schema_head", "schema_revision", "upgrade_schema"]
