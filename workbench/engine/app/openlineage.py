"""OpenLineage events of runs and backfills (docs/lineage.md): START when a run starts, COMPLETE or FAIL with
the same runId when it ends; a backfill is the parent job of its runs. Documents come from core/openlineage.py,
delivery from infra/openlineage.py; nothing here can fail or slow a run (every error is logged and dropped)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from workbench.engine.core import openlineage as ol
from workbench.engine.app.access import requires
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.infra.openlineage import Outbox
from workbench.engine.store import runs as run_store
from workbench.engine.store.db import read_scope
from workbench.engine.store.models import RunPublic
from workbench.engine.store.prepare import prepare_store

log = logging.getLogger("workbench.openlineage")


def run_id(run: RunPublic) -> str:
    """The run's OpenLineage runId (stable: the same for its START and its end)."""
    return ol.run_uuid("run", f"{run.id}:{_stamp(run.created_at)}")


def backfill_run_id(backfill_id: int, created_at: dt.datetime) -> str:
    return ol.run_uuid("backfill", f"{backfill_id}:{_stamp(created_at)}")


def run_started(run: RunPublic, spec: Any, settings: Settings, *, parent: dict[str, Any] | None = None) -> None:
    """START of a run."""
    _send(settings, lambda: _run_event("START", run, spec, settings, parent=parent))


def run_ended(run: RunPublic, spec: Any, settings: Settings, *, parent: dict[str, Any] | None = None) -> None:
    """COMPLETE (succeeded) or FAIL (anything else) of a run, with its inputs, outputs and their facets."""
    kind = "COMPLETE" if run.status == "succeeded" else "FAIL"
    _send(settings, lambda: _run_event(kind, run, spec, settings, parent=parent))


def backfill_event(kind: str, *, backfill_id: int, slug: str, created_at: dt.datetime, settings: Settings,
                   error: str | None = None) -> None:
    """START / COMPLETE / FAIL of a backfill: the parent job of its runs."""
    namespace = settings.openlineage_namespace

    def build() -> dict[str, Any]:
        facets = {"errorMessage": ol.error_facet(error)} if error else {}
        return ol.event(kind, run_id=backfill_run_id(backfill_id, created_at), namespace=namespace,
                        job=ol.job_name(slug, "backfill"), time=dt.datetime.now(dt.timezone.utc), run_facets=facets,
                        job_facets={"jobType": ol.facet("jobType", processingType="BATCH",
                                                        integration="DATA_WORKBENCH", jobType="BACKFILL")})
    _send(settings, build)


def trigger_parent(kind: str, key: str, slug: str, settings: Settings) -> dict[str, Any]:
    """The parent facet of an automated run: its schedule (``workbench.<slug>.schedule``, one runId per fire) or
    its inbox (``workbench.<slug>.inbox``, one per file)."""
    job = ol.job_name(slug, "schedule" if kind == "schedule" else "inbox" if kind == "inbox" else "automation")
    return ol.parent_facet(namespace=settings.openlineage_namespace, job=job, run_id=ol.run_uuid("trigger", key))


def backfill_parent(backfill_id: int, slug: str, created_at: dt.datetime, settings: Settings) -> dict[str, Any]:
    """The parent facet a backfill's runs carry."""
    return ol.parent_facet(namespace=settings.openlineage_namespace, job=ol.job_name(slug, "backfill"),
                           run_id=backfill_run_id(backfill_id, created_at))


def release_event(action: str, release: Any, settings: Settings) -> None:
    """A publication (``published``) or its rollback (``rolled_back``) as a run of ``workbench.<slug>.publish``
    / ``.rollback``: START and COMPLETE, reading the run's layer and writing the gold table (its columns with
    the run's types, identity column lineage, the row count)."""
    def build() -> list[dict[str, Any]]:
        namespace, slug = settings.openlineage_namespace, release.dataset_slug
        publication = (release.snapshot or {}).get("publication") or {}
        layer = publication.get("layer", "silver")
        published = set((publication.get("columns") or {}).keys())
        target_url = settings.publication_url
        gold_ns, gold_name = ol.gold_location(target_url, settings.publish_schema, release.table_name)
        if gold_ns == "sqlite":
            gold_name = f"{Path(gold_name.rsplit('.gold.', 1)[0]).resolve()}.gold.{release.table_name}"
        source = (namespace, ol.layer_name(slug, layer))
        order, types = _run_columns(release.run_id, layer, settings)
        # the layer's column order (a JSONB snapshot on PostgreSQL keeps the publication's columns sorted)
        columns = [c for c in order if c in published] + sorted(published - set(order))
        lineage = {c: {(layer, c): "IDENTITY"} for c in columns}
        rows = (release.row_counts or {}).get("release") or (release.row_counts or {}).get("rows")
        output = ol.dataset(gold_ns, gold_name, fields=[(c, types.get(c, "string")) for c in columns],
                            lineage=ol.lineage_facet_fields(lineage, {layer: source}),
                            description=f"gold.{release.table_name}", rows=rows if isinstance(rows, int) else None)
        kind = "publish" if action == "published" else "rollback"
        run = ol.run_uuid(f"release-{kind}", f"{release.id}:{_stamp(release.proposed_at)}")
        facets = ol.job_facets(title=f"Publicación de {slug}", description=None, owner=None, spec_url=None,
                               spec_path=None, spec_version=release.spec_version, job_type="PUBLICATION")
        now = dt.datetime.now(dt.timezone.utc)
        inputs = [ol.dataset(*source)]
        return [ol.event(t, run_id=run, namespace=namespace, job=ol.job_name(slug, kind), time=now, inputs=inputs,
                         outputs=[output] if t == "COMPLETE" else [], job_facets=facets)
                for t in ("START", "COMPLETE")]

    try:
        if settings.lineage_transport == "none":
            return
        outbox = Outbox(settings)
        for event in build():
            outbox.send(event)
    except Exception:  # noqa: BLE001 - lineage never breaks a publication
        log.warning("could not report a publication to OpenLineage", exc_info=True)


