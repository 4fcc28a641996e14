"""Runs and RAW file records: create, start, finish, fail, find identical earlier runs, list and show."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from workbench.engine.core.errors import public_record
from workbench.engine.core.preview import ENGINE_VERSION
from workbench.engine.store.models import Dataset, RawFile, RawFilePublic, Run, RunPublic, SpecVersion, utcnow

log = logging.getLogger(__name__)

#: A run still "running" without a heartbeat for this long was abandoned (its process died).
STALE_RUN_SECONDS = 15 * 60


def inputs_key(spec_hash: str, file_sha256: str, params: dict[str, Any], sheet: int | str | None = None) -> str:
    """What makes two runs the same: the spec content, the RAW bytes, the parameters, the sheet the user chose
    (none: the one the engine finds) and the engine version (an engine fix must not be hidden behind an earlier
    result)."""
    what: dict[str, Any] = {"spec": spec_hash, "file": file_sha256, "params": params, "engine": ENGINE_VERSION}
    if sheet is not None and sheet != "":  # only when chosen, so the keys of runs recorded before sheets could be chosen stay the same
        what["sheet"] = sheet
    canonical = json.dumps(what, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record_file(*, session: Session, sha256: str, size: int, storage_key: str, original_name: str,
                source: dict[str, Any] | None = None, uploaded_by: str = "") -> RawFilePublic:
    """Get or create the RAW file row (unique by sha256; a concurrent insert of the same file is tolerated)."""
    row = session.exec(select(RawFile).where(RawFile.sha256 == sha256)).first()
    if row is None:
        source = source or {}
        row = RawFile(sha256=sha256, size=size, storage_key=storage_key, original_name=original_name[:500],
                      format=source.get("format", "") or "", encoding=source.get("encoding"),
                      delimiter=source.get("delimiter"), sheets=source.get("sheets") or None, uploaded_by=uploaded_by)
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            row = session.exec(select(RawFile).where(RawFile.sha256 == sha256)).one()
    session.flush()
    return RawFilePublic.model_validate(row)


def set_file_facts(sha256: str, source: dict[str, Any], *, session: Session) -> None:
    """Record what reading found (format, encoding, delimiter, sheets) on the file's row."""
    row = session.exec(select(RawFile).where(RawFile.sha256 == sha256)).one()
    row.format = source.get("format") or row.format
    row.encoding, row.delimiter = source.get("encoding"), source.get("delimiter")
    row.sheets = source.get("sheets") or None
    session.add(row)
    session.flush()


def create_run(*, session: Session, dataset_id: int, spec_version_id: int, file_id: int | None,
               inputs: list[dict[str, Any]], key: str, params: dict[str, Any], triggered_by: str,
               status: str = "queued", backfill_id: int | None = None, engine_version: str = "") -> int:
    now = utcnow()
    run = Run(dataset_id=dataset_id, spec_version_id=spec_version_id, file_id=file_id, inputs=inputs,
              inputs_key=key, params=params, status=status, triggered_by=triggered_by, backfill_id=backfill_id,
              engine_version=engine_version, created_at=now,
              started_at=now if status == "running" else None, heartbeat_at=now if status == "running" else None)
    session.add(run)
    session.flush()
    assert run.id is not None
    return run.id


def update_run(run_id: int, *, session: Session, only_if: tuple[str, ...] | None = None, **values: Any) -> bool:
    """Set columns of one run (status changes stamp started_at/finished_at). With ``only_if``, nothing
    changes unless the run's status is one of those (e.g. an abandoned run is not revived); False then."""
    run = session.get(Run, run_id, with_for_update=only_if is not None)
    if run is None:
        raise LookupError(f"no run {run_id}")
    if only_if is not None and run.status not in only_if:
        log.warning("run %s is %s, not %s: left as it is", run_id, run.status, "/".join(only_if))
        return False
    now = utcnow()
    if values.get("status") == "running" and run.started_at is None:
        run.started_at = now
    if values.get("status") in ("succeeded", "failed", "cancelled"):
        run.finished_at = now
    for name, value in values.items():
        setattr(run, name, value)
    run.heartbeat_at = now
    session.add(run)
    session.flush()
    return True


