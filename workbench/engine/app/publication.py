"""Publication: a QA-passed run becomes a release of its dataset's gold table, published only after a second
person approves it, atomically, and reversibly.

- **Propose** (``propose_release``, analysts; an automation hook calls the same function): only a succeeded run
  whose QA passed (a warning needs ``acknowledge_warnings``, recorded on the release); duplicate business keys
  stop it, listing them. The rows are kept as a Parquet and a CSV snapshot (row count and sha256 each), the diff
  against the partitions' current release is computed once and stored, and the release's **content hash** binds
  spec, rows, partitions and the releases it replaces. Approvers are told (``release.proposed`` event + webhooks).
  Proposing again for the same partitions while a release is open amends it: the new content voids any approval.
- **Approve** (publishers and admins): never one's own proposal (403); bound to the content hash the approver
  reviewed; refused when the release expired (``release_ttl_h``) or the published partitions changed meanwhile.
  Approval publishes at once (``publish=False`` leaves it approved: ``publish_release`` later re-checks the hash).
- **Publish** replaces the release's partitions in one transaction (``store.gold``); **roll back** puts the
  previous releases' rows back the same way. Every decision is one immutable audit row (``store.releases``).
"""

from __future__ import annotations

import hashlib
import io
import logging
import time
from datetime import timedelta
from typing import Any

import pandas as pd

from workbench.engine.app import alerts
from workbench.engine.app.access import current, requires
from workbench.engine.app.qa import QAFailedError, failed_checks
from workbench.engine.app.release_snapshots import (
    base_rows, content_hash, current_releases, partition_key, store_snapshot,
)
from workbench.engine.app.runs_read import get_run, run_table
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.publication_diff import diff_partition, duplicate_keys
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.loader import parse_spec
from workbench.engine.core.spec.publication import RELEASE_COLUMN, Publication
from workbench.engine.infra.events import EventStream
from workbench.engine.store import releases as release_store
from workbench.engine.store.db import session_scope
from workbench.engine.store.gold import GoldTarget, columns_of
from workbench.engine.store.models import SpecVersion, utcnow
from workbench.engine.store.objects import release_objects
from workbench.engine.store.prepare import prepare_store
from workbench.engine.store.releases import ReleasePublic

log = logging.getLogger(__name__)

OPEN = ("proposed", "approved")


class PublicationError(WorkbenchError):
    """A run or release that cannot take the step asked for (the message says why)."""

    code = "publication-refused"
    kind = "conflict"
    title = "Publication refused"
    template = "{message}"
    template_es = "{message_es}"


class WarningsNotAcknowledgedError(PublicationError):
    code = "warnings-not-acknowledged"


class ReleaseStateError(PublicationError):
    code = "release-state"


class StaleReleaseError(PublicationError):
    code = "release-stale"


class DuplicateKeysError(WorkbenchError):
    code = "duplicate-keys"
    kind = "invalid"
    title = "Duplicate business keys"
    template = "run {run_id} has {count} business keys that occur more than once ({key}); it cannot be proposed"
    template_es = "la ejecución {run_id} tiene {count} claves de negocio repetidas ({key}); no se puede proponer"


class SelfApprovalError(WorkbenchError):
    code = "self-approval"
    kind = "forbidden"
    title = "Four eyes: not your own release"
    template = "{username} proposed release {release_id}: another publisher must approve it"
    template_es = "{username} propuso la publicación {release_id}: debe aprobarla otra persona con rol publicador"


class ApprovalVoidError(WorkbenchError):
    code = "approval-void"
    kind = "conflict"
    title = "The release changed"
    template = "release {release_id} changed since it was reviewed (content {expected} is now {actual}): review it again"
    template_es = ("la publicación {release_id} cambió desde que se revisó (contenido {expected}, ahora {actual}): "
                   "revísela de nuevo")


class ReleaseNotFoundError(WorkbenchError):
    code = "release-not-found"
    kind = "not-found"
    title = "Release not found"
    template = "there is no release {release_id}"
    template_es = "no existe la publicación {release_id}"


