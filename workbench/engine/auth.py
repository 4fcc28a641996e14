"""Sign-in and roles: who is acting, and may they?

- **Users** sign in with a password (argon2id hashes only). Failed sign-ins are counted per user and address
  (Redis, or this process when Redis is down) and locked out after ``login_max_failures``.
- **Credentials** stand for a user: browser sessions and API tokens are random secrets of which only the
  SHA-256 is stored (a stolen database holds no usable secret); tokens are named, expire and can be revoked.
- **Roles**: ``viewer`` reads, ``analyst`` also uploads, previews, runs and backfills, ``admin`` also manages
  users, syncs specs and changes settings. Every use case asks ``require(<permission>)``; the acting
  principal is a context variable set by each adapter (API dependency, web state, CLI, worker), so the web
  app, the API and the CLI cannot disagree. In the web process nothing is allowed until someone signs in:
  ``require`` fails closed when no principal is set and no process default was declared.
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

from workbench.engine.errors import WorkbenchError
from workbench.engine.settings import Settings, get_settings

log = logging.getLogger(__name__)

ROLES = ("viewer", "analyst", "admin")
#: The least role each permission needs.
PERMISSIONS = {"read": "viewer", "upload": "analyst", "preview": "analyst", "run": "analyst",
               "backfill": "analyst", "admin": "admin", "sync_specs": "admin", "manage_users": "admin"}
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")
MIN_PASSWORD = 10
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
    title = "Sign-in required"
    template = "{message}"
    template_es = "{message_es}"


class ForbiddenError(WorkbenchError):
    code = "forbidden"
    title = "Not allowed"
    template = "{username} ({role}) may not {permission}; it needs the {needed} role"
    template_es = "{username} ({role}) no tiene permiso para {permission}; se requiere el rol {needed}"


class TooManyAttemptsError(WorkbenchError):
    code = "too-many-attempts"
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


def _verify_password(stored: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_rules(username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters",
                        message_es=f"la contraseña debe tener al menos {MIN_PASSWORD} caracteres")
    if password.lower() in (username.lower(), "password", "contraseña", "changeme", "admin"):
        raise UserError("that password is too easy to guess", message_es="esa contraseña es demasiado fácil de adivinar")


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not (2 <= len(name) <= 100) or not set(name) <= USERNAME_CHARS:
        raise UserError("usernames are 2-100 characters: letters, digits, . _ - @",
                        message_es="el nombre de usuario tiene 2 a 100 caracteres: letras, dígitos, . _ - @")
    return name


# --- failed sign-ins --------------------------------------------------------------------------------


class _Failures:
    """Failed sign-ins per key within a window: in Redis (shared by every process) or, when Redis is down,
    in this process (logged: the lock-out then holds per process only)."""

    def __init__(self) -> None:
        self._local: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _redis(self, settings: Settings):
        from workbench.engine.redis_conn import get_redis

        return get_redis(settings)

    def count(self, key: str, settings: Settings) -> int:
        try:
            return int(self._redis(settings).get(f"wb:auth:fail:{key}") or 0)
        except Exception as exc:  # noqa: BLE001 (any Redis failure: fall back, never fail open silently)
            log.warning("sign-in failures counted in-process (Redis unavailable: %s)", type(exc).__name__)
            with self._lock:
                now = time.monotonic()
                hits = [t for t in self._local.get(key, []) if now - t < settings.login_lockout_s]
                self._local[key] = hits
                return len(hits)

    def add(self, key: str, settings: Settings) -> None:
        try:
            client = self._redis(settings)
            pipe = client.pipeline()
            pipe.incr(f"wb:auth:fail:{key}")
            pipe.expire(f"wb:auth:fail:{key}", settings.login_lockout_s)
            pipe.execute()
        except Exception:  # noqa: BLE001
            with self._lock:
                self._local.setdefault(key, []).append(time.monotonic())

    def clear(self, key: str, settings: Settings) -> None:
        try:
            self._redis(settings).delete(f"wb:auth:fail:{key}")
        except Exception:  # noqa: BLE001
            pass
        with self._lock:
            self._local.pop(key, None)


_failures = _Failures()


# --- use cases --------------------------------------------------------------------------------------


def _scope(settings: Settings):
    from workbench.engine import services
    from workbench.engine.store.db import session_scope

    return session_scope(services.prepare_store(settings))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _principal(user, via: str) -> Principal:
    return Principal(username=user.username, role=user.role, via=via, user_id=user.id)


def add_user(username: str, password: str, role: str = "viewer", settings: Settings | None = None):
    from workbench.engine.store import users

    settings = settings or get_settings()
    name = check_username(username)
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; use {', '.join(ROLES)}", message_es=f"rol desconocido {role!r}")
    check_password_rules(name, password)
    with _scope(settings) as session:
        if users.get_user(name, session=session) is not None:
            raise UserError(f"user {name!r} already exists", message_es=f"el usuario {name!r} ya existe")
        return users.add_user(name, hash_password(password), role, session=session)


def set_password(username: str, password: str, settings: Settings | None = None) -> None:
    """New password; every open session of the user ends."""
    from workbench.engine.store import users

    settings = settings or get_settings()
    _forget_credentials()
    with _scope(settings) as session:
        user = _existing(username, session)
        check_password_rules(user.username, password)
        users.update_user(user, session=session, password_hash=hash_password(password), password_changed_at=_now())
        users.revoke_all(user.id, session=session, kinds=("session",))


def set_disabled(username: str, disabled: bool = True, settings: Settings | None = None):
    """Disable (or enable) a user; a disabled user's sessions and tokens stop working at once."""
    from workbench.engine.store import users

    settings = settings or get_settings()
    _forget_credentials()
    with _scope(settings) as session:
        user = _existing(username, session)
        if disabled and user.role == "admin" and not user.disabled and users.count_admins(session=session) <= 1:
            raise UserError("the last admin cannot be disabled", message_es="no se puede desactivar al último administrador")
        out = users.update_user(user, session=session, disabled=disabled)
        if disabled:
            users.revoke_all(user.id, session=session, kinds=("session",))
        return out


