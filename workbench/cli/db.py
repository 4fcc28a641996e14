"""``workbench db``: create, upgrade and check the metadata store's schema (Alembic migrations).

The database is the configured one (``WORKBENCH_DATABASE_URL``, default SQLite at ``<data_dir>/workbench.db``).
User errors (database unreachable, schema missing) print one line on stderr and exit 2.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from workbench.cli.common import user_errors
from workbench.engine.core.settings import get_settings


def _url() -> str:
    return get_settings().db_url


@click.group()
def db() -> None:
    """Create, upgrade and check the metadata store's schema."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@user_errors
def upgrade(revision: str) -> None:
    """Migrate the database to the latest schema (or to --revision). Safe to run again."""
    from workbench.engine.store import migrate
    from workbench.engine.store.db import where

    url = _url()
    before = migrate.current(url)
    after = migrate.upgrade(url, revision)
    if before == after:
        click.echo(f"{where(url)}: already at {after}")
    else:
        click.echo(f"{where(url)}: upgraded {before or '(empty)'} -> {after}")


@db.command()
@user_errors
def current() -> None:
    """Print the database's schema revision and whether it is the latest."""
    from workbench.engine.store import migrate
    from workbench.engine.store.db import where

    url = _url()
    revision, head = migrate.current(url), migrate.head()
    if revision == head:
        state = "(head)"
    else:
        state = f"(latest is {head}; run `workbench db upgrade`)"
    click.echo(f"{where(url)}: {revision or 'no schema'} {state}")


@db.command()
@user_errors
def check() -> None:
    """Compare the database (at the latest revision) with the models. Exit 2 and list the differences
    when they drift, i.e. a model changed without a migration."""
    from workbench.engine.store import migrate
    from workbench.engine.store.db import where

    url = _url()
    migrate.ensure_current(url)
    differences = migrate.drift(url)
    if not differences:
        click.echo(f"{where(url)}: schema at {migrate.head()}, no differences with the models")
        return
    click.echo(f"{where(url)}: the models and the migrations differ ({len(differences)}):", err=True)
    for diff in differences:
        click.echo(f"  {describe(diff)}", err=True)
    click.echo("Write a migration: alembic revision --autogenerate -m '...'", err=True)
    sys.exit(2)


def describe(diff: Any) -> str:
    """One line for an Alembic autogenerate difference: ``add_column data_workbench_runs.notes``."""
    if isinstance(diff, list):  # the modify_* changes of one column come grouped
        return "; ".join(describe(d) for d in diff)
    op, *args = diff
    if op.startswith("modify_"):
        _schema, table, column, _kw, old, new = args
        return f"{op} {table}.{column}: {old!r} -> {new!r}"
    if op in ("add_column", "remove_column"):
        _schema, table, column = args
        return f"{op} {table}.{column.name}"
    obj = args[-1]
    table = getattr(obj, "table", None)
    on = f" on {table.name}" if table is not None and getattr(table, "name", None) else ""
    return f"{op} {getattr(obj, 'name', None) or obj!r}{on}"


__all__ = ["db", "describe"]
