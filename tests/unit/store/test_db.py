"""Engines and sessions: messages never carry the password; unreachable servers fail fast and clearly."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from workbench.engine.store import db

SECRET_URL = "postgresql+psycopg://u:s3cret@10.0.0.1:5432/db"
UNREACHABLE_URL = "postgresql+psycopg://u:s3cret@127.0.0.1:1/db"  # port 1: refused at once


def test_where_names_host_port_and_database_without_password():
    assert db.where(SECRET_URL) == "10.0.0.1:5432/db"


def test_where_names_the_sqlite_file(tmp_path):
    assert db.where(f"sqlite:///{tmp_path}/w.db") == f"sqlite file {tmp_path}/w.db"


def test_safe_url_hides_the_password():
    assert db.safe_url(SECRET_URL) == "postgresql+psycopg://u:***@10.0.0.1:5432/db"


def test_safe_url_of_garbage_is_a_placeholder():
    assert db.safe_url("not a url") == "(invalid database URL)"


@pytest.fixture
def unreachable_url():
    yield UNREACHABLE_URL
    db.get_engine(UNREACHABLE_URL).dispose()
    db.get_engine.cache_clear()


def test_unreachable_postgresql_is_a_clear_error_within_seconds(unreachable_url):
    started = time.monotonic()
    with pytest.raises(db.DatabaseUnavailableError) as caught:
        with db.session_scope(unreachable_url) as session:
            session.execute(sa.text("SELECT 1"))
    assert time.monotonic() - started < 6
    message = caught.value.message
    assert message.startswith("cannot reach the database at 127.0.0.1:1/db: ")
    assert "s3cret" not in message and "s3cret" not in str(caught.value.to_dict())
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.fixture
def sqlite_url(tmp_path):
    url = f"sqlite:///{tmp_path}/sub/w.db"
    yield url
    db.get_engine(url).dispose()
    db.get_engine.cache_clear()


def test_sqlite_engine_has_foreign_keys_on_and_wal(sqlite_url):
    with db.get_engine(sqlite_url).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_sqlite_engine_creates_the_data_directory(sqlite_url, tmp_path):
    db.get_engine(sqlite_url)
    assert (tmp_path / "sub").is_dir()


def test_session_scope_rolls_back_on_error(sqlite_url):
    with db.session_scope(sqlite_url) as session:
        session.execute(sa.text("CREATE TABLE t (x INTEGER)"))
    with pytest.raises(RuntimeError):
        with db.session_scope(sqlite_url) as session:
            session.execute(sa.text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("boom")
    with db.session_scope(sqlite_url) as session:
        assert session.execute(sa.text("SELECT count(*) FROM t")).scalar() == 0