def set_role(username: str, role: str, settings: Settings | None = None):
    from workbench.engine.store import users

    settings = settings or get_settings()
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; use {', '.join(ROLES)}", message_es=f"rol desconocido {role!r}")
    _forget_credentials()
    with _scope(settings) as session:
        user = _existing(username, session)
        if user.role == "admin" and role != "admin" and users.count_admins(session=session) <= 1:
            raise UserError("the last admin must stay admin", message_es="el último administrador debe seguir siéndolo")
        return users.update_user(user, session=session, role=role)


def list_users(settings: Settings | None = None):
    from workbench.engine.store import users

    with _scope(settings or get_settings()) as session:
        return users.list_users(session=session)


def _existing(username: str, session):
    from workbench.engine.store import users

    user = users.get_user(username.strip().lower(), session=session)
    if user is None:
        raise UserError(f"there is no user {username!r}", message_es=f"no existe el usuario {username!r}")
    return user


def authenticate(username: str, password: str, *, address: str = "", settings: Settings | None = None,
                 via: str = "session") -> Principal:
    """The principal for a correct password of an enabled user. Wrong or unknown -> AuthError (the same
    message either way); too many failures -> TooManyAttemptsError."""
    from workbench.engine.store import users

    settings = settings or get_settings()
    name = username.strip().lower()[:100]
    key = hashlib.sha256(f"{name}|{address}".encode()).hexdigest()[:32]
    if _failures.count(key, settings) >= settings.login_max_failures:
        raise TooManyAttemptsError(username=name, retry_after=settings.login_lockout_s)
    with _scope(settings) as session:
        user = users.get_user(name, session=session)
        ok = _verify_password(user.password_hash if user else "", password) and user is not None and not user.disabled
        if not ok:
            _failures.add(key, settings)
            raise AuthError("wrong username or password", message_es="usuario o contraseña incorrectos")
        users.update_user(user, session=session, last_login_at=_now())
        _failures.clear(key, settings)
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


