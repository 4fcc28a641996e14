"""Reading releases (``publication`` makes and decides them): a page of releases, one release with its audit
log, its stored diff, its snapshots, and a dataset's changelog (what each published release changed). Proposals
past their expiry are marked expired as they are read."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from workbench.engine.app.access import requires
from workbench.engine.app.datasets import MAX_PAGE
from workbench.engine.app.publication import ReleaseNotFoundError
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.store import releases as release_store
from workbench.engine.store.db import session_scope
from workbench.engine.store.gold import GoldTarget
from workbench.engine.store.objects import release_objects
from workbench.engine.store.prepare import prepare_store
from workbench.engine.store.releases import ReleaseEventPublic, ReleasePublic

#: Snapshot formats a release is kept in (name -> media type).
SNAPSHOT_FORMATS = {"parquet": "application/vnd.apache.parquet", "csv": "text/csv; charset=utf-8"}


class ReleasePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ReleasePublic]


class ReleaseDetail(BaseModel):
    release: ReleasePublic
    events: list[ReleaseEventPublic]
    table: str  # how readers name the published table (gold.<table>)


class SnapshotFormatError(WorkbenchError):
    code = "snapshot-format"
    kind = "invalid"
    title = "Unknown snapshot format"
    template = "snapshots are {known}; not {name!r}"
    template_es = "las copias son {known}; no {name!r}"


def _expire(url: str) -> None:
    with session_scope(url) as session:
        release_store.expire_due(session=session)


@requires("read")
def list_releases(settings: Settings | None = None, *, dataset: str | None = None, status: str | None = None,
                  limit: int = 50, offset: int = 0) -> ReleasePage:
    """Releases newest first, with the total that matches."""
    url = prepare_store(settings)
    _expire(url)
    limit, offset = max(1, min(limit, MAX_PAGE)), max(0, offset)
    with session_scope(url) as session:
        total, items = release_store.listing(session=session, dataset=dataset, status=status, limit=limit,
                                             offset=offset)
    return ReleasePage(total=total, limit=limit, offset=offset, items=items)


@requires("read")
def get_release(release_id: int, settings: Settings | None = None) -> ReleaseDetail:
    settings = settings or get_settings()
    url = prepare_store(settings)
    _expire(url)
    with session_scope(url) as session:
        row = release_store.get(release_id, session=session)
        if row is None:
            raise ReleaseNotFoundError(release_id=release_id)
        release = release_store.public(row, session=session)
        events = release_store.events(release_id, session=session)
    return ReleaseDetail(release=release, events=events,
                         table=GoldTarget.from_settings(settings).qualified(release.table_name))


@requires("read")
def release_diff(release_id: int, settings: Settings | None = None, *, limit: int | None = None) -> dict[str, Any]:
    """The diff the release was proposed with: counts, added/removed rows, changed cells (key, column, old, new,
    delta), totals before and after, and the file's own control totals; lists cut to ``limit`` entries."""
    settings = settings or get_settings()
    release = get_release(release_id, settings).release
    document = json.loads(release_objects(settings).get_bytes(release.snapshot["diff"]["path"]).decode("utf-8"))
    if limit is not None:
        for name in ("added", "removed", "changes"):
            document["truncated"][name] = document["truncated"].get(name) or len(document[name]) > limit
            document[name] = document[name][:limit]
    document.update(release_id=release.id, dataset=release.dataset_slug, run_id=release.run_id,
                    status=release.status, content_hash=release.content_hash,
                    control_totals=release.control_totals or {}, partitions=release.partitions,
                    replaces=release.base_release_ids)
    return document


@requires("read")
def release_snapshot(release_id: int, fmt: str = "parquet", settings: Settings | None = None) -> tuple[bytes, dict[str, Any]]:
    """A release's rows as stored (Parquet or CSV) and their facts (rows, bytes, sha256)."""
    if fmt not in SNAPSHOT_FORMATS:
        raise SnapshotFormatError(name=fmt, known=", ".join(SNAPSHOT_FORMATS))
    settings = settings or get_settings()
    meta = get_release(release_id, settings).release.snapshot[fmt]
    return release_objects(settings).get_bytes(meta["path"]), meta


@requires("read")
def changelog(dataset: str, settings: Settings | None = None, *, limit: int = 50) -> list[dict[str, Any]]:
    """The dataset's releases that reached its table (published, and rolled back), newest first: what each
    changed, who proposed and approved it."""
    page = list_releases(settings, dataset=dataset, limit=min(limit, MAX_PAGE))
    out = []
    for r in page.items:
        if r.status not in ("published", "rolled_back"):
            continue
        out.append({"release_id": r.id, "dataset": r.dataset_slug, "status": r.status, "run_id": r.run_id,
                    "spec_version": r.spec_version, "partitions": r.partitions,
                    "counts": r.diff_summary.get("counts", {}), "proposer": r.proposer, "approver": r.approver,
                    "qa_status": r.qa_status, "published_at": r.published_at, "rolled_back_at": r.rolled_back_at,
                    "content_hash": r.content_hash, "rows": r.row_counts.get("rows")})
    return out


__all__ = ["ReleaseDetail", "ReleasePage", "SNAPSHOT_FORMATS", "SnapshotFormatError", "changelog", "get_release",
           "list_releases", "release_diff", "release_snapshot"]