class ReasonRequiredError(WorkbenchError):
    code = "reason-required"
    kind = "invalid"
    title = "A reason is required"
    template = "say why: {action} needs a reason"
    template_es = "indique el motivo: {action_es} requiere un motivo"


# --- propose ---------------------------------------------------------------------------------------------


@requires("propose")
def propose_release(run_id: int, proposer: str | None = None, *, acknowledge_warnings: bool = False,
                    settings: Settings | None = None) -> ReleasePublic:
    """A release of run ``run_id``'s rows (the automation hook's entry point too: ``proposer`` names who or
    what proposes; default the acting principal)."""
    settings = settings or get_settings()
    url = prepare_store(settings)
    proposer = proposer or _actor()
    run = get_run(run_id, settings)
    _check_run(run, acknowledge_warnings)
    with session_scope(url) as session:
        version = session.get(SpecVersion, run.spec_version_id)
        yaml_text, spec_hash = version.yaml_text, version.spec_hash  # type: ignore[union-attr]
    spec = parse_spec(yaml_text, f"{run.dataset_slug}.yaml")
    pub = spec.publication
    if pub is None:
        raise PublicationError(f"dataset {run.dataset_slug} declares no publication (add `publication:` to its spec)",
                               message_es=f"el dataset {run.dataset_slug} no declara publicación (falta "
                                          "`publication:` en su spec)")
    frame = _release_frame(run_table(run_id, pub.layer, settings).df, pub, run_id)
    duplicates = duplicate_keys(frame, pub.key)
    if duplicates:
        raise DuplicateKeysError(run_id=run_id, count=len(duplicates), key=", ".join(pub.key), keys=duplicates)
    partitions = frame[pub.partition_by].drop_duplicates().sort_values(pub.partition_by)
    partitions = [{k: _text(v) for k, v in row.items()} for row in partitions.astype(object).to_dict("records")]
    keys = [partition_key(p, pub.partition_by) for p in partitions]
    objects = release_objects(settings)
    with session_scope(url) as session:
        bases = current_releases(run.dataset_id, keys, session=session)
    old = base_rows(sorted(set(bases.values())), pub, partitions, settings)
    diff = diff_partition(old.drop(columns=[RELEASE_COLUMN], errors="ignore"), frame, pub.key, pub.values,
                          totals_by=pub.totals.by if pub.totals else None,
                          totals_value=pub.totals.value if pub.totals else None)
    snapshot = store_snapshot(run.dataset_slug, frame, pub, diff.document(), spec_hash, keys, bases, objects)
    content = snapshot["content_hash"]
    values = dict(run_id=run.id, spec_version_id=run.spec_version_id, spec_version=run.spec_version,
                  spec_hash=spec_hash, table_name=pub.table or run.dataset_slug, qa_status=run.qa_status,
                  qa_acknowledged=run.qa_status == "warning" and acknowledge_warnings,
                  inputs=[{"name": i.get("name"), "sha256": i.get("sha256")} for i in run.inputs],
                  partitions=partitions, partition_keys=keys, base_release_ids=sorted(set(bases.values())),
                  row_counts={"rows": len(frame), "before": len(old)}, diff_summary={
                      "counts": diff.counts, "totals": diff.totals[:200]},
                  control_totals=run.control_totals, snapshot=snapshot, content_hash=content)
    now = utcnow()
    with session_scope(url) as session:
        release_store.expire_due(session=session, now=now)
        open_ = [r for r in release_store.of_dataset(run.dataset_id, session=session, statuses=OPEN)
                 if set(r.partition_keys) == set(keys)]
        if open_:
            row = open_[0]
            was_approved = row.status == "approved"
            release_store.update(row, session=session, status="proposed", approver=None, approved_hash=None,
                                 approved_at=None, proposer=proposer, proposed_at=now,
                                 expires_at=now + timedelta(hours=settings.release_ttl_h), **values)
            if was_approved:
                release_store.record(session=session, release_id=row.id, action="approval_voided", actor=proposer,
                                     content_hash=content, reason="content changed")
            release_store.record(session=session, release_id=row.id, action="amended", actor=proposer,
                                 content_hash=content, details={"run_id": run.id})
        else:
            row = release_store.create(session=session, dataset_id=run.dataset_id, proposer=proposer, proposed_at=now,
                                       expires_at=now + timedelta(hours=settings.release_ttl_h), **values)
            release_store.record(session=session, release_id=row.id, action="proposed", actor=proposer,  # type: ignore[arg-type]
                                 content_hash=content,
                                 details={"run_id": run.id, "qa_status": run.qa_status,
                                          "qa_acknowledged": values["qa_acknowledged"]})
        release = release_store.public(row, session=session)
    _announce("release.proposed", release, settings, proposer=proposer)
    return release


