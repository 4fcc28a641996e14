"""``workbench db``: create, upgrade and check the metadata store's schema (Alembic migrations).

The database is the configured one (``WORKBENCH_DATABASE_URL``, default SQLite at ``<data_dir>/workbench.db``).
User errors (database unreachable, schema missing) print one line on stderr and exit 2.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from workbench.cli.common import user_errors
from workbench.engine import api


@click.group()
def db() -> None:
    """Create, upgrade and check the metadata store's schema."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@user_errors
def upgrade(revision: str) -> None:
    """Migrate the database to the latest schema (or to --revision). Safe to run again."""
    where = api.database_location()
    before = api.schema_revision()
    after = api.upgrade_schema(revision)
    if before == after:
        click.echo(f"{where}: already at {after}")
    else:
        click.echo(f"{where}: upgraded {before or '(empty)'} -> {after}")


@db.command()
@user_errors
def current() -> None:
    """Print the database's schema revision and whether it is the latest."""
    revision, head = api.schema_revision(), api.schema_head()
    if revision == head:
        state = "(head)"
    else:
        state = f"(latest is {head}; run `workbench db upgrade`)"
    click.echo(f"{api.database_location()}: {revision or 'no schema'} {state}")


@db.command()
@user_errors
def check() -> None:
    """Compare the database (at the latest revision) with the models. Exit 2 and list the differences
    when they drift, i.e. a model changed without a migration."""
    where = api.database_location()
    differences = api.schema_drift()
    if not differences:
        click.echo(f"{where}: schema at {api.schema_head()}, no differences with the models")
        return
    click.echo(f"{where}: the models and the migrations differ ({len(differences)}):", err=True)
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
