"""The per-process memory of resolved credentials under concurrency (issue 15.4): near the end of an entry's life
one caller checks the store again while the others keep the remembered answer, concurrent checks of one credential
query the store once, and a check that finds the credential revoked ends it for every caller at once."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest

from workbench.engine.app import access, accounts, sessions
from workbench.engine.core.settings import Settings

PASSWORD = "una-clave-larga-2026"


@pytest.fixture
def settings(db_url, tmp_path):
    return Settings(data_dir=tmp_path / "data", database_url=db_url)


@pytest.fixture
def token(settings):
    accounts.add_user("lector", PASSWORD, "viewer", settings)
    return accounts.create_token("lector", "script", settings=settings)


@pytest.fixture
def store_checks(monkeypatch):
    """Counts the store lookups ``resolve`` makes."""
    calls: list[str] = []
    real = sessions._resolve

    def counted(secret, settings):
        calls.append(secret)
        return real(secret, settings)

    monkeypatch.setattr(sessions, "_resolve", counted)
    return calls


def age_entry(token: str, settings: Settings, seconds: float) -> None:
    """Make the remembered entry of ``token`` ``seconds`` old (an explicit age instead of sleeping)."""
    key = sessions._cache_key(token, settings)
    stamp, principal = sessions._resolved[key]
    sessions._resolved[key] = (time.monotonic() - seconds, principal)


def test_near_expiry_one_caller_refreshes_while_the_others_keep_the_answer(settings, token, store_checks):
    assert sessions.resolve(token, settings).username == "lector"
    assert sessions.recently_resolved(token, settings).username == "lector"
    age_entry(token, settings, sessions.RESOLVE_CACHE_S - sessions.REFRESH_BEFORE_S / 2)
    answers = [sessions.recently_resolved(token, settings) for _ in range(5)]
    assert answers[0] is None  # this caller checks the store again ...
    assert [a.username for a in answers[1:]] == ["lector"] * 4  # ... the others are answered meanwhile
    assert sessions.resolve(token, settings).username == "lector"
    assert len(store_checks) == 2  # the first resolve and the one refresh
    assert sessions.recently_resolved(token, settings).username == "lector"  # fresh again, for everyone


def test_an_expired_entry_is_not_used(settings, token):
    sessions.resolve(token, settings)
    age_entry(token, settings, sessions.RESOLVE_CACHE_S + 0.1)
    assert sessions.recently_resolved(token, settings) is None
    assert sessions.recently_resolved(token, settings) is None  # every caller, not just the first


def test_a_refresh_that_finds_the_token_revoked_ends_it_for_every_caller(settings, token, monkeypatch):
    sessions.resolve(token, settings)
    monkeypatch.setattr(accounts, "revoking", _silent_revoking)  # as another process's revocation, unannounced
    accounts.revoke_token(token[:12], settings)
    assert sessions.recently_resolved(token, settings).username == "lector"  # not announced: still remembered
    age_entry(token, settings, sessions.RESOLVE_CACHE_S - sessions.REFRESH_BEFORE_S / 2)
    assert sessions.recently_resolved(token, settings) is None
    with pytest.raises(access.AuthError):
        sessions.resolve(token, settings)
    assert sessions.recently_resolved(token, settings) is None  # the others stop using it at once


def test_concurrent_misses_of_one_credential_query_the_store_once(settings, token, store_checks):
    start = threading.Barrier(8)
    names: list[str] = []

    def caller() -> None:
        start.wait()
        names.append(sessions.resolve(token, settings).username)

    threads = [threading.Thread(target=caller) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert names == ["lector"] * 8
    assert len(store_checks) == 1


def _silent_revoking(settings):
    """``sessions.revoking`` without telling this process (what a revocation elsewhere is, without Redis)."""
    return contextlib.nullcontext()
