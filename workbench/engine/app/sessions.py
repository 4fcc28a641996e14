"""Sign-in and credentials: a password checked (argon2id), browser sessions and API tokens issued and resolved to
the principal they stand for, and ended. Managing users and tokens is ``accounts``; who is acting and may they
(``@requires``) is ``access``; counting failed sign-ins is ``lockout``.

- Failed sign-ins are counted per user and address (``lockout``) and locked out after ``login_max_failures``.
- Credentials are random secrets of which only the SHA-256 is stored (a stolen database holds no usable
  secret); sessions and tokens expire and can be revoked. A resolved credential is remembered a few seconds per
  process; a change that ends credentials is announced to every process (``revocations``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import secrets
import threading
import time
from datetime import timedelta
from typing import Any, Iterator

from workbench.engine.app.access import AuthError, Principal
from workbench.engine.app.lockout import FAILURES
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.infra import revocations
from workbench.engine.store import users as user_store
from workbench.engine.store.db import session_scope
from workbench.engine.store.models import utcnow
from workbench.engine.store.prepare import prepare_store

TOKEN_PREFIX = "wbt_"
SESSION_PREFIX = "wbs_"
SETUP_PREFIX = "wbx_"
#: Password checks running at once in a process (argon2id: 64 MiB and about 0.1 s each); more wait.
VERIFY_SLOTS = 4
_VERIFY_SLOTS = threading.BoundedSemaphore(VERIFY_SLOTS)
#: Failed sign-ins allowed per address, across usernames, as a multiple of ``login_max_failures``.
ADDRESS_FACTOR = 10
#: Seconds a resolved credential is remembered in this process. Revocations are announced to every process
#: through Redis (``revocations``); without Redis they take effect elsewhere within this time.
RESOLVE_CACHE_S = 5.0
#: In the last this-many seconds of a remembered credential, one caller checks it in the store again while the
#: others keep the remembered answer: a busy process never has all its requests miss at once (issue 15.4: at
#: 50 concurrent clients every expiry sent ~25 requests to the store together, a 300-500 ms tail).
REFRESH_BEFORE_S = 1.0
#: Locks striping concurrent store checks by credential: one check per credential at a time, the rest reuse it.
_RESOLVE_LOCKS = tuple(threading.Lock() for _ in range(64))


class TooManyAttemptsError(WorkbenchError):
    code = "too-many-attempts"
    kind = "too-many-requests"
    title = "Too many failed sign-ins"
    template = "too many failed sign-ins for {username}; try again in {retry_after} s"
    template_es = "demasiados intentos fallidos para {username}; intente de nuevo en {retry_after} s"


# --- secrets and passwords -------------------------------------------------------------------------


def hash_secret(secret: str) -> str:
    """What the store keeps of a credential: its SHA-256."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _hasher() -> Any:
    from argon2 import PasswordHasher  # lazy: argon2 is needed only to sign in and set passwords, not by workers

    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


@functools.cache
def _dummy_hash() -> str:
    """A real hash checked for unknown users, so the time taken does not tell which usernames exist."""
    return _hasher().hash(secrets.token_hex(16))


