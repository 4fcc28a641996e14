"""Sign-in and roles: who is acting, and may they?

- **Users** sign in with a password (argon2id hashes only; accounts are managed in ``accounts``). Failed
  sign-ins are counted per user and address (``lockout``) and locked out after ``login_max_failures``.
- **Credentials** stand for a user: browser sessions and API tokens are random secrets of which only the
  SHA-256 is stored (a stolen database holds no usable secret); tokens are named, expire and can be revoked.
- **Roles**: ``viewer`` reads, ``analyst`` also uploads, previews, runs and backfills, ``admin`` also manages
  users, syncs specs and changes settings. ``require(<permission>)`` checks the acting principal, a context
  variable set by each adapter (API dependency, web state, CLI, worker), so that checks made in the engine's
  use cases hold alike for the web app, the API and the CLI (wiring them into every use case is issue 7's
  next step). ``require`` fails closed when no principal is set and no process default was declared.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator

from workbench.engine.infra import revocations
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.app.lockout import FAILURES
from workbench.engine.core.settings import Settings, get_settings

log = logging.getLogger(__name__)

ROLES = ("viewer", "analyst", "admin")
#: The least role each permission needs.
PERMISSIONS = {"read": "viewer", "upload": "analyst", "preview": "analyst", "run": "analyst",
               "backfill": "analyst", "admin": "admin", "sync_specs": "admin", "manage_users": "admin"}
TOKEN_PREFIX = "wbt_"
SESSION_PREFIX = "wbs_"
SETUP_PREFIX = "wbx_"
SETUP_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class Principal:
    """Who acts: a signed-in user (``via`` session, token, basic) or the local operator (``system``)."""

    username: str
    role: str
    via: str = "session"
    user_id: int | None = None

    @property
    def name(self) -> str:  # what runs record as ``triggered_by``
        return self.username

    def can(self, permission: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(PERMISSIONS[permission])


SYSTEM = Principal(username="system", role="admin", via="system")


class AuthError(WorkbenchError):
    code = "not-authenticated"
    kind = "unauthenticated"
    title = "Sign-in required"
    template = "{message}"
    template_es = "{message_es}"


class ForbiddenError(WorkbenchError):
    code = "forbidden"
    kind = "forbidden"
    title = "Not allowed"
    template = "{username} ({role}) may not {permission}; it needs the {needed} role"
    template_es = "{username} ({role}) no tiene permiso para {permission}; se requiere el rol {needed}"


class TooManyAttemptsError(WorkbenchError):
    code = "too-many-attempts"
    kind = "too-many-requests"
    title = "Too many failed sign-ins"
    template = "too many failed sign-ins for {username}; try again in {retry_after} s"
    template_es = "demasiados intentos fallidos para {username}; intente de nuevo en {retry_after} s"


class UserError(WorkbenchError):
    code = "user-invalid"
    title = "Invalid user change"
    template = "{message}"
    template_es = "{message_es}"


# --- the acting principal --------------------------------------------------------------------------

_current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("workbench_principal", default=None)
_process_default: Principal | None = None


def set_process_default(principal: Principal | None) -> None:
    """The principal of a process with no sign-in (the CLI, a worker, tests). Never set in the web server."""
    global _process_default
    _process_default = principal


@contextlib.contextmanager
def acting_as(principal: Principal) -> Iterator[Principal]:
    token = _current.set(principal)
    try:
        yield principal
    finally:
        _current.reset(token)


def current() -> Principal | None:
    return _current.get() or _process_default


def require(permission: str) -> Principal:
    """The acting principal if it may ``permission``; AuthError when nobody is signed in, ForbiddenError when
    the role is too low."""
    principal = current()
    if principal is None:
        raise AuthError("sign in first", message_es="inicie sesión primero")
    if not principal.can(permission):
        raise ForbiddenError(username=principal.username, role=principal.role, permission=permission,
                             needed=PERMISSIONS[permission])
    return principal


def requires(permission: str):
    """Decorate a use case: it runs only for a principal with ``permission`` (checked on every call, before
    anything else). The permission is recorded on the function (``__permission__``) so a test can check that
    every use case the adapters import declares one."""
    needed = PERMISSIONS[permission]  # a typo fails at import, not at the first call

    def decorate(fn):
        @functools.wraps(fn)
        def guarded(*args, **kwargs):
            require(permission)
            return fn(*args, **kwargs)

        guarded.__permission__ = permission  # type: ignore[attr-defined]
        guarded.__role__ = needed  # type: ignore[attr-defined]
        return guarded

    return decorate


def acting_name() -> str | None:
    """The signed-in user's name for records (``triggered_by``, ``uploaded_by``); None for the local operator."""
    principal = current()
    return None if principal is None or principal.via == "system" else principal.username


