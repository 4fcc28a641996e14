"""Backfills: a record per batch, its runs linked by ``backfill_id``; progress is counted from the runs."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from workbench.engine.store.models import Backfill, BackfillPublic, Dataset, Run, utcnow

TERMINAL = ("succeeded", "failed", "cancelled")


def create_backfill(*, session: Session, dataset_id: int, params: dict[str, Any], param_from_filename: str | None,
                    force: bool, total: int, triggered_by: str) -> int:
    row = Backfill(dataset_id=dataset_id, params=params, param_from_filename=param_from_filename, force=force,
                   total=total, skipped=[], triggered_by=triggered_by)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def add_skipped(backfill_id: int, run_id: int, *, session: Session) -> None:
    row = session.get(Backfill, backfill_id)
    assert row is not None
    row.skipped = [*(row.skipped or []), run_id]
    session.add(row)
    session.flush()


def progress(backfill_id: int, *, session: Session) -> dict[str, int]:
    """Run counts by status for the backfill, plus skipped (identical earlier runs), done and remaining."""
    row = session.get(Backfill, backfill_id)
    counts = dict(session.exec(
        select(Run.status, sa.func.count()).where(Run.backfill_id == backfill_id).group_by(Run.status)  # type: ignore[arg-type]
    ).all())
    out = {status: int(counts.get(status, 0)) for status in ("queued", "running", "succeeded", "failed", "cancelled")}
    out["skipped"] = len(row.skipped or []) if row else 0
    out["done"] = out["succeeded"] + out["skipped"]
    out["remaining"] = out["queued"] + out["running"]
    return out


def get_backfill(backfill_id: int, *, session: Session) -> BackfillPublic | None:
    row = session.exec(
        select(Backfill, Dataset.slug).join(Dataset, Dataset.id == Backfill.dataset_id).where(Backfill.id == backfill_id)  # type: ignore[arg-type]
    ).first()
    if row is None:
        return None
    backfill, slug = row
    return BackfillPublic.model_validate({**backfill.model_dump(), "dataset_slug": slug,
                                          "progress": progress(backfill_id, session=session)})


def finish_if_done(backfill_id: int, *, session: Session) -> bool:
    """Mark the backfill finished once none of its runs is queued or running; True when it just finished."""
    row = session.get(Backfill, backfill_id)
    if row is None or row.status != "running":
        return False
    if progress(backfill_id, session=session)["remaining"]:
        return False
    row.status, row.finished_at = "finished", utcnow()
    session.add(row)
    session.flush()
    return True


def cancel(backfill_id: int, *, session: Session) -> list[int]:
    """Cancel the backfill and its queued runs (running ones finish); returns the cancelled run ids."""
    row = session.get(Backfill, backfill_id)
    if row is None:
        return []
    queued = session.exec(select(Run).where(Run.backfill_id == backfill_id, Run.status == "queued")).all()
    now = utcnow()
    for run in queued:
        run.status, run.finished_at = "cancelled", now
        session.add(run)
    row.status, row.finished_at = "cancelled", now
    session.add(row)
    session.flush()
    return [r.id for r in queued if r.id is not None]


def failed_runs(backfill_id: int, *, session: Session) -> list[Run]:
    """The backfill's failed runs whose input has not succeeded since (what resume retries)."""
    runs = session.exec(select(Run).where(Run.backfill_id == backfill_id).order_by(Run.id)).all()  # type: ignore[arg-type]
    succeeded = {r.inputs_key for r in runs if r.status == "succeeded"}
    pending = {r.inputs_key for r in runs if r.status in ("queued", "running")}  # e.g. recovery's retry
    seen: set[str] = set()
    out = []
    for run in runs:
        if (run.status == "failed" and run.inputs_key not in succeeded and run.inputs_key not in pending
                and run.inputs_key not in seen):
            seen.add(run.inputs_key)
            out.append(run)
    return out


def reopen(backfill_id: int, *, session: Session) -> None:
    row = session.get(Backfill, backfill_id)
    assert row is not None
    row.status, row.finished_at = "running", None
    session.add(row)
    session.flush()
