"""Automation's records: each scheduled dataset's state (its next due time, paused or not) and every trigger (a
schedule's fire, an inbox file, a run started by hand), with what became of it.

A trigger's ``key`` is unique: ``schedule:<slug>:<fire time>`` for a fire, ``inbox:<slug>:<sha256>`` for the
first file of some content. Two schedulers that both try to record the same fire insert one row; the second
insert is refused by the database (``insert_trigger`` returns None), so a due time starts one run at most.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from workbench.engine.store.models import _json, _Table, _ts, utcnow

#: What can become of a trigger. ``pending``: recorded, waiting for a free slot (``max_active_runs``);
#: ``queued``/``running``: its job is on the queue or executing; ``succeeded``/``failed``: its run ended;
#: ``skipped``: nothing to run (paused, no new file, identical earlier run); ``missed``: a fire the scheduler
#: was down for and the catch-up policy did not run; ``duplicate``: an inbox file whose content already ran.
TRIGGER_STATUSES = ("pending", "queued", "running", "succeeded", "failed", "skipped", "missed", "duplicate")
ACTIVE = ("pending", "queued", "running")
TRIGGER_KINDS = ("schedule", "inbox", "manual")


class ScheduleState(_Table, table=True):
    """One scheduled dataset: the next due time is stored (not only in a scheduler's memory), so a restarted or
    replacement scheduler knows what it missed."""

    __tablename__ = "data_workbench_schedules"

    id: int | None = Field(default=None, primary_key=True)
    dataset_slug: str = Field(max_length=63, sa_column_kwargs={"unique": True})
    cron: str = Field(default="", max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    next_fire_at: datetime | None = _ts(nullable=True, default=False)
    paused: bool = Field(default=False)
    paused_by: str = Field(default="", max_length=200)
    updated_at: datetime = _ts()


class Trigger(_Table, table=True):
    __tablename__ = "data_workbench_triggers"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {TRIGGER_STATUSES}", name="status"),
        sa.CheckConstraint(f"kind IN {TRIGGER_KINDS}", name="kind"),
        sa.Index("ix_triggers_dataset_created", "dataset_slug", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, sa_column_kwargs={"unique": True})
    dataset_slug: str = Field(max_length=63, index=True)
    kind: str = Field(max_length=10)
    fire_at: datetime | None = _ts(nullable=True, default=False)
    file_name: str = Field(default="", max_length=500)
    file_key: str | None = Field(default=None, max_length=700, index=True)
    sha256: str | None = Field(default=None, max_length=64, index=True)
    status: str = Field(default="pending", max_length=12, index=True)
    run_id: int | None = Field(default=None, index=True)
    message: str = Field(default="", sa_type=sa.Text)
    error: dict[str, Any] | None = _json(nullable=True)
    alerted_at: datetime | None = _ts(nullable=True, default=False)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class ScheduleStatePublic(SQLModel):
    dataset_slug: str
    cron: str
    timezone: str
    next_fire_at: datetime | None
    paused: bool
    paused_by: str
    updated_at: datetime


class TriggerPublic(SQLModel):
    id: int
    key: str
    dataset_slug: str
    kind: str
    fire_at: datetime | None
    file_name: str
    file_key: str | None = None
    sha256: str | None
    status: str
    run_id: int | None
    message: str
    error: dict[str, Any] | None
    alerted_at: datetime | None
    created_at: datetime
    updated_at: datetime


def _public(row: Trigger) -> TriggerPublic:
    return TriggerPublic.model_validate(row.model_dump())


# --- schedules ---------------------------------------------------------------------------------------


def get_state(slug: str, *, session: Session) -> ScheduleStatePublic | None:
    row = session.exec(select(ScheduleState).where(ScheduleState.dataset_slug == slug)).first()
    return ScheduleStatePublic.model_validate(row.model_dump()) if row else None


def all_states(*, session: Session) -> dict[str, ScheduleStatePublic]:
    rows = session.exec(select(ScheduleState)).all()
    return {r.dataset_slug: ScheduleStatePublic.model_validate(r.model_dump()) for r in rows}


def save_state(slug: str, *, session: Session, **fields: Any) -> None:
    """Create or update a dataset's schedule state (a unique slug: a concurrent creation is retried as an update)."""
    row = session.exec(select(ScheduleState).where(ScheduleState.dataset_slug == slug)).first()
    if row is None:
        try:
            with session.begin_nested():
                session.add(ScheduleState(dataset_slug=slug, **fields))
            return
        except IntegrityError:
            row = session.exec(select(ScheduleState).where(ScheduleState.dataset_slug == slug)).one()
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()


def advance(slug: str, *, expected: datetime | None, next_fire_at: datetime, session: Session) -> bool:
    """Move the stored due time from ``expected`` to ``next_fire_at`` only if nobody moved it meanwhile."""
    table = ScheduleState.__table__  # type: ignore[attr-defined]
    where = table.c.dataset_slug == slug
    where = where & (table.c.next_fire_at.is_(None) if expected is None else table.c.next_fire_at == expected)
    done = session.execute(sa.update(table).where(where).values(next_fire_at=next_fire_at, updated_at=utcnow()))
    return done.rowcount == 1


# --- triggers ----------------------------------------------------------------------------------------


def insert_trigger(*, session: Session, key: str, dataset_slug: str, kind: str, status: str = "pending",
                   **fields: Any) -> int | None:
    """Record a trigger; None when its key is already recorded (another scheduler, an earlier tick)."""
    row = Trigger(key=key, dataset_slug=dataset_slug, kind=kind, status=status, **fields)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row.id


def get_trigger(trigger_id: int, *, session: Session) -> TriggerPublic | None:
    row = session.get(Trigger, trigger_id)
    return _public(row) if row else None


def find_by_key(key: str, *, session: Session) -> TriggerPublic | None:
    row = session.exec(select(Trigger).where(Trigger.key == key)).first()
    return _public(row) if row else None


def update_trigger(trigger_id: int, *, session: Session, only_if: tuple[str, ...] | None = None,
                   **fields: Any) -> bool:
    """Update a trigger, only while its status is one of ``only_if`` (when given); True when it was updated."""
    table = Trigger.__table__  # type: ignore[attr-defined]
    where = table.c.id == trigger_id
    if only_if:
        where = where & table.c.status.in_(only_if)
    done = session.execute(sa.update(table).where(where).values(**fields, updated_at=utcnow()))
    return done.rowcount == 1


def mark_alerted(trigger_id: int, *, session: Session) -> bool:
    """Claim the trigger's one alert: True for the one caller that set ``alerted_at``."""
    table = Trigger.__table__  # type: ignore[attr-defined]
    done = session.execute(sa.update(table).where((table.c.id == trigger_id) & table.c.alerted_at.is_(None))
                           .values(alerted_at=utcnow()))
    return done.rowcount == 1


def triggers(*, session: Session, slug: str | None = None, statuses: tuple[str, ...] | None = None,
             limit: int = 100, oldest_first: bool = False) -> list[TriggerPublic]:
    query = select(Trigger)
    if slug is not None:
        query = query.where(Trigger.dataset_slug == slug)
    if statuses:
        query = query.where(Trigger.status.in_(statuses))  # type: ignore[attr-defined]
    order = Trigger.id.asc() if oldest_first else Trigger.id.desc()  # type: ignore[union-attr]
    return [_public(r) for r in session.exec(query.order_by(order).limit(limit)).all()]


def trigger_of_run(run_id: int, *, session: Session) -> TriggerPublic | None:
    """The trigger (a schedule's fire, an inbox file, a run-now) that started run ``run_id``, if any."""
    row = session.exec(select(Trigger).where(Trigger.run_id == run_id).order_by(Trigger.id.desc()).limit(1)).first()  # type: ignore[union-attr]
    return _public(row) if row is not None else None


def active_count(slug: str, *, session: Session) -> int:
    """Automated runs of ``slug`` queued or running (pending ones wait for these)."""
    query = sa.select(sa.func.count()).select_from(Trigger).where(
        Trigger.dataset_slug == slug, Trigger.status.in_(("queued", "running")))  # type: ignore[attr-defined]
    return int(session.execute(query).scalar_one())


def seen_file_keys(slug: str, keys: list[str], *, session: Session) -> set[str]:
    """Which of these inbox file versions (name, size, modification time) were already handled."""
    if not keys:
        return set()
    rows = session.exec(select(Trigger.file_key).where(Trigger.dataset_slug == slug,
                                                       Trigger.file_key.in_(keys))).all()  # type: ignore[union-attr]
    return {r for r in rows if r}


def taken_shas(slug: str, *, session: Session) -> set[str]:
    """Contents already taken for ``slug`` (inbox files and scheduled runs), whatever their outcome."""
    rows = session.exec(select(Trigger.sha256).where(Trigger.dataset_slug == slug, Trigger.sha256.is_not(None),  # type: ignore[union-attr]
                                                     Trigger.status.not_in(("duplicate", "skipped", "missed")))).all()  # type: ignore[union-attr]
    return {r for r in rows if r}


def last_outcome(slug: str, *, session: Session) -> TriggerPublic | None:
    """The newest trigger of ``slug`` that ended (succeeded, failed, skipped, duplicate, missed)."""
    row = session.exec(select(Trigger).where(Trigger.dataset_slug == slug, Trigger.status.not_in(ACTIVE))  # type: ignore[attr-defined]
                       .order_by(Trigger.id.desc()).limit(1)).first()  # type: ignore[union-attr]
    return _public(row) if row else None


__all__ = ["ACTIVE", "ScheduleState", "ScheduleStatePublic", "TRIGGER_KINDS", "TRIGGER_STATUSES", "Trigger",
           "TriggerPublic", "active_count", "advance", "all_states", "find_by_key", "get_state", "get_trigger",
           "insert_trigger", "last_outcome", "mark_alerted", "save_state", "seen_file_keys", "taken_shas",
           "triggers", "update_trigger"]