# --- secrets and passwords -------------------------------------------------------------------------


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _hasher():  # argon2 is imported on first use: the CLI and workers rarely need it
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


@functools.cache
def _dummy_hash() -> str:
    """A real hash checked for unknown users, so the time taken does not tell which usernames exist."""
    return _hasher().hash(secrets.token_hex(16))


#: Password checks running at once in a process (argon2id: 64 MiB and about 0.1 s each); more wait.
VERIFY_SLOTS = 4
_VERIFY_SLOTS = threading.BoundedSemaphore(VERIFY_SLOTS)
#: Failed sign-ins allowed per address, across usernames, as a multiple of ``login_max_failures``.
ADDRESS_FACTOR = 10


def _verify_password(stored: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False


# --- use cases --------------------------------------------------------------------------------------


def _scope(settings: Settings):
    from workbench.engine.store.db import session_scope
    from workbench.engine.store.prepare import prepare_store

    return session_scope(prepare_store(settings))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _principal(user, via: str) -> Principal:
    return Principal(username=user.username, role=user.role, via=via, user_id=user.id)


def _existing(username: str, session):
    from workbench.engine.store import users

    user = users.get_user(username.strip().lower(), session=session)
    if user is None:
        raise UserError(f"there is no user {username!r}", message_es=f"no existe el usuario {username!r}")
    return user


def authenticate(username: str, password: str, *, address: str = "", settings: Settings | None = None,
                 via: str = "session") -> Principal:
    """The principal for a correct password of an enabled user. Wrong or unknown -> AuthError (the same
    message either way); too many attempts -> TooManyAttemptsError, before any password is hashed.

    Two counters, each incremented atomically before the check: per user and address
    (``login_max_failures``) and per address alone (ADDRESS_FACTOR times as many, across usernames, so
    rotating names does not buy guesses or argon2 work). A success clears the user's counter. At most
    VERIFY_SLOTS password checks run at once per process (each takes 64 MiB and ~0.1 s of CPU)."""
    from workbench.engine.store import users

    settings = settings or get_settings()
    name = username.strip().lower()[:100]
    key = hashlib.sha256(f"{name}|{address}".encode()).hexdigest()[:32]
    address_key = "addr-" + hashlib.sha256(address.encode()).hexdigest()[:27]
    over_user = FAILURES.attempt(key, settings) > settings.login_max_failures
    over_address = FAILURES.attempt(address_key, settings) > settings.login_max_failures * ADDRESS_FACTOR
    if over_user or over_address:
        raise TooManyAttemptsError(username=name, retry_after=settings.login_lockout_s)
    with _scope(settings) as session:
        user = users.get_user(name, session=session)
        with _VERIFY_SLOTS:
            ok = _verify_password(user.password_hash if user else "", password)
        if not (ok and user is not None and not user.disabled):
            raise AuthError("wrong username or password", message_es="usuario o contraseña incorrectos")
        users.update_user(user, session=session, last_login_at=_now())
        FAILURES.clear(key, settings)
        return _principal(user, via)


def _issue(kind: str, prefix: str, user_id: int | None, name: str, ttl: timedelta | None, settings: Settings) -> str:
    from workbench.engine.store import users

    secret = prefix + secrets.token_urlsafe(32)
    with _scope(settings) as session:
        users.add_credential(session=session, user_id=user_id, kind=kind, name=name[:100],
                             secret_hash=_hash_secret(secret), prefix=secret[:12],
                             expires_at=_now() + ttl if ttl else None)
    return secret


def start_session(principal: Principal, settings: Settings | None = None) -> str:
    """A new browser session for a signed-in user: the cookie value (only its hash is stored)."""
    settings = settings or get_settings()
    return _issue("session", SESSION_PREFIX, principal.user_id, "browser", timedelta(seconds=settings.session_ttl_s),
                  settings)


@requires("manage_users")
def create_token(username: str, name: str, *, days: int | None = None, settings: Settings | None = None) -> str:
    """A named API token for a user, shown once."""
    settings = settings or get_settings()
    with _scope(settings) as session:
        user = _existing(username, session)
        user_id = user.id
    return _issue("token", TOKEN_PREFIX, user_id, name or "token", timedelta(days=days or settings.token_ttl_days),
                  settings)


@requires("manage_users")
def list_tokens(username: str | None = None, settings: Settings | None = None):
    from workbench.engine.store import users

    with _scope(settings or get_settings()) as session:
        return users.list_credentials(session=session, kind="token", username=username)


@requires("manage_users")
def revoke_token(prefix_or_id: str, settings: Settings | None = None) -> int:
    """Revoke tokens by id or by the prefix shown in listings; returns how many."""
    from workbench.engine.store import users

    settings = settings or get_settings()
    with _revoking(settings), _scope(settings) as session:
        rows = [t for t in users.list_credentials(session=session, kind="token")
                if str(t.id) == prefix_or_id or (len(prefix_or_id) >= 8 and t.prefix.startswith(prefix_or_id))]
        for item in rows:
            from workbench.engine.store.models import Credential

            users.revoke(session.get(Credential, item.id), session=session)
        return len(rows)


#: Seconds a resolved credential is remembered in this process. Revocations are announced to every process
#: through Redis (``revocations``); without Redis they take effect elsewhere within this time.
RESOLVE_CACHE_S = 5.0
_resolved: dict[str, tuple[float, Principal]] = {}
_resolved_lock = threading.Lock()


def resolve(secret: str, settings: Settings | None = None) -> Principal:
    """The principal a session cookie or API token stands for; AuthError if unknown, expired, revoked or
    its user is disabled. Remembered for RESOLVE_CACHE_S so a busy API does not query the store per request."""
    settings = settings or get_settings()
    key = f"{settings.db_url}|{_hash_secret(secret)}"
    now = time.monotonic()
    with _resolved_lock:
        hit = _resolved.get(key)
    if hit and now - hit[0] < RESOLVE_CACHE_S:
        return hit[1]
    revocations.listen(settings, _forget_credentials)  # before caching: no announcement can be missed
    principal = _resolve(secret, settings)
    with _resolved_lock:
        if len(_resolved) > 10_000:
            _resolved.clear()
        _resolved[key] = (now, principal)
    return principal


def recently_resolved(secret: str, settings: Settings) -> Principal | None:
    """The principal of a credential resolved in the last RESOLVE_CACHE_S, without touching the store (lets
    an async server answer without a thread hop); None when it must be resolved."""
    hit = _resolved.get(f"{settings.db_url}|{_hash_secret(secret)}")
    return hit[1] if hit and time.monotonic() - hit[0] < RESOLVE_CACHE_S else None


def _forget_credentials() -> None:
    """Revocations, disabled users and new passwords take effect at once in this process."""
    with _resolved_lock:
        _resolved.clear()


@contextlib.contextmanager
def _revoking(settings: Settings) -> Iterator[None]:
    """Around a change that ends credentials (wrapping the store transaction, so it runs after the commit):
    this process forgets at once, and every other process is told through Redis (``revocations``)."""
    _forget_credentials()
    try:
        yield
    finally:
        _forget_credentials()
        revocations.announce(settings)


def _resolve(secret: str, settings: Settings) -> Principal:
    from workbench.engine.store import users

    kind = {TOKEN_PREFIX: "token", SESSION_PREFIX: "session"}.get(secret[:4])
    if kind is None or len(secret) > 200:
        raise AuthError("unknown credential", message_es="credencial desconocida")
    with _scope(settings) as session:
        cred = users.find_credential(_hash_secret(secret), session=session)
        now = _now()
        user = users.get_user_by_id(cred.user_id, session=session) if cred and cred.user_id else None
        if (cred is None or cred.kind != kind or cred.revoked_at is not None or user is None or user.disabled
                or (cred.expires_at is not None and cred.expires_at <= now)):
            raise AuthError("the session or token is not valid (expired, revoked or unknown)",
                            message_es="la sesión o el token no es válido (vencido, revocado o desconocido)")
        if cred.last_used_at is None or (now - cred.last_used_at).total_seconds() > 60:
            cred.last_used_at = now  # at most one write a minute per credential
            session.add(cred)
        return _principal(user, kind)


def end_session(secret: str, settings: Settings | None = None) -> None:
    from workbench.engine.store import users

    settings = settings or get_settings()
    with _revoking(settings), _scope(settings) as session:
        cred = users.find_credential(_hash_secret(secret), session=session)
        if cred is not None:
            users.revoke(cred, session=session)


__all__ = ["AuthError", "ForbiddenError", "PERMISSIONS", "Principal", "ROLES", "SYSTEM", "TooManyAttemptsError",
           "UserError", "acting_as", "authenticate", "create_token", "current", "end_session", "hash_password",
           "acting_name", "list_tokens", "recently_resolved", "require", "requires", "resolve", "revoke_token",
           "set_process_default", "start_session"]
