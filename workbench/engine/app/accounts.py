"""Accounts: create users, change their passwords, roles and state, their API tokens, and the first admin (from
the environment or a one-time setup link). Sign-in, sessions and resolving a credential are ``sessions``; who
is acting and may they (``@requires``) is ``access``."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from workbench.engine.app.access import ROLES, AuthError, Principal, requires
from workbench.engine.app.sessions import (
    SETUP_PREFIX, TOKEN_PREFIX, hash_password, hash_secret, issue_credential, revoking, store_scope,
)
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.store import users as user_store
from workbench.engine.store.models import Credential, utcnow

log = logging.getLogger(__name__)
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")
MIN_PASSWORD = 10
SETUP_TTL = timedelta(hours=24)


class UserError(WorkbenchError):
    code = "user-invalid"
    title = "Invalid user change"
    template = "{message}"
    template_es = "{message_es}"


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


def _existing(username: str, session: Any) -> Any:
    user = user_store.get_user(username.strip().lower(), session=session)
    if user is None:
        raise UserError(f"there is no user {username!r}", message_es=f"no existe el usuario {username!r}")
    return user


# --- users --------------------------------------------------------------------------------------------


@requires("manage_users")
def add_user(username: str, password: str, role: str = "viewer", settings: Settings | None = None):
    settings = settings or get_settings()
    with store_scope(settings) as session:
        return _create_user(username, password, role, session)


def _create_user(username: str, password: str, role: str, session: Any):
    """A new account in ``session``'s transaction (no role check: ``add_user`` and the first-admin paths)."""
    name = check_username(username)
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; use {', '.join(ROLES)}", message_es=f"rol desconocido {role!r}")
    check_password_rules(name, password)
    if user_store.get_user(name, session=session) is not None:
        raise UserError(f"user {name!r} already exists", message_es=f"el usuario {name!r} ya existe")
    return user_store.add_user(name, hash_password(password), role, session=session)


@requires("manage_users")
def set_password(username: str, password: str, settings: Settings | None = None) -> None:
    """New password; every open session of the user ends."""
    settings = settings or get_settings()
    with revoking(settings), store_scope(settings) as session:
        user = _existing(username, session)
        check_password_rules(user.username, password)
        user_store.update_user(user, session=session, password_hash=hash_password(password),
                               password_changed_at=utcnow())
        user_store.revoke_all(user.id, session=session, kinds=("session",))


@requires("manage_users")
def set_disabled(username: str, disabled: bool = True, settings: Settings | None = None):
    """Disable (or enable) a user; a disabled user's sessions and tokens stop working at once."""
    settings = settings or get_settings()
    with revoking(settings), store_scope(settings) as session:
        user = _existing(username, session)
        if disabled and user.role == "admin" and not user.disabled and user_store.count_admins(session=session) <= 1:
            raise UserError("the last admin cannot be disabled", message_es="no se puede desactivar al último administrador")
        out = user_store.update_user(user, session=session, disabled=disabled)
        if disabled:
            user_store.revoke_all(user.id, session=session, kinds=("session",))
        return out


@requires("manage_users")
def set_role(username: str, role: str, settings: Settings | None = None):
    settings = settings or get_settings()
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; use {', '.join(ROLES)}", message_es=f"rol desconocido {role!r}")
    with revoking(settings), store_scope(settings) as session:
        user = _existing(username, session)
        if user.role == "admin" and role != "admin" and user_store.count_admins(session=session) <= 1:
            raise UserError("the last admin must stay admin", message_es="el último administrador debe seguir siéndolo")
        return user_store.update_user(user, session=session, role=role)


@requires("manage_users")
def principal_of_user(username: str, settings: Settings | None = None) -> Principal:
    """The operator on the server's shell acting as a named, enabled account (the CLI's ``--as``), so what
    they do is recorded as that user and the four-eyes rule of releases holds on the command line too."""
    with store_scope(settings or get_settings()) as session:
        user = _existing(username, session)
        if user.disabled:
            raise UserError(f"user {user.username} is disabled", message_es=f"el usuario {user.username} está deshabilitado")
        return Principal(username=user.username, role=user.role, via="cli", user_id=user.id)


