"""Accounts, sessions, tokens and roles on a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from workbench.engine.app import access, accounts, sessions
from workbench.engine.core.settings import Settings
from workbench.engine.store.db import session_scope
from workbench.engine.store.models import Credential, User
from sqlmodel import select

PASSWORD = "una-clave-larga-2026"


@pytest.fixture
def settings(db_url, tmp_path):
    return Settings(data_dir=tmp_path / "data", database_url=db_url, login_max_failures=3, login_lockout_s=60)


def test_passwords_are_stored_as_argon2id_and_checked(settings):
    accounts.add_user("Ana", PASSWORD, "analyst", settings)
    with session_scope(settings.db_url) as session:
        row = session.exec(select(User)).one()
    assert row.username == "ana" and row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    principal = sessions.authenticate("ana", PASSWORD, settings=settings)
    assert (principal.username, principal.role) == ("ana", "analyst")
    with pytest.raises(access.AuthError, match="wrong username or password"):
        sessions.authenticate("ana", "otra-clave-larga", settings=settings)
    with pytest.raises(access.AuthError, match="wrong username or password"):  # same answer for unknown users
        sessions.authenticate("nadie", PASSWORD, settings=settings)


def test_weak_passwords_and_bad_usernames_are_refused(settings):
    with pytest.raises(accounts.UserError, match="at least 10"):
        accounts.add_user("ana", "corta", "viewer", settings)
    with pytest.raises(accounts.UserError, match="too easy"):
        accounts.add_user("administrador", "Administrador", "viewer", settings)
    with pytest.raises(accounts.UserError, match="usernames"):
        accounts.add_user("<script>", PASSWORD, "viewer", settings)


def test_failed_sign_ins_lock_out(settings):
    accounts.add_user("ana", PASSWORD, "viewer", settings)
    for _ in range(3):
        with pytest.raises(access.AuthError):
            sessions.authenticate("ana", "mala-clave-larga", address="10.0.0.1", settings=settings)
    with pytest.raises(sessions.TooManyAttemptsError) as err:
        sessions.authenticate("ana", PASSWORD, address="10.0.0.1", settings=settings)  # even the right password
    assert err.value.code == "too-many-attempts"
    assert sessions.authenticate("ana", PASSWORD, address="10.0.0.2", settings=settings).username == "ana"


def test_sessions_and_tokens_are_hashed_expire_and_are_revoked(settings):
    accounts.add_user("ana", PASSWORD, "analyst", settings)
    session_secret = sessions.start_session(sessions.authenticate("ana", PASSWORD, settings=settings), settings)
    token = accounts.create_token("ana", "cargas nocturnas", days=1, settings=settings)
    with session_scope(settings.db_url) as s:
        stored = [c.secret_hash for c in s.exec(select(Credential)).all()]
    assert session_secret not in stored and token not in stored
    assert sessions.resolve(session_secret, settings).via == "session"
    assert sessions.resolve(token, settings).role == "analyst"
    sessions.end_session(session_secret, settings)
    with pytest.raises(access.AuthError):
        sessions.resolve(session_secret, settings)
    listed = accounts.list_tokens("ana", settings)
    assert len(listed) == 1 and token.startswith(listed[0].prefix) and listed[0].name == "cargas nocturnas"
    assert accounts.revoke_token(listed[0].prefix, settings) == 1
    with pytest.raises(access.AuthError):
        sessions.resolve(token, settings)
    expired = accounts.create_token("ana", "vieja", days=1, settings=settings)
    with session_scope(settings.db_url) as s:
        row = [c for c in s.exec(select(Credential).where(Credential.name == "vieja")).all()][0]
        row.expires_at = row.created_at - timedelta(seconds=1)
        s.add(row)
    with pytest.raises(access.AuthError):
        sessions.resolve(expired, settings)


def test_disabling_a_user_or_changing_the_password_ends_access(settings):
    accounts.add_user("jefa", PASSWORD, "admin", settings)
    accounts.add_user("ana", PASSWORD, "analyst", settings)
    browser = sessions.start_session(sessions.authenticate("ana", PASSWORD, settings=settings), settings)
    token = accounts.create_token("ana", "script", settings=settings)
    accounts.set_password("ana", "otra-clave-muy-larga", settings)
    with pytest.raises(access.AuthError):
        sessions.resolve(browser, settings)
    assert sessions.resolve(token, settings).username == "ana"  # tokens survive a password change...
    accounts.set_disabled("ana", True, settings)
    with pytest.raises(access.AuthError):
        sessions.resolve(token, settings)  # ...but not a disabled account
    with pytest.raises(accounts.UserError, match="last admin"):
        accounts.set_disabled("jefa", True, settings)


def test_roles_are_checked_against_the_acting_principal():
    viewer = access.Principal("vera", "viewer")
    analyst = access.Principal("ana", "analyst")
    access.set_process_default(None)
    try:
        with pytest.raises(access.AuthError):
            access.require("read")  # nobody signed in: closed
        with access.acting_as(viewer):
            assert access.require("read") == viewer
            with pytest.raises(access.ForbiddenError) as err:
                access.require("run")
            assert err.value.code == "forbidden" and "analyst" in err.value.message
        with access.acting_as(analyst):
            access.require("run")
            with pytest.raises(access.ForbiddenError):
                access.require("sync_specs")
        with access.acting_as(access.SYSTEM):
            access.require("manage_users")
    finally:
        access.set_process_default(access.SYSTEM)


def test_first_start_creates_the_admin_from_settings_or_issues_a_one_time_link(settings, db_url, tmp_path):
    configured = Settings(data_dir=tmp_path / "a", database_url=db_url, admin_username="jefa",
                          admin_password="clave-inicial-segura")
    assert accounts.bootstrap(configured) is None
    assert [u.role for u in accounts.list_users(configured)] == ["admin"]
    assert accounts.bootstrap(configured) is None  # users exist: nothing to do


def test_setup_link_creates_the_first_admin_once(settings):
    """As on the web server: nobody is signed in (no process default), the link is the only credential."""
    secret = accounts.bootstrap(settings)
    assert secret and secret.startswith("wbx_")
    access.set_process_default(None)
    with pytest.raises(accounts.UserError):
        accounts.complete_setup(secret, "jefa", "corta", settings)  # a weak password does not spend the link
    admin = accounts.complete_setup(secret, "jefa", PASSWORD, settings)
    assert admin.role == "admin"
    with pytest.raises(access.AuthError):
        accounts.complete_setup(secret, "otra", PASSWORD, settings)
    access.set_process_default(access.SYSTEM)
    assert [u.username for u in accounts.list_users(settings)] == ["jefa"]


def test_concurrent_uses_of_the_setup_link_create_one_admin(settings):
    import threading

    secret = accounts.bootstrap(settings)
    results: list[object] = []
    together = threading.Barrier(4)  # all four use the link at once, not one after another as threads start

    def use(name: str) -> None:
        together.wait(timeout=30)
        try:
            results.append(accounts.complete_setup(secret, name, PASSWORD, settings))
        except Exception as exc:  # the loser: the link is spent, or the database serialised the two
            results.append(exc)

    threads = [threading.Thread(target=use, args=(f"admin{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(accounts.list_users(settings)) == 1
    assert sum(not isinstance(r, Exception) for r in results) == 1, results


def test_cli_manages_users_and_tokens(settings, monkeypatch):
    from workbench.cli.main import cli
    from workbench.engine.core.settings import get_settings

    monkeypatch.setenv("WORKBENCH_DATABASE_URL", settings.db_url)
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        added = runner.invoke(cli, ["users", "add", "ana", "--role", "analyst", "--password-stdin"],
                              input=PASSWORD + "\n")
        assert added.exit_code == 0, added.output
        assert PASSWORD not in added.output
        created = runner.invoke(cli, ["tokens", "create", "ana", "--name", "etl"])
        token = created.stdout.strip().splitlines()[0]
        assert token.startswith("wbt_") and sessions.resolve(token, settings).username == "ana"
        listed = runner.invoke(cli, ["tokens", "list"])
        assert "etl" in listed.output and token not in listed.output
        assert runner.invoke(cli, ["tokens", "revoke", token[:10]]).exit_code == 0
        weak = runner.invoke(cli, ["users", "add", "eva", "--password-stdin"], input="corta\n")
        assert weak.exit_code == 2 and "at least 10" in weak.output
        assert runner.invoke(cli, ["users", "disable", "ana"]).exit_code == 0
        assert "disabled" in runner.invoke(cli, ["users", "list"]).output
    finally:
        get_settings.cache_clear()


def test_a_revocation_reaches_other_processes_at_once(db_url, tmp_path):
    """A web worker that resolved a token a moment ago forgets it as soon as another process revokes it (the
    announcement through Redis), not when its cache expires: here the cache lives 60 s."""
    import subprocess
    import sys
    import time

    from tests.helpers import real_redis_db

    redis_url = f"redis://127.0.0.1:6379/{real_redis_db()}"
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, redis_url=redis_url)
    accounts.add_user("maquina", PASSWORD, "analyst", settings)
    token = accounts.create_token("maquina", "script", settings=settings)
    code = f"""
import sys, time
from workbench.engine.app import access, accounts, sessions
from workbench.engine.core.settings import Settings
sessions.RESOLVE_CACHE_S = 60.0
s = Settings(data_dir={str(tmp_path / "data")!r}, database_url={db_url!r}, redis_url={redis_url!r})
sessions.resolve(sys.argv[1], s)
print("ready", flush=True)
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        sessions.resolve(sys.argv[1], s)
    except access.AuthError:
        print("revoked", flush=True)
        break
    time.sleep(0.005)
"""
    worker = subprocess.Popen([sys.executable, "-c", code, token], stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "ready"
        started = time.monotonic()
        assert accounts.revoke_token(token[:12], settings) == 1
        assert worker.stdout.readline().strip() == "revoked"
        elapsed = time.monotonic() - started
    finally:
        worker.kill()
        worker.wait()
    print(f"revocation seen by the other process after {elapsed * 1000:.0f} ms")
    assert elapsed < 2.0, elapsed