def _check_run(run: Any, acknowledge_warnings: bool) -> None:
    if run.status != "succeeded":
        raise PublicationError(f"run {run.id} is {run.status}: only a succeeded run can be proposed",
                               message_es=f"la ejecución {run.id} está en estado {run.status}: solo se puede "
                                          "proponer una ejecución exitosa")
    if run.qa_status == "failed":
        raise QAFailedError(subject=f"run {run.id}", subject_es=f"la ejecución {run.id}", run_id=run.id,
                            failed=", ".join(failed_checks(run.qa)) or "error")
    if run.qa_status == "warning" and not acknowledge_warnings:
        raise WarningsNotAcknowledgedError(
            f"run {run.id} passed QA with warnings: acknowledge them to propose it",
            message_es=f"la ejecución {run.id} pasó la calidad con advertencias: reconózcalas explícitamente para "
                       "proponerla")
    if run.qa_status not in ("passed", "warning"):
        raise PublicationError(f"run {run.id} has no QA result ({run.qa_status}): only QA-passed runs are published",
                               message_es=f"la ejecución {run.id} no tiene resultado de calidad: solo se publican "
                                          "ejecuciones que pasaron la calidad")


def _release_frame(layer: pd.DataFrame, pub: Publication, run_id: int) -> pd.DataFrame:
    missing = [c for c in pub.columns if c not in layer.columns]
    if missing:
        raise PublicationError(f"run {run_id}'s {pub.layer} table has no column {', '.join(missing)}",
                               message_es=f"la tabla {pub.layer} de la ejecución {run_id} no tiene la columna "
                                          f"{', '.join(missing)}")
    frame = layer[list(pub.columns)]
    order = frame[pub.key].astype("str").fillna("").sort_values(pub.key, kind="stable").index
    return frame.loc[order].reset_index(drop=True)  # canonical order: the same rows hash the same


# --- decide --------------------------------------------------------------------------------------------------


@requires("publish")
def approve_release(release_id: int, content_hash: str | None = None, *, publish: bool = True,
                    settings: Settings | None = None) -> ReleasePublic:
    """Approve (and by default publish) a release someone else proposed, bound to the ``content_hash`` the
    approver reviewed (None: the current one, for a reviewer shown it just now, as the CLI does)."""
    settings = settings or get_settings()
    url = prepare_store(settings)
    approver = _actor()
    _expire(url)
    with session_scope(url) as session:
        row = _locked(release_id, session)
        if row.proposer == approver:
            raise SelfApprovalError(username=approver, release_id=release_id)
        _expect(row, ("proposed",), "approve", "aprobar")
        if content_hash is not None and content_hash != row.content_hash:
            raise ApprovalVoidError(release_id=release_id, expected=content_hash[:12], actual=row.content_hash[:12])
        _check_bases(row, session)
        release_store.update(row, session=session, status="approved", approver=approver,
                             approved_hash=row.content_hash, approved_at=utcnow())
        release_store.record(session=session, release_id=release_id, action="approved", actor=approver,
                             content_hash=row.content_hash)
        release = release_store.public(row, session=session)
    _announce("release.approved", release, settings, approver=approver)
    return _publish(release_id, approver, settings) if publish else release


@requires("publish")
def publish_release(release_id: int, settings: Settings | None = None) -> ReleasePublic:
    """Publish an approved release (its content checked against the approved hash first)."""
    settings = settings or get_settings()
    return _publish(release_id, _actor(), settings)