def _run_columns(run_id: int, layer: str, settings: Settings) -> tuple[list[str], dict[str, str]]:
    """(the layer's columns in order, their types) as the run recorded them."""
    try:
        with read_scope(prepare_store(settings)) as session:
            run = run_store.get_run(run_id, session=session, timeline=False)
        facts = ((run.outputs or {}).get("layers", {}).get(layer) or {}) if run else {}
        return list(facts.get("columns") or []), dict(facts.get("types") or {})
    except Exception:  # noqa: BLE001
        return [], {}


@requires("admin")
def openlineage_flush(settings: Settings | None = None, *, timeout_s: float | None = None) -> dict[str, Any]:
    """Send what waits in the spool now (``workbench openlineage flush``)."""
    settings = settings or get_settings()
    outbox = Outbox(settings)
    result = outbox.flush() if timeout_s is None else outbox.drain(timeout_s)
    return {"transport": outbox.transport, "sent": result.sent, "left": result.left, "error": result.error}


@requires("read")
def openlineage_status(settings: Settings | None = None) -> dict[str, Any]:
    """Where events go and how many wait to be sent."""
    settings = settings or get_settings()
    outbox = Outbox(settings)
    return {"transport": outbox.transport, "pending": outbox.pending(),
            "file": str(outbox.file) if outbox.transport == "file" else None,
            "url": settings.openlineage_url if outbox.transport == "http" else None,
            "namespace": settings.openlineage_namespace}


# --- documents ---------------------------------------------------------------------------------------------------


def _send(settings: Settings, build: Any) -> None:
    try:
        if settings.lineage_transport == "none":
            return
        Outbox(settings).send(build())
    except Exception:  # noqa: BLE001 - lineage never breaks a run
        log.warning("could not build an OpenLineage event", exc_info=True)


def _run_event(kind: str, run: RunPublic, spec: Any, settings: Settings, *,
               parent: dict[str, Any] | None) -> dict[str, Any]:
    namespace, slug = settings.openlineage_namespace, run.dataset_slug
    sha = run.inputs[0]["sha256"] if run.inputs else None
    raw_ns, raw_name = ol.raw_location(settings.storage_url, str(Path(settings.raw_dir).resolve()), sha) \
        if sha else ("file", "unknown")
    datasets = {"raw": (raw_ns, raw_name)}
    layers = dict(spec.layers) if spec is not None else {}
    for layer in layers:
        datasets[layer] = (namespace, ol.layer_name(slug, layer))
    run_facets: dict[str, Any] = {}
    if parent is not None:
        run_facets["parent"] = parent
    outputs: list[dict[str, Any]] = []
    raw_columns: list[str] | None = None
    if kind == "COMPLETE":
        raw_columns, lineage = ol.column_lineage(layers, run.timeline or [])
        stored = (run.outputs or {}).get("layers", {})
        for layer in layers:
            if layer not in stored:
                continue
            facts = stored[layer]
            types = facts.get("types") or {}
            fields = [(c, types.get(c, "string")) for c in facts.get("columns", [])]
            outputs.append(ol.dataset(namespace, ol.layer_name(slug, layer), fields=fields,
                                      lineage=ol.lineage_facet_fields(lineage.get(layer, {}), datasets),
                                      assertions=ol.assertions(run.qa, layer) if run.qa else None,
                                      rows=facts.get("rows")))
    if kind == "FAIL":
        error = run.error or {}
        message = error.get("message") or error.get("code") or "the run failed"
        run_facets["errorMessage"] = ol.error_facet(str(message))
    description = spec.dataset.description if spec is not None else None
    inputs = [ol.dataset(raw_ns, raw_name, fields=[(c, "string") for c in raw_columns] if raw_columns else None,
                         description=(run.inputs[0].get("name") if run.inputs else None))] if sha else []
    spec_path = Path(settings.specs_dir) / f"{slug}.yaml"
    job_facets = ol.job_facets(title=spec.dataset.title if spec is not None else None, description=description,
                               owner=spec.dataset.owner if spec is not None else None,
                               spec_url=spec_path.resolve().as_uri(), spec_path=f"specs/{slug}.yaml",
                               spec_version=run.spec_version or None)
    when = (run.finished_at if kind != "START" else run.started_at) or dt.datetime.now(dt.timezone.utc)
    return ol.event(kind, run_id=run_id(run), namespace=namespace, job=ol.job_name(slug), time=_aware(when),
                    inputs=inputs, outputs=outputs, run_facets=run_facets, job_facets=job_facets)


def _aware(when: dt.datetime) -> dt.datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.timezone.utc)


def _stamp(when: dt.datetime | None) -> str:
    return _aware(when).isoformat() if when is not None else "-"


__all__ = ["trigger_parent", "backfill_event", "backfill_parent", "backfill_run_id", "openlineage_flush", "openlineage_status",
           "release_event", "run_ended", "run_id", "run_started"]
