"""Real databases for store tests: every test gets its own, on SQLite and on PostgreSQL.

- ``db_url``: a fresh database migrated to head with ``migrate.upgrade`` (never ``create_all``);
- ``empty_db_url``: a fresh database with no schema at all.

Both are parametrised with the ids ``sqlite`` (a file in ``tmp_path``) and ``postgresql`` (a database
``wb_test_<hex>`` created on ``WORKBENCH_TEST_POSTGRES_URL``, default the local server, dropped afterwards).
``WORKBENCH_TEST_BACKENDS=sqlite`` runs SQLite only (a laptop without PostgreSQL); otherwise an unreachable
PostgreSQL is a test error, never a skip: CI runs both.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from workbench.engine.store import db, migrate

BACKENDS = ("sqlite", "postgresql")
DEFAULT_POSTGRES_URL = "postgresql+psycopg://root@127.0.0.1:5432/postgres"
POSTGRES_CONNECT_TIMEOUT_S = 5


def selected_backends() -> list[str]:
    raw = os.environ.get("WORKBENCH_TEST_BACKENDS", "")
    wanted = [name.strip() for name in raw.split(",") if name.strip()] or list(BACKENDS)
    unknown = sorted(set(wanted) - set(BACKENDS))
    if unknown:
        raise pytest.UsageError(f"WORKBENCH_TEST_BACKENDS: unknown {unknown}; use {', '.join(BACKENDS)}")
    return [name for name in BACKENDS if name in wanted]


SELECTED = selected_backends()


def libpq(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as a libpq connection string for psycopg."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """The server's maintenance database, checked once per session (the failure is repeated per test)."""
    url = os.environ.get("WORKBENCH_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    try:
        psycopg.connect(libpq(url), connect_timeout=POSTGRES_CONNECT_TIMEOUT_S).close()
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    else:
        return url
    pytest.fail(  # outside the except block: one clear line, no chained traceback
        f"PostgreSQL is unreachable at {db.where(url)} ({reason}). Start it (.ci/run does), point "
        "WORKBENCH_TEST_POSTGRES_URL at a server, or test SQLite only with WORKBENCH_TEST_BACKENDS=sqlite.",
        pytrace=False,
    )


def dispose(url: str) -> None:
    """Close the process's pooled connections to ``url`` (get_engine is cached per URL)."""
    db.dispose_engines(url)


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A new, empty database on the server, dropped afterwards (about 0.3 s each, mostly CREATE DATABASE)."""
    name = f"wb_test_{secrets.token_hex(6)}"  # unique: safe with pytest-xdist and shared servers
    with psycopg.connect(libpq(admin_url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        dispose(url)
        with psycopg.connect(libpq(admin_url), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def sqlite_database(path: Path) -> Iterator[str]:
    url = f"sqlite:///{path}"
    try:
        yield url
    finally:
        dispose(url)


@pytest.fixture(params=SELECTED)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database without any schema."""
    if request.param == "sqlite":
        with sqlite_database(tmp_path / "empty.db") as url:
            yield url
    else:
        with postgres_database(request.getfixturevalue("postgres_admin_url")) as url:
            yield url


@pytest.fixture(params=SELECTED)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database migrated to the head revision."""
    if request.param == "sqlite":
        with sqlite_database(tmp_path / "workbench.db") as url:
            migrate.upgrade(url)
            yield url
    else:
        with postgres_database(request.getfixturevalue("postgres_admin_url")) as url:
            migrate.upgrade(url)
            yield url
