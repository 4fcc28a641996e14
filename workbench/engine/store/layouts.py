"""The layout fingerprints of a dataset's last successful runs (kept in each run's ``outputs["layout"]``, no
table of their own), newest first: what a new file's layout is compared with (core/drift.py)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from workbench.engine.store.models import Dataset, Run

#: Runs read at most for their fingerprints.
MAX_RUNS = 20


def recent_layouts(slug: str, *, session: Session, limit: int = 5) -> list[dict[str, Any]]:
    """The fingerprints of ``slug``'s last ``limit`` succeeded runs that have one, newest first."""
    rows = session.exec(
        select(Run.outputs).join(Dataset, Dataset.id == Run.dataset_id)  # type: ignore[arg-type]
        .where(Dataset.slug == slug, Run.status == "succeeded")
        .order_by(Run.id.desc()).limit(min(limit, MAX_RUNS) * 2)  # type: ignore[union-attr]
    ).all()
    found = [outputs["layout"] for outputs in rows if isinstance(outputs, dict) and isinstance(outputs.get("layout"), dict)]
    return found[:limit]


__all__ = ["MAX_RUNS", "recent_layouts"]