def _publish(release_id: int, actor: str, settings: Settings) -> ReleasePublic:
    url = prepare_store(settings)
    with session_scope(url) as session:
        row = _locked(release_id, session)
        _expect(row, ("approved",), "publish", "publicar")
        snapshot, approved = dict(row.snapshot), row.approved_hash
    data = release_objects(settings).get_bytes(snapshot["parquet"]["path"])
    actual = content_hash(row.spec_hash, hashlib.sha256(data).hexdigest(), row.partition_keys,
                          snapshot.get("replaces", {}))
    if actual != approved or actual != row.content_hash:
        with session_scope(url) as session:
            row = _locked(release_id, session)
            release_store.update(row, session=session, status="proposed", approver=None, approved_hash=None,
                                 approved_at=None)
            release_store.record(session=session, release_id=release_id, action="approval_voided", actor=actor,
                                 content_hash=row.content_hash, reason="content changed after approval")
        raise ApprovalVoidError(release_id=release_id, expected=(approved or "")[:12], actual=actual[:12])
    frame = pd.read_parquet(io.BytesIO(data))
    pub = Publication.model_validate(snapshot["publication"])
    target = GoldTarget.from_settings(settings)
    with session_scope(url) as session:  # the row stays locked until the gold table is swapped
        row = _locked(release_id, session)
        _expect(row, ("approved",), "publish", "publicar")
        _check_bases(row, session)
        ms = target.replace_partitions(row.table_name, columns_of(frame, pub.columns), pub.partition_by,
                                       row.partitions, frame, release_id)
        release_store.update(row, session=session, status="published", published_at=utcnow(),
                             timings_ms={**(row.timings_ms or {}), "publish": ms})
        release_store.record(session=session, release_id=release_id, action="published", actor=actor,
                             content_hash=row.content_hash,
                             details={"table": target.qualified(row.table_name), "ms": ms,
                                      "rows": len(frame)})
        release = release_store.public(row, session=session)
    _announce("release.published", release, settings, actor=actor)
    return release


@requires("publish")
def reject_release(release_id: int, reason: str, settings: Settings | None = None) -> ReleasePublic:
    """Reject an open release; the reason is required and recorded."""
    if not (reason or "").strip():
        raise ReasonRequiredError(action="rejecting", action_es="rechazar")
    settings = settings or get_settings()
    actor = _actor()
    url = prepare_store(settings)
    _expire(url)
    with session_scope(url) as session:
        row = _locked(release_id, session)
        _expect(row, OPEN, "reject", "rechazar")
        release_store.update(row, session=session, status="rejected", decided_by=actor, decided_at=utcnow(),
                             reason=reason.strip())
        release_store.record(session=session, release_id=release_id, action="rejected", actor=actor,
                             content_hash=row.content_hash, reason=reason.strip())
        release = release_store.public(row, session=session)
    _announce("release.rejected", release, settings, actor=actor, reason=reason.strip())
    return release