def create_token(username: str, name: str, *, days: int | None = None, settings: Settings | None = None) -> str:
    """A named API token for a user, shown once."""
    from workbench.engine.store import users

    settings = settings or get_settings()
    with _scope(settings) as session:
        user = _existing(username, session)
        user_id = user.id
    return _issue("token", TOKEN_PREFIX, user_id, name or "token", timedelta(days=days or settings.token_ttl_days),
                  settings)


def list_tokens(username: str | None = None, settings: Settings | None = None):
    from workbench.engine.store import users

    with _scope(settings or get_settings()) as session:
        return users.list_credentials(session=session, kind="token", username=username)


def revoke_token(prefix_or_id: str, settings: Settings | None = None) -> int:
    """Revoke tokens by id or by the prefix shown in listings; returns how many."""
    from workbench.engine.store import users

    settings = settings or get_settings()
    _forget_credentials()
    with _scope(settings) as session:
        rows = [t for t in users.list_credentials(session=session, kind="token")
                if str(t.id) == prefix_or_id or (len(prefix_or_id) >= 8 and t.prefix.startswith(prefix_or_id))]
        for item in rows:
            from workbench.engine.store.models import Credential

            users.revoke(session.get(Credential, item.id), session=session)
        return len(rows)


#: Seconds a resolved credential is remembered in this process (revocation takes effect within this time).
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
    principal = _resolve(secret, settings)
    with _resolved_lock:
        if len(_resolved) > 10_000:
            _resolved.clear()
        _resolved[key] = (now, principal)
    return principal


def _forget_credentials() -> None:
    """Revocations, disabled users and new passwords take effect at once in this process."""
    with _resolved_lock:
        _resolved.clear()


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

    _forget_credentials()
    with _scope(settings or get_settings()) as session:
        cred = users.find_credential(_hash_secret(secret), session=session)
        if cred is not None:
            users.revoke(cred, session=session)


def bootstrap(settings: Settings | None = None) -> str | None:
    """First start: with no user yet, create the admin from WORKBENCH_ADMIN_USERNAME/PASSWORD, or return a
    one-time setup secret (for a link printed on the console) that lets the first visitor create the admin.
    Returns None when users exist or the admin was created."""
    from workbench.engine.store import users

    settings = settings or get_settings()
    with _scope(settings) as session:
        if users.list_users(session=session):
            return None
    if settings.admin_username and settings.admin_password:
        add_user(settings.admin_username, settings.admin_password.get_secret_value(), "admin", settings)
        log.warning("created the first admin %r from WORKBENCH_ADMIN_USERNAME", settings.admin_username)
        return None
    return _issue("setup", SETUP_PREFIX, None, "first admin", SETUP_TTL, settings)


def complete_setup(secret: str, username: str, password: str, settings: Settings | None = None):
    """Use the one-time setup secret to create the first admin (refused once any user exists)."""
    from workbench.engine.store import users

    settings = settings or get_settings()
    with _scope(settings) as session:
        cred = users.find_credential(_hash_secret(secret), session=session) if secret.startswith(SETUP_PREFIX) else None
        if (cred is None or cred.kind != "setup" or cred.revoked_at is not None
                or (cred.expires_at is not None and cred.expires_at <= _now()) or users.list_users(session=session)):
            raise AuthError("the setup link is not valid (used, expired or unknown)",
                            message_es="el enlace de configuración no es válido (usado, vencido o desconocido)")
        users.revoke(cred, session=session)
    return add_user(username, password, "admin", settings)


__all__ = ["AuthError", "ForbiddenError", "PERMISSIONS", "Principal", "ROLES", "SYSTEM", "TooManyAttemptsError",
           "UserError", "acting_as", "add_user", "authenticate", "bootstrap", "complete_setup", "create_token",
           "current", "end_session", "hash_password", "list_tokens", "list_users", "require", "resolve",
           "revoke_token", "set_disabled", "set_password", "set_process_default", "set_role", "start_session"]
