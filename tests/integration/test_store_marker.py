"""The store's change marker (``store_version``), which keys the API's cached answers: it moves when any
connection commits a change, and on PostgreSQL its kept connection survives the server closing it."""

from __future__ import annotations

import os

import psycopg
import pytest
from sqlalchemy.engine import make_url

from workbench.engine.app import datasets
from workbench.engine.core.settings import Settings
from workbench.engine.store.db import session_scope
from workbench.engine.store.models import Dataset, utcnow


@pytest.fixture
def settings(db_url, tmp_path):
    return Settings(data_dir=tmp_path / "data", database_url=db_url)


def add_dataset(settings: Settings, slug: str) -> None:
    now = utcnow()
    with session_scope(settings.db_url) as session:
        session.add(Dataset(slug=slug, title=slug, description="", owner="t", spec={}, spec_hash="0" * 64, version=1,
                            layers=["bronze"], active=True, spec_path="", created_at=now, updated_at=now))


def test_the_marker_moves_exactly_when_a_change_commits(settings):
    before = datasets.store_version(settings)
    assert datasets.store_version(settings) == before  # reads change nothing
    add_dataset(settings, "uno")
    after = datasets.store_version(settings)
    assert after != before
    assert datasets.store_version(settings) == after


def test_a_marker_connection_the_server_closed_is_replaced(settings, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("a connection kept to a database server")
    before = datasets.store_version(settings)
    conn = datasets._marker_conns[(os.getpid(), settings.db_url)][0]
    pid = conn.driver_connection.info.backend_pid
    libpq = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    assert datasets.store_version(settings) == before  # read again on a new connection, not a 503
    assert datasets._marker_conns[(os.getpid(), settings.db_url)][0] is not conn
    add_dataset(settings, "dos")
    assert datasets.store_version(settings) != before
