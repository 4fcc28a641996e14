"""Releases of gold tables and their audit log: rows in, read models out.

``Release`` is one proposal to replace partitions of a dataset's published table with a run's rows; its status
moves along ``RELEASE_STATUSES``. ``ReleaseEvent`` is the audit log: one row per decision (proposed, approved,
rejected, published, rolled back ...), only ever inserted — the migration adds triggers that refuse UPDATE and
DELETE on it, on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel, select

from workbench.engine.core.statuses import RELEASE_ACTIONS, RELEASE_STATUSES
from workbench.engine.store.models import Dataset, _json, _Table, _ts, utcnow


class Release(_Table, table=True):
    __tablename__ = "data_workbench_releases"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {RELEASE_STATUSES}", name="status"),
        sa.Index("ix_releases_dataset_status", "dataset_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int = Field(foreign_key="data_workbench_datasets.id", index=True)
    run_id: int = Field(foreign_key="data_workbench_runs.id", index=True)
    spec_version_id: int = Field(foreign_key="data_workbench_spec_versions.id")
    spec_version: int = Field(default=0)
    spec_hash: str = Field(max_length=64)
    table_name: str = Field(max_length=63)
    status: str = Field(default="proposed", max_length=12, index=True)
    inputs: list[dict[str, Any]] = _json()
    qa_status: str = Field(max_length=12)
    qa_acknowledged: bool = Field(default=False)
    partitions: list[dict[str, Any]] = _json()
    partition_keys: list[str] = _json()
    base_release_ids: list[int] = _json()
    row_counts: dict[str, Any] = _json()
    diff_summary: dict[str, Any] = _json()
    control_totals: dict[str, Any] | None = _json(nullable=True)
    snapshot: dict[str, Any] = _json()
    content_hash: str = Field(max_length=64)
    approved_hash: str | None = Field(default=None, max_length=64)
    proposer: str = Field(max_length=200)
    approver: str | None = Field(default=None, max_length=200)
    decided_by: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, sa_type=sa.Text)
    timings_ms: dict[str, Any] | None = _json(nullable=True)
    proposed_at: datetime = _ts(index=True)
    expires_at: datetime = _ts()
    approved_at: datetime | None = _ts(nullable=True, default=False)
    decided_at: datetime | None = _ts(nullable=True, default=False)
    published_at: datetime | None = _ts(nullable=True, default=False)
    rolled_back_at: datetime | None = _ts(nullable=True, default=False)


class ReleaseEvent(_Table, table=True):
    """One decision about a release, never changed nor deleted (triggers refuse it)."""

    __tablename__ = "data_workbench_release_events"
    __table_args__ = (sa.CheckConstraint(f"action IN {RELEASE_ACTIONS}", name="action"),)

    id: int | None = Field(default=None, primary_key=True)
    release_id: int = Field(foreign_key="data_workbench_releases.id", index=True)
    action: str = Field(max_length=16)
    actor: str = Field(max_length=200)
    content_hash: str = Field(default="", max_length=64)
    reason: str | None = Field(default=None, sa_type=sa.Text)
    details: dict[str, Any] | None = _json(nullable=True)
    at: datetime = _ts(index=True)


class ReleasePublic(SQLModel):
    id: int
    dataset_id: int
    dataset_slug: str = ""
    run_id: int
    spec_version: int
    spec_hash: str
    table_name: str
    status: str
    inputs: list[dict[str, Any]]
    qa_status: str
    qa_acknowledged: bool
    partitions: list[dict[str, Any]]
    partition_keys: list[str]
    base_release_ids: list[int]
    row_counts: dict[str, Any]
    diff_summary: dict[str, Any]
    control_totals: dict[str, Any] | None
    snapshot: dict[str, Any]
    content_hash: str
    approved_hash: str | None
    proposer: str
    approver: str | None
    decided_by: str | None
    reason: str | None
    timings_ms: dict[str, Any] | None
    proposed_at: datetime
    expires_at: datetime
    approved_at: datetime | None
    decided_at: datetime | None
    published_at: datetime | None
    rolled_back_at: datetime | None


class ReleaseEventPublic(SQLModel):
    id: int
    release_id: int
    action: str
    actor: str
    content_hash: str
    reason: str | None
    details: dict[str, Any] | None
    at: datetime


def _public(row: Release, slug: str) -> ReleasePublic:
    return ReleasePublic.model_validate({**row.model_dump(), "dataset_slug": slug})


def public(row: Release, *, session: Session) -> ReleasePublic:
    dataset = session.get(Dataset, row.dataset_id)
    return _public(row, dataset.slug if dataset else "")


def create(*, session: Session, **values: Any) -> Release:
    row = Release(**values)
    session.add(row)
    session.flush()
    return row


def get(release_id: int, *, session: Session, lock: bool = False) -> Release | None:
    query = select(Release).where(Release.id == release_id)
    if lock:
        query = query.with_for_update()  # PostgreSQL: one decision at a time per release (SQLite: BEGIN IMMEDIATE)
    return session.exec(query).first()


def update(row: Release, *, session: Session, **values: Any) -> Release:
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    return row


def record(*, session: Session, release_id: int, action: str, actor: str, content_hash: str = "",
           reason: str | None = None, details: dict[str, Any] | None = None) -> None:
    session.add(ReleaseEvent(release_id=release_id, action=action, actor=actor, content_hash=content_hash,
                             reason=reason, details=details, at=utcnow()))
    session.flush()


def events(release_id: int, *, session: Session) -> list[ReleaseEventPublic]:
    rows = session.exec(select(ReleaseEvent).where(ReleaseEvent.release_id == release_id)
                        .order_by(ReleaseEvent.id)).all()
    return [ReleaseEventPublic.model_validate(r, from_attributes=True) for r in rows]


def of_dataset(dataset_id: int, *, session: Session, statuses: tuple[str, ...] | None = None) -> list[Release]:
    query = select(Release).where(Release.dataset_id == dataset_id)
    if statuses:
        query = query.where(Release.status.in_(statuses))  # type: ignore[attr-defined]
    return list(session.exec(query.order_by(Release.id.desc())).all())  # type: ignore[union-attr]


def listing(*, session: Session, dataset: str | None = None, status: str | None = None, limit: int = 50,
            offset: int = 0) -> tuple[int, list[ReleasePublic]]:
    query = select(Release, Dataset.slug).join(Dataset, Dataset.id == Release.dataset_id)  # type: ignore[arg-type]
    count = sa.select(sa.func.count()).select_from(Release).join(Dataset, Dataset.id == Release.dataset_id)
    if dataset:
        query, count = query.where(Dataset.slug == dataset), count.where(Dataset.slug == dataset)
    if status:
        query, count = query.where(Release.status == status), count.where(Release.status == status)
    total = session.execute(count).scalar_one()
    rows = session.exec(query.order_by(Release.id.desc()).offset(offset).limit(limit)).all()  # type: ignore[union-attr]
    return total, [_public(row, slug) for row, slug in rows]


def expire_due(*, session: Session, now: datetime | None = None) -> list[int]:
    """Proposed releases past their expiry become ``expired`` (each recorded); their ids."""
    now = now or utcnow()
    due = session.exec(select(Release).where(Release.status == "proposed", Release.expires_at < now)).all()
    for row in due:
        update(row, session=session, status="expired", decided_at=now, decided_by="system")
        record(session=session, release_id=row.id, action="expired", actor="system",  # type: ignore[arg-type]
               content_hash=row.content_hash)
    return [row.id for row in due]  # type: ignore[misc]


__all__ = ["Release", "ReleaseEvent", "ReleaseEventPublic", "ReleasePublic", "create", "events", "expire_due", "get",
           "listing", "of_dataset", "public", "record", "update"]