@requires("publish")
def rollback_release(release_id: int, reason: str = "", settings: Settings | None = None) -> ReleasePublic:
    """Put back the rows the release replaced (the previous releases of its partitions, or none), in one
    transaction; recorded with its duration."""
    settings = settings or get_settings()
    url = prepare_store(settings)
    actor = _actor()
    started = time.perf_counter()
    with session_scope(url) as session:
        row = _locked(release_id, session)
        _expect(row, ("published",), "roll back", "revertir")
        now_current = current_releases(row.dataset_id, row.partition_keys, session=session)
        if any(now_current.get(k) != release_id for k in row.partition_keys):
                raise ReleaseStateError(f"release {release_id} is no longer the current release of its partitions: "
                                    "roll back the newer one first",
                                    message_es=f"la publicación {release_id} ya no es la vigente de sus "
                                               "particiones: revierta primero la más reciente")
        pub = Publication.model_validate(row.snapshot["publication"])
        base_ids = list(row.base_release_ids)
        partitions, table = list(row.partitions), row.table_name
    frame = base_rows(base_ids, pub, partitions, settings)
    target = GoldTarget.from_settings(settings)
    with session_scope(url) as session:
        row = _locked(release_id, session)
        _expect(row, ("published",), "roll back", "revertir")
        sample = frame.drop(columns=[RELEASE_COLUMN]) if RELEASE_COLUMN in frame else frame
        swap_ms = target.replace_partitions(table, columns_of(sample, pub.columns), pub.partition_by, partitions,
                                            frame, release_id)
        total_ms = round((time.perf_counter() - started) * 1000, 1)
        release_store.update(row, session=session, status="rolled_back", rolled_back_at=utcnow(), decided_by=actor,
                             reason=reason.strip() or row.reason,
                             timings_ms={**(row.timings_ms or {}), "rollback": total_ms, "rollback_swap": swap_ms})
        release_store.record(session=session, release_id=release_id, action="rolled_back", actor=actor,
                             content_hash=row.content_hash, reason=reason.strip() or None,
                             details={"restored": base_ids, "ms": total_ms, "swap_ms": swap_ms, "rows": len(frame)})
        release = release_store.public(row, session=session)
    _announce("release.rolled_back", release, settings, actor=actor)
    return release


@requires("admin")
def grant_gold_reader(role: str, password: str | None = None, settings: Settings | None = None) -> list[str]:
    """Create or update a read-only PostgreSQL role for the gold schema (SELECT only); the statements run."""
    return GoldTarget.from_settings(settings or get_settings()).grant_reader(role, password)


# --- helpers ---------------------------------------------------------------------------------------------------


def _expire(url: str) -> None:
    """Proposals past their time become expired, in a transaction of their own (a refusal that follows must
    not undo it)."""
    with session_scope(url) as session:
        release_store.expire_due(session=session)


def _actor() -> str:
    principal = current()
    return principal.username if principal else "system"


def _locked(release_id: int, session: Any) -> Any:
    row = release_store.get(release_id, session=session, lock=True)
    if row is None:
        raise ReleaseNotFoundError(release_id=release_id)
    return row


def _expect(row: Any, statuses: tuple[str, ...], verb: str, verb_es: str) -> None:
    if row.status not in statuses:
        raise ReleaseStateError(f"release {row.id} is {row.status}: cannot {verb} it",
                                message_es=f"la publicación {row.id} está en estado {row.status}: no se puede "
                                           f"{verb_es}", status=row.status)


def _check_bases(row: Any, session: Any) -> None:
    now = current_releases(row.dataset_id, row.partition_keys, session=session)
    if sorted(set(now.values())) != sorted(row.base_release_ids):
        raise StaleReleaseError(f"the published partitions of release {row.id} changed since it was proposed: "
                                "propose the run again", message_es=f"las particiones publicadas de la publicación "
                                f"{row.id} cambiaron desde la propuesta: vuelva a proponer la ejecución")


def _text(value: Any) -> Any:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _announce(event: str, release: ReleasePublic, settings: Settings, **extra: Any) -> None:
    """The event on the stream and the webhooks (approvers learn of a proposal); never fails the decision."""
    payload = {"release_id": release.id, "dataset": release.dataset_slug, "run_id": release.run_id,
               "status": release.status, "proposer": release.proposer, "content_hash": release.content_hash,
               "counts": release.diff_summary.get("counts", {}), **extra}
    try:
        EventStream.from_settings(settings).publish(event, **payload)
    except WorkbenchError as exc:  # Redis down: the decision is recorded in the store all the same
        log.warning("%s of release %s not announced: %s", event, release.id, exc.message)
    alerts.notify(event, payload, settings)


__all__ = ["ApprovalVoidError", "DuplicateKeysError", "PublicationError", "ReasonRequiredError",
           "ReleaseNotFoundError", "ReleaseStateError", "SelfApprovalError", "StaleReleaseError",
           "WarningsNotAcknowledgedError", "approve_release", "grant_gold_reader", "propose_release",
           "publish_release", "reject_release", "rollback_release"]
