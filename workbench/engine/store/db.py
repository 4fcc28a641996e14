"""Database engines and sessions, from one URL: SQLite in the data directory by default, PostgreSQL
(``postgresql+psycopg://``) when configured. Connection problems become one clear, password-free error."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from workbench.engine.core.errors import WorkbenchError

#: Longest wait for a new PostgreSQL connection, seconds (libpq's minimum is 2): a down or hung server is
#: reported within this, not after the operating system's TCP timeout.
CONNECT_TIMEOUT_S = 3


class DatabaseUnavailableError(WorkbenchError):
    code = "database-unavailable"
    kind = "unavailable"
    title = "Database unavailable"
    template = "cannot reach the database at {where}: {reason}"
    template_es = ("no se puede conectar a la base de datos en {where}; intente de nuevo en unos momentos "
                   "(detalle: {reason})")


class DatabaseNotMigratedError(WorkbenchError):
    code = "database-not-migrated"
    kind = "unavailable"
    title = "Database schema missing or old"
    template = "the database at {where} has no current schema; run `workbench db upgrade`"
    template_es = "la base de datos en {where} no tiene el esquema al día; ejecute `workbench db upgrade`"


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(invalid database URL)"


def where(url: str) -> str:
    """Host and database of a URL (never the password): ``127.0.0.1:5432/test`` or the SQLite file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite file {parsed.database or ':memory:'}"
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # SQLAlchemy emits BEGIN itself (see _sqlite_begin): the driver's own transaction handling is off.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
    """Take the write lock at BEGIN: a transaction that reads then writes can't fail with "database is locked"
    when another writer committed in between; concurrent writers queue (busy_timeout) instead of failing.
    Read-only sessions (``read_scope``) use an autocommit engine and take no lock."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


@lru_cache(maxsize=16)
def get_engine(url: str, *, autocommit: bool = False) -> Engine:
    """One engine per URL (and mode) for the process. SQLite: WAL, foreign keys on, a busy timeout for
    concurrent writers. PostgreSQL: a small pool with pre-ping, a connect timeout. ``autocommit`` engines
    serve read-only sessions: no BEGIN/COMMIT round trips, no SQLite write lock."""
    _ENGINES.add(((url,), (("autocommit", autocommit),)))
    parsed = make_url(url)
    options = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 10}, **options)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        if not autocommit:
            sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5,
                            connect_args={"connect_timeout": CONNECT_TIMEOUT_S}, **options)


def _forget_pools_in_child() -> None:
    """After fork (RQ's work horse), never reuse the parent's pooled connections: open new ones."""
    for engine_args in list(_ENGINES):
        get_engine(*engine_args[0], **dict(engine_args[1])).dispose(close=False)


_ENGINES: set[tuple[tuple[Any, ...], tuple[tuple[str, Any], ...]]] = set()
os.register_at_fork(after_in_child=_forget_pools_in_child)


def dispose_engines(url: str) -> None:
    """Close every pooled connection to ``url`` (both modes) and forget the engines."""
    for autocommit in (False, True):
        get_engine(url, autocommit=autocommit).dispose()
    get_engine.cache_clear()
    _ENGINES.clear()


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session that commits on success and rolls back on error; connection failures become
    DatabaseUnavailableError naming the host (never the password)."""
    try:
        with Session(get_engine(url), expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    except sa.exc.DBAPIError as exc:
        if _is_connection_error(exc):
            raise unavailable(url, exc) from None
        raise


@contextmanager
def read_scope(url: str) -> Iterator[Session]:
    """A session for reads only: autocommit (no BEGIN/COMMIT round trips, no SQLite write lock)."""
    engine = get_engine(url, autocommit=True)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    except sa.exc.DBAPIError as exc:
        if _is_connection_error(exc):
            raise unavailable(url, exc) from None
        raise


def unavailable(url: str, exc: sa.exc.DBAPIError) -> DatabaseUnavailableError:
    """The one-line, password-free error for a connection failure (the driver's first line as the reason)."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None and str(exc.orig).strip() else \
        "connection failed"
    return DatabaseUnavailableError(where=where(url), reason=scrub(reason, url))


#: SQLSTATEs of a server that is unreachable, going away or not taking connections: class 08 (connection
#: exception), 57P01-57P03 (shut down by the administrator, crash shutdown, cannot connect now), 53300 (too many
#: connections). Everything else (a constraint, a syntax error, a lock timeout) is not an outage.
UNAVAILABLE_SQLSTATES = ("57P01", "57P02", "57P03", "53300")
_UNAVAILABLE_TEXT = ("connection", "could not connect", "timeout", "unable to open database", "no such host",
                     "name or service", "refused", "the database system is", "server closed")


def _is_connection_error(exc: sa.exc.DBAPIError) -> bool:
    """A failure to reach the server (or a connection it dropped), as opposed to an error in the statement."""
    if exc.connection_invalidated:  # SQLAlchemy's dialect recognised a disconnect
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    if sqlstate.startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES:
        return True
    if sqlstate or not isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        return False  # the server answered with an error of another class: not an outage
    text = str(exc.orig or exc).lower()
    return any(s in text for s in _UNAVAILABLE_TEXT)


def scrub(text: str, url: str) -> str:
    """``text`` with the URL's password (if any) replaced by ``***``."""
    password = make_url(url).password
    return text.replace(str(password), "***") if password else text


__all__ = ["CONNECT_TIMEOUT_S", "DatabaseNotMigratedError", "DatabaseUnavailableError", "dispose_engines", "get_engine",
           "read_scope", "safe_url", "scrub", "session_scope", "unavailable", "where"]