def inputs_key_of(run_id: int, *, session: Session) -> str:
    return session.exec(select(Run.inputs_key).where(Run.id == run_id)).one()


def queued_ids(*, session: Session) -> list[int]:
    return list(session.exec(select(Run.id).where(Run.status == "queued").order_by(Run.id)).all())  # type: ignore[arg-type]


def touch(run_id: int, *, session: Session) -> None:
    """Stamp a running run's heartbeat."""
    session.execute(sa.update(Run).where(Run.id == run_id).values(heartbeat_at=utcnow()))


def find_identical(key: str, *, session: Session) -> int | None:
    """The latest succeeded run with the same inputs, if any."""
    return session.exec(
        select(Run.id).where(Run.inputs_key == key, Run.status == "succeeded").order_by(Run.id.desc()).limit(1)  # type: ignore[union-attr]
    ).first()


def _public(run: Run, slug: str, version: int, *, timeline: bool = True) -> RunPublic:
    data = run.model_dump()
    data["error"] = public_record(data.get("error"))  # records written before record_of may name servers
    if not timeline:
        data["timeline"] = None
    return RunPublic.model_validate({**data, "dataset_slug": slug, "spec_version": version})


def get_run(run_id: int, *, session: Session, timeline: bool = True) -> RunPublic | None:
    row = session.exec(
        select(Run, Dataset.slug, SpecVersion.version)
        .join(Dataset, Dataset.id == Run.dataset_id)  # type: ignore[arg-type]
        .join(SpecVersion, SpecVersion.id == Run.spec_version_id)  # type: ignore[arg-type]
        .where(Run.id == run_id)
    ).first()
    return _public(*row, timeline=timeline) if row else None


def list_runs(*, session: Session, dataset: str | None = None, status: str | None = None,
              qa_status: str | None = None, since: datetime | None = None, until: datetime | None = None,
              limit: int = 50, offset: int = 0) -> list[RunPublic]:
    """Newest first; the timeline is left out of lists (it can be large)."""
    query = (
        select(Run, Dataset.slug, SpecVersion.version)
        .join(Dataset, Dataset.id == Run.dataset_id)  # type: ignore[arg-type]
        .join(SpecVersion, SpecVersion.id == Run.spec_version_id)  # type: ignore[arg-type]
        .order_by(Run.id.desc())  # type: ignore[union-attr]
        .limit(limit)
        .offset(offset)
    )
    if dataset:
        query = query.where(Dataset.slug == dataset)
    if status:
        query = query.where(Run.status == status)
    if qa_status:
        query = query.where(Run.qa_status == qa_status)
    if since:
        query = query.where(Run.created_at >= since)
    if until:
        query = query.where(Run.created_at < until)
    return [_public(run, slug, version, timeline=False) for run, slug, version in session.exec(query).all()]


def fail_stale_runs(*, session: Session, older_than_s: int = STALE_RUN_SECONDS) -> list[int]:
    """Runs left 'running' by a process that died (no heartbeat for ``older_than_s``) end as failed."""
    cutoff = utcnow() - timedelta(seconds=older_than_s)
    stale = session.exec(
        select(Run).where(Run.status == "running", sa.or_(Run.heartbeat_at < cutoff, Run.heartbeat_at.is_(None)))  # type: ignore[union-attr]
    ).all()
    for run in stale:
        run.status, run.finished_at = "failed", utcnow()
        run.error = {"code": "run-abandoned", "title": "Run abandoned",
                     "message": f"the process running it stopped without finishing (no heartbeat for {older_than_s} s)",
                     "message_es": "el proceso que la ejecutaba se detuvo sin terminar", "details": {}}
        session.add(run)
    session.flush()
    return [r.id for r in stale if r.id is not None]