@requires("manage_users")
def list_users(settings: Settings | None = None):
    with store_scope(settings or get_settings()) as session:
        return user_store.list_users(session=session)


# --- API tokens ---------------------------------------------------------------------------------------


@requires("manage_users")
def create_token(username: str, name: str, *, days: int | None = None, settings: Settings | None = None) -> str:
    """A named API token for a user, shown once."""
    settings = settings or get_settings()
    with store_scope(settings) as session:
        user = _existing(username, session)
        user_id = user.id
    return issue_credential("token", TOKEN_PREFIX, user_id, name or "token",
                            timedelta(days=days or settings.token_ttl_days), settings)


@requires("manage_users")
def list_tokens(username: str | None = None, settings: Settings | None = None):
    with store_scope(settings or get_settings()) as session:
        return user_store.list_credentials(session=session, kind="token", username=username)


@requires("manage_users")
def revoke_token(prefix_or_id: str, settings: Settings | None = None) -> int:
    """Revoke tokens by id or by the prefix shown in listings; returns how many."""
    settings = settings or get_settings()
    with revoking(settings), store_scope(settings) as session:
        rows = [t for t in user_store.list_credentials(session=session, kind="token")
                if str(t.id) == prefix_or_id or (len(prefix_or_id) >= 8 and t.prefix.startswith(prefix_or_id))]
        for item in rows:
            user_store.revoke(session.get(Credential, item.id), session=session)
        return len(rows)


# --- the first admin ----------------------------------------------------------------------------------


def bootstrap(settings: Settings | None = None) -> str | None:
    """First start: with no user yet, create the admin from WORKBENCH_ADMIN_USERNAME/PASSWORD, or return a
    one-time setup secret (for a link printed on the console) that lets the first visitor create the admin.
    Returns None when users exist or the admin was created. (Run by ``serve`` on the server: no role check.)"""
    settings = settings or get_settings()
    with store_scope(settings) as session:
        if user_store.list_users(session=session):
            return None
        if settings.admin_username and settings.admin_password:
            _create_user(settings.admin_username, settings.admin_password.get_secret_value(), "admin", session)
            log.warning("created the first admin %r from WORKBENCH_ADMIN_USERNAME", settings.admin_username)
            return None
    return issue_credential("setup", SETUP_PREFIX, None, "first admin", SETUP_TTL, settings)


def complete_setup(secret: str, username: str, password: str, settings: Settings | None = None):
    """Spend the one-time setup secret to create the first admin, in one transaction: the secret is checked
    (setup kind, not used, not expired, no account exists yet), the admin created, and the secret revoked
    by a conditional update, so two concurrent uses cannot both create an admin. Nobody is signed in yet:
    the secret is the credential, so there is no role check. A refused attempt leaves the link usable."""
    settings = settings or get_settings()
    invalid = AuthError("the setup link is not valid (used, expired or unknown)",
                        message_es="el enlace de configuración no es válido (usado, vencido o desconocido)")
    with store_scope(settings) as session:
        cred = (user_store.find_credential(hash_secret(secret), session=session)
                if secret.startswith(SETUP_PREFIX) else None)
        if (cred is None or cred.kind != "setup" or cred.revoked_at is not None
                or (cred.expires_at is not None and cred.expires_at <= utcnow())
                or user_store.list_users(session=session)):
            raise invalid
        user = _create_user(username, password, "admin", session)  # a bad name or password: link still valid
        spent = session.execute(sa.update(Credential).where(Credential.id == cred.id,  # type: ignore[arg-type]
                                                            Credential.revoked_at.is_(None))  # type: ignore[union-attr]
                                .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
        if spent.rowcount != 1:
            raise invalid  # used concurrently: this transaction (and its admin) is rolled back
        return user


__all__ = ["UserError", "add_user", "bootstrap", "check_password_rules", "check_username", "complete_setup",
           "create_token", "list_tokens", "list_users", "principal_of_user", "revoke_token", "set_disabled", "set_password",
           "set_role"]
