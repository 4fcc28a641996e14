"""Datasets and spec versions: spec sync (specs/ -> the store), and the dataset list the UI shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.spec.loader import load_spec
from workbench.engine.core.spec.models import Spec
from workbench.engine.store.models import Dataset, DatasetPublic, Run, SpecVersion, SpecVersionPublic, utcnow


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    errors: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _version_for(dataset: Dataset, spec: Spec, spec_hash: str, yaml_text: str, *, session: Session) -> SpecVersion:
    existing = session.exec(
        select(SpecVersion).where(SpecVersion.dataset_id == dataset.id, SpecVersion.spec_hash == spec_hash)
    ).first()
    if existing:
        return existing
    latest = session.exec(select(sa.func.max(SpecVersion.version)).where(SpecVersion.dataset_id == dataset.id)).one()
    version = SpecVersion(dataset_id=dataset.id, version=(latest or 0) + 1, spec_hash=spec_hash, yaml_text=yaml_text,
                          spec=spec.model_dump(mode="json", by_alias=True))
    session.add(version)
    session.flush()
    return version


def sync_spec(spec: Spec, yaml_text: str, *, session: Session, path: str = "") -> tuple[DatasetPublic, SpecVersionPublic, str]:
    """Upsert one spec: ('added' | 'updated' | 'unchanged'). A changed spec becomes a new version; history
    is never overwritten; going back to an earlier content points the dataset at that earlier version.
    Safe under concurrent sync: unique constraints decide, the loser re-reads."""
    for attempt in range(3):
        try:
            with session.begin_nested():
                return _sync_once(spec, yaml_text, path, session=session)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _sync_once(spec: Spec, yaml_text: str, path: str, *, session: Session) -> tuple[DatasetPublic, SpecVersionPublic, str]:
    spec_hash = spec.content_hash()
    dataset = session.exec(select(Dataset).where(Dataset.slug == spec.slug)).first()
    outcome = "unchanged"
    if dataset is None:
        dataset = Dataset(slug=spec.slug, title=spec.dataset.title, description=spec.dataset.description,
                          owner=spec.dataset.owner, spec=spec.model_dump(mode="json", by_alias=True),
                          spec_hash=spec_hash, version=1, layers=spec.layer_names, spec_path=path)
        session.add(dataset)
        session.flush()
        outcome = "added"
    version = _version_for(dataset, spec, spec_hash, yaml_text, session=session)
    if outcome != "added" and (dataset.spec_hash != spec_hash or not dataset.active):
        outcome = "updated"
    dataset.title, dataset.description, dataset.owner = spec.dataset.title, spec.dataset.description, spec.dataset.owner
    dataset.spec, dataset.spec_hash, dataset.version = spec.model_dump(mode="json", by_alias=True), spec_hash, version.version
    dataset.layers, dataset.active, dataset.spec_path = spec.layer_names, True, path or dataset.spec_path
    if outcome != "unchanged":
        dataset.updated_at = utcnow()
    session.add(dataset)
    session.flush()
    return DatasetPublic.model_validate(dataset), SpecVersionPublic.model_validate(version), outcome


def sync_specs_dir(specs_dir: str | Path, *, session: Session) -> SyncReport:
    """Every YAML in ``specs_dir`` into the store. Invalid specs are reported with their line and do not stop
    the others; datasets whose spec left the directory are marked inactive, never deleted."""
    report = SyncReport()
    on_disk: set[str] = set()
    for path in sorted(Path(specs_dir).glob("*.y*ml")):
        on_disk.add(path.stem)
        try:
            spec = load_spec(path)
        except WorkbenchError as exc:  # an invalid spec is reported with its line; the others go on
            report.errors[str(path)] = exc.to_dict()
            continue
        _, _, outcome = sync_spec(spec, path.read_text(encoding="utf-8"), session=session, path=str(path))
        getattr(report, outcome).append(spec.slug)
    for dataset in session.exec(select(Dataset).where(Dataset.active.is_(True))).all():  # type: ignore[union-attr]
        if dataset.slug not in on_disk:
            dataset.active = False
            dataset.updated_at = utcnow()
            session.add(dataset)
            report.deactivated.append(dataset.slug)
    session.flush()
    return report


def get_dataset(slug: str, *, session: Session) -> DatasetPublic | None:
    row = session.exec(select(Dataset).where(Dataset.slug == slug)).first()
    return DatasetPublic.model_validate(row) if row else None


def get_spec_version(version_id: int, *, session: Session) -> SpecVersionPublic | None:
    row = session.get(SpecVersion, version_id)
    return SpecVersionPublic.model_validate(row) if row else None


_LIST_COLUMNS = ("id", "slug", "title", "description", "owner", "spec_hash", "version", "layers", "active",
                 "created_at", "updated_at")


@lru_cache(maxsize=4)
def _list_query(active_only: bool, searching: bool) -> Any:
    """The dataset-list statement, built once per shape (limit, offset and search are bound parameters)."""
    page = select(*(getattr(Dataset, c) for c in _LIST_COLUMNS)).order_by(Dataset.slug)
    if active_only:
        page = page.where(Dataset.active.is_(True))  # type: ignore[union-attr]
    if searching:
        pattern = sa.bindparam("pattern")
        page = page.where(sa.or_(sa.func.lower(Dataset.slug).like(pattern), sa.func.lower(Dataset.title).like(pattern)))
    page_sq = page.limit(sa.bindparam("limit")).offset(sa.bindparam("offset")).subquery("page")
    last_id = (
        select(Run.id).where(Run.dataset_id == page_sq.c.id)
        .order_by(Run.created_at.desc(), Run.id.desc()).limit(1)  # type: ignore[union-attr]
        .correlate(page_sq).scalar_subquery()
    )
    return (
        select(page_sq, Run.id.label("run_id"), Run.status, Run.qa_status, Run.row_counts,  # type: ignore[union-attr]
               Run.created_at.label("run_created_at"), Run.finished_at)  # type: ignore[union-attr]
        .join(Run, Run.id == last_id, isouter=True)  # type: ignore[arg-type]
        .order_by(page_sq.c.slug)
    )


def list_datasets(*, session: Session, search: str | None = None, active_only: bool = True,
                  limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """The dataset list with each dataset's last run (status, QA status, row counts). One query that reads
    only the listed columns (never the spec or the runs' timelines) and finds each page's last runs through
    the (dataset_id, created_at) index."""
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if search:
        params["pattern"] = f"%{search.lower()}%"
    out = []
    for row in session.execute(_list_query(active_only, bool(search)), params).mappings():
        item = {c: row[c] for c in _LIST_COLUMNS}
        item["last_run"] = None if row["run_id"] is None else {
            "id": row["run_id"], "status": row["status"], "qa_status": row["qa_status"],
            "row_counts": row["row_counts"], "created_at": row["run_created_at"], "finished_at": row["finished_at"],
        }
        out.append(item)
    return out
