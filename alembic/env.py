"""Alembic environment of the metadata store.

The URL comes from, in order: ``config.attributes["url"]`` (set by workbench.engine.store.migrate, which
also passes its open connection as ``config.attributes["connection"]``), ``alembic -x url=...``, and the
workbench settings (``WORKBENCH_DATABASE_URL``, default SQLite at ``<data_dir>/workbench.db``).
The target is ``SQLModel.metadata``; the autogenerate options are shared with ``workbench db check``.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection, make_url

from workbench.engine.core.settings import get_settings
from workbench.engine.store.migrate import connect, context_options

config = context.config

if config.config_file_name is not None:  # only with alembic.ini (the `alembic` command), not from migrate.py
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    return (config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
            or get_settings().db_url)


def run_migrations_offline() -> None:
    """``alembic upgrade --sql``: print the SQL instead of running it."""
    url = database_url()
    context.configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"},
                      **context_options(make_url(url).get_backend_name()))
    with context.begin_transaction():
        context.run_migrations()


def sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    """Switch SQLite's foreign-key enforcement. The PRAGMA is ignored inside a transaction, so it goes
    straight to the driver connection after ending SQLAlchemy's, and is read back to be sure."""
    connection.commit()
    dbapi = connection.connection.dbapi_connection
    dbapi.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if bool(dbapi.execute("PRAGMA foreign_keys").fetchone()[0]) != on:
        raise RuntimeError(f"could not switch SQLite foreign keys {'on' if on else 'off'}: a transaction is open")


def run_on(connection: Connection) -> None:
    # SQLite: batch operations copy and drop tables; with foreign keys enforced, dropping a referenced
    # table would delete or reject rows. Enforcement is off during the migration, references are checked
    # afterwards, and it is back on for the pooled connection.
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        sqlite_foreign_keys(connection, on=False)
    try:
        context.configure(connection=connection, **context_options(connection.dialect.name))
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration left rows with broken foreign keys: {broken[:10]}")
    finally:
        if sqlite:
            sqlite_foreign_keys(connection, on=True)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    with connect(database_url()) as connection:
        run_on(connection)
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