def _verify_password(stored: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError  # lazy: see _hasher

    try:
        return _hasher().verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False


def store_scope(settings: Settings) -> Any:
    """A write transaction on the store, made ready first (schema current)."""
    return session_scope(prepare_store(settings))


def _principal(user: Any, via: str) -> Principal:
    return Principal(username=user.username, role=user.role, via=via, user_id=user.id)


# --- sign-in and sessions -----------------------------------------------------------------------------


def authenticate(username: str, password: str, *, address: str = "", settings: Settings | None = None,
                 via: str = "session") -> Principal:
    """The principal for a correct password of an enabled user. Wrong or unknown -> AuthError (the same
    message either way); too many attempts -> TooManyAttemptsError, before any password is hashed.

    Two counters, each incremented atomically before the check: per user and address
    (``login_max_failures``) and per address alone (ADDRESS_FACTOR times as many, across usernames, so
    rotating names does not buy guesses or argon2 work). A success clears the user's counter. At most
    VERIFY_SLOTS password checks run at once per process (each takes 64 MiB and ~0.1 s of CPU)."""
    settings = settings or get_settings()
    name = username.strip().lower()[:100]
    key = hashlib.sha256(f"{name}|{address}".encode()).hexdigest()[:32]
    address_key = "addr-" + hashlib.sha256(address.encode()).hexdigest()[:27]
    over_user = FAILURES.attempt(key, settings) > settings.login_max_failures
    over_address = FAILURES.attempt(address_key, settings) > settings.login_max_failures * ADDRESS_FACTOR
    if over_user or over_address:
        raise TooManyAttemptsError(username=name, retry_after=settings.login_lockout_s)
    with store_scope(settings) as session:
        user = user_store.get_user(name, session=session)
        with _VERIFY_SLOTS:
            ok = _verify_password(user.password_hash if user else "", password)
        if not (ok and user is not None and not user.disabled):
            raise AuthError("wrong username or password", message_es="usuario o contraseña incorrectos")
        user_store.update_user(user, session=session, last_login_at=utcnow())
        FAILURES.clear(key, settings)
        return _principal(user, via)


def issue_credential(kind: str, prefix: str, user_id: int | None, name: str, ttl: timedelta | None,
                     settings: Settings) -> str:
    """A new secret of ``kind`` (session, token, setup) for ``user_id``: the secret, shown once (its hash is
    stored)."""
    secret = prefix + secrets.token_urlsafe(32)
    with store_scope(settings) as session:
        user_store.add_credential(session=session, user_id=user_id, kind=kind, name=name[:100],
                                  secret_hash=hash_secret(secret), prefix=secret[:12],
                                  expires_at=utcnow() + ttl if ttl else None)
    return secret


def start_session(principal: Principal, settings: Settings | None = None) -> str:
    """A new browser session for a signed-in user: the cookie value (only its hash is stored)."""
    settings = settings or get_settings()
    return issue_credential("session", SESSION_PREFIX, principal.user_id, "browser",
                            timedelta(seconds=settings.session_ttl_s), settings)


def end_session(secret: str, settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    with revoking(settings), store_scope(settings) as session:
        cred = user_store.find_credential(hash_secret(secret), session=session)
        if cred is not None:
            user_store.revoke(cred, session=session)


# --- what a credential stands for (remembered a few seconds per process) ------------------------------

_resolved: dict[str, tuple[float, Principal]] = {}
_refreshing: set[str] = set()  # remembered credentials one caller is checking in the store again
_resolved_lock = threading.Lock()


def _cache_key(secret: str, settings: Settings) -> str:
    return f"{settings.db_url}|{hash_secret(secret)}"


def _fresh_for() -> float:
    """Age below which a remembered credential is used without a store check by anyone."""
    return max(0.0, RESOLVE_CACHE_S - REFRESH_BEFORE_S)


def resolve(secret: str, settings: Settings | None = None) -> Principal:
    """The principal a session cookie or API token stands for; AuthError if unknown, expired, revoked or
    its user is disabled. Remembered for RESOLVE_CACHE_S so a busy API does not query the store per request;
    concurrent checks of one credential run once (the others wait for it and take its answer)."""
    settings = settings or get_settings()
    key = _cache_key(secret, settings)
    with _RESOLVE_LOCKS[hash(key) % len(_RESOLVE_LOCKS)]:
        try:
            return _resolve_remembered(secret, key, settings)
        finally:
            with _resolved_lock:
                _refreshing.discard(key)


def _resolve_remembered(secret: str, key: str, settings: Settings) -> Principal:
    now = time.monotonic()
    with _resolved_lock:
        hit = _resolved.get(key)
    if hit and now - hit[0] < _fresh_for():
        return hit[1]
    revocations.listen(settings, _forget_credentials)  # before caching: no announcement can be missed
    try:
        principal = _resolve(secret, settings)
    except AuthError:
        with _resolved_lock:
            _resolved.pop(key, None)  # found revoked, expired or disabled: no caller uses it any more
        raise
    except WorkbenchError:
        if hit and now - hit[0] < RESOLVE_CACHE_S:  # the store is down: still within what a hit promises
            return hit[1]
        raise
    with _resolved_lock:
        if len(_resolved) > 10_000:
            _resolved.clear()
        _resolved[key] = (now, principal)
    return principal


def recently_resolved(secret: str, settings: Settings) -> Principal | None:
    """The principal of a credential resolved in the last RESOLVE_CACHE_S, without touching the store (lets
    an async server answer without a thread hop); None when it must be resolved. In the last REFRESH_BEFORE_S
    of that time, exactly one caller gets None (it resolves again, refreshing the entry) and the others the
    remembered principal."""
    key = _cache_key(secret, settings)
    with _resolved_lock:
        hit = _resolved.get(key)
        if hit is None:
            return None
        age = time.monotonic() - hit[0]
        if age >= RESOLVE_CACHE_S:
            return None
        if age >= _fresh_for() and key not in _refreshing:
            _refreshing.add(key)  # released by ``resolve``, which this caller runs next
            return None
        return hit[1]


def _forget_credentials() -> None:
    """Revocations, disabled users and new passwords take effect at once in this process."""
    with _resolved_lock:
        _resolved.clear()


@contextlib.contextmanager
def revoking(settings: Settings) -> Iterator[None]:
    """Around a change that ends credentials (wrapping the store transaction, so it runs after the commit):
    this process forgets at once, and every other process is told through Redis (``revocations``)."""
    _forget_credentials()
    try:
        yield
    finally:
        _forget_credentials()
        revocations.announce(settings)


def _resolve(secret: str, settings: Settings) -> Principal:
    kind = {TOKEN_PREFIX: "token", SESSION_PREFIX: "session"}.get(secret[:4])
    if kind is None or len(secret) > 200:
        raise AuthError("unknown credential", message_es="credencial desconocida")
    with store_scope(settings) as session:
        cred = user_store.find_credential(hash_secret(secret), session=session)
        now = utcnow()
        user = user_store.get_user_by_id(cred.user_id, session=session) if cred and cred.user_id else None
        if (cred is None or cred.kind != kind or cred.revoked_at is not None or user is None or user.disabled
                or (cred.expires_at is not None and cred.expires_at <= now)):
            raise AuthError("the session or token is not valid (expired, revoked or unknown)",
                            message_es="la sesión o el token no es válido (vencido, revocado o desconocido)")
        if cred.last_used_at is None or (now - cred.last_used_at).total_seconds() > 60:
            cred.last_used_at = now  # at most one write a minute per credential
            session.add(cred)
        return _principal(user, kind)


__all__ = ["ADDRESS_FACTOR", "REFRESH_BEFORE_S", "RESOLVE_CACHE_S", "SESSION_PREFIX", "SETUP_PREFIX", "TOKEN_PREFIX",
           "TooManyAttemptsError", "authenticate", "end_session", "hash_password", "hash_secret", "issue_credential",
           "recently_resolved", "resolve", "revoking", "start_session", "store_scope"]
