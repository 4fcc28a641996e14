"""Users and credentials (API tokens, browser sessions, the one-time setup link): rows in, read models out.

Secrets never reach this module: callers pass the SHA-256 of a secret, and password hashes are made by
``engine.app.sessions`` (argon2id)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from workbench.engine.store.models import Credential, CredentialPublic, User, UserPublic, utcnow


def _public(user: User) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


def get_user(username: str, *, session: Session) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def get_user_by_id(user_id: int, *, session: Session) -> User | None:
    return session.get(User, user_id)


def add_user(username: str, password_hash: str, role: str, *, session: Session) -> UserPublic:
    row = User(username=username, password_hash=password_hash, role=role)
    session.add(row)
    session.flush()
    return _public(row)


def update_user(user: User, *, session: Session, **values: object) -> UserPublic:
    for name, value in values.items():
        setattr(user, name, value)
    session.add(user)
    session.flush()
    return _public(user)


def list_users(*, session: Session) -> list[UserPublic]:
    return [_public(u) for u in session.exec(select(User).order_by(User.username)).all()]


def count_admins(*, session: Session) -> int:
    return len(session.exec(select(User.id).where(User.role == "admin", User.disabled == False)).all())  # noqa: E712


def add_credential(*, session: Session, user_id: int | None, kind: str, name: str, secret_hash: str, prefix: str,
                   expires_at: datetime | None) -> CredentialPublic:
    row = Credential(user_id=user_id, kind=kind, name=name, secret_hash=secret_hash, prefix=prefix,
                     expires_at=expires_at)
    session.add(row)
    session.flush()
    return CredentialPublic.model_validate(row, from_attributes=True)


def find_credential(secret_hash: str, *, session: Session) -> Credential | None:
    return session.exec(select(Credential).where(Credential.secret_hash == secret_hash)).first()


def list_credentials(*, session: Session, kind: str, username: str | None = None) -> list[CredentialPublic]:
    query = select(Credential, User.username).join(User, isouter=True).where(Credential.kind == kind)
    if username is not None:
        query = query.where(User.username == username)
    out = []
    for cred, name in session.exec(query.order_by(Credential.id)).all():  # type: ignore[arg-type]
        item = CredentialPublic.model_validate(cred, from_attributes=True)
        item.username = name or ""
        out.append(item)
    return out


def revoke(credential: Credential, *, session: Session) -> None:
    if credential.revoked_at is None:
        credential.revoked_at = utcnow()
        session.add(credential)
        session.flush()


def revoke_all(user_id: int, *, session: Session, kinds: tuple[str, ...] = ("session",)) -> int:
    rows = session.exec(select(Credential).where(Credential.user_id == user_id, Credential.kind.in_(kinds),  # type: ignore[attr-defined]
                                                 Credential.revoked_at == None)).all()  # noqa: E711
    for row in rows:
        revoke(row, session=session)
    return len(rows)


__all__ = ["add_credential", "add_user", "count_admins", "find_credential", "get_user", "get_user_by_id",
           "list_credentials", "list_users", "revoke", "revoke_all", "update_user"]
