"""Lineage: which RAW file and which spec version produced each layer, published table and number.

Nodes have a unique ``key`` (see the ``*_key`` helpers); an edge ``source -> target`` carries the run that
produced it. Layer nodes are not versioned, so the run on each edge is what still tells, months later, which
file fed a layer in which run. Writers tolerate concurrent writers of the same node or edge with
``INSERT ... ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL) rather than savepoints, which pysqlite does not
support reliably without driver hooks. Readers return plain JSON-ready dicts and read models, never live rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from workbench.engine.store.models import (
    NODE_KINDS,
    Dataset,
    LineageEdge,
    LineageNode,
    LineageNodePublic,
    Run,
    SpecVersion,
    utcnow,
)

#: Hops followed upstream and downstream from a dataset's layer nodes by ``graph(slug=...)``.
DEFAULT_DEPTH = 10
#: Prefix of every IRI in the JSON-LD export (``urn:data-workbench:file:<sha256>``).
JSONLD_BASE = "urn:data-workbench:"
#: The workbench's own terms (run status, QA status, node kind) in the JSON-LD export; independent of the base.
JSONLD_VOCAB = "urn:data-workbench:vocab:"

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class LineageNodeNotFound(LookupError):
    """An edge names a node key that was never created (a caller bug: create nodes first)."""


def file_key(sha256: str) -> str:
    return f"file:{sha256.lower()}"


def layer_key(slug: str, layer: str) -> str:
    return f"dataset:{slug}:{layer}"


def table_key(name: str) -> str:
    return f"table:{name}"


def system_key(name: str) -> str:
    return f"system:{name}"


# --- writing -----------------------------------------------------------------------------------------


def upsert_node(*, session: Session, key: str, kind: str, label: str, dataset_id: int | None = None,
                meta: dict[str, Any] | None = None) -> LineageNodePublic:
    """Get or create the node ``key``; an existing node takes the new label and dataset, and ``meta`` is merged."""
    row = _upsert(session, key=key, kind=kind, label=label, dataset_id=dataset_id, meta=meta)
    session.flush()
    return LineageNodePublic.model_validate(row)


def add_edge(*, session: Session, source_key: str, target_key: str, run_id: int | None) -> None:
    """Link two existing nodes for one run; recording the same (source, target, run) again changes nothing."""
    ids = dict(session.exec(select(LineageNode.key, LineageNode.id)
                            .where(LineageNode.key.in_([source_key, target_key]))).all())
    for key in (source_key, target_key):
        if key not in ids:
            raise LineageNodeNotFound(f"no lineage node {key!r}")
    _insert_edge(session, ids[source_key], ids[target_key], run_id)


def record_run_lineage(*, session: Session, run_id: int, dataset_id: int, slug: str, file_sha256: str,
                       file_name: str, layers: list[str], spec_version: int) -> None:
    """RAW file -> first layer -> next layer ..., each edge carrying ``run_id``; idempotent per run.

    Layer nodes' ``meta`` keeps the newest run that produced them (by run id, so replaying an older run never
    moves it back). Call it in a short transaction: the layer rows stay locked on PostgreSQL until commit.
    """
    file = _upsert(session, key=file_key(file_sha256), kind="raw_file", label=file_name or file_sha256[:12],
                   meta={"sha256": file_sha256.lower(), "name": file_name})
    previous = file.id
    for layer in layers:
        node = _upsert(session, key=layer_key(slug, layer), kind="dataset_layer", label=f"{slug} · {layer}",
                       dataset_id=dataset_id, meta={"slug": slug, "layer": layer})
        meta = node.meta or {}
        if run_id > (meta.get("last_run_id") or 0):
            node.meta = {**meta, "last_run_id": run_id, "last_run_at": utcnow().isoformat(),
                         "spec_version": spec_version}
        assert previous is not None and node.id is not None
        _insert_edge(session, previous, node.id, run_id)
        previous = node.id
    session.flush()


def _upsert(session: Session, *, key: str, kind: str, label: str, dataset_id: int | None = None,
            meta: dict[str, Any] | None = None) -> LineageNode:
    if kind not in NODE_KINDS:
        raise ValueError(f"unknown lineage node kind {kind!r}; expected one of {', '.join(NODE_KINDS)}")
    label = label[:500]
    _insert_ignore(session, LineageNode, {"key": key, "kind": kind, "label": label, "dataset_id": dataset_id,
                                          "meta": meta or {}, "created_at": utcnow()}, ["key"])
    # Locked (PostgreSQL) and re-read, so a concurrent writer's meta is merged, not overwritten.
    row = session.exec(select(LineageNode).where(LineageNode.key == key).with_for_update()
                       .execution_options(populate_existing=True)).one()
    if row.kind != kind:
        raise ValueError(f"lineage node {key!r} is a {row.kind}, not a {kind}")
    if row.label != label:
        row.label = label
    if dataset_id is not None and row.dataset_id != dataset_id:
        row.dataset_id = dataset_id
    if meta and any((row.meta or {}).get(k) != v for k, v in meta.items()):
        row.meta = {**(row.meta or {}), **meta}
    return row


def _insert_edge(session: Session, source_id: int, target_id: int, run_id: int | None) -> None:
    if run_id is None:  # NULLs never conflict in a unique constraint: look before inserting
        exists = session.exec(select(LineageEdge.id).where(LineageEdge.source_id == source_id,
                                                           LineageEdge.target_id == target_id,
                                                           LineageEdge.run_id.is_(None))).first()  # type: ignore[union-attr]
        if exists is not None:
            return
    _insert_ignore(session, LineageEdge, {"source_id": source_id, "target_id": target_id, "run_id": run_id,
                                          "created_at": utcnow()}, ["source_id", "target_id", "run_id"])


def _insert_ignore(session: Session, model: Any, values: dict[str, Any], unique: list[str]) -> None:
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS:
        raise NotImplementedError(f"lineage writes support SQLite and PostgreSQL, not {dialect}")
    session.exec(_INSERTS[dialect](model.__table__).values(**values).on_conflict_do_nothing(index_elements=unique))


# --- reading -----------------------------------------------------------------------------------------


def graph(*, session: Session, slug: str | None = None, depth: int = DEFAULT_DEPTH) -> dict[str, Any]:
    """``{"nodes", "edges", "runs"}`` of everything, or of what is upstream and downstream of ``slug``'s layers.

    The walk follows edge directions (ancestors and descendants), so datasets that merely share a RAW file or a
    downstream system with ``slug`` stay out. A few queries: one per hop, plus nodes and runs.
    """
    if depth < 0:
        raise ValueError("depth must be 0 or more")
    edge_cols = (LineageEdge.id, LineageEdge.source_id, LineageEdge.target_id, LineageEdge.run_id)
    if slug is None:
        edges = list(session.exec(select(*edge_cols)).all())
        node_filter = sa.true()
    else:
        seeds = set(session.exec(
            select(LineageNode.id).outerjoin(Dataset, LineageNode.dataset_id == Dataset.id)
            .where(sa.or_(Dataset.slug == slug,
                          LineageNode.key.startswith(layer_key(slug, ""), autoescape=True)))).all())
        edges = _walk(session, seeds, depth, edge_cols)
        node_ids = seeds | {e.source_id for e in edges} | {e.target_id for e in edges}
        node_filter = LineageNode.id.in_(node_ids)  # type: ignore[union-attr]
    rows = session.exec(select(LineageNode, Dataset.slug).outerjoin(Dataset, LineageNode.dataset_id == Dataset.id)
                        .where(node_filter).order_by(LineageNode.id)).all()

    newest_incoming: dict[int, int] = {}
    for e in edges:
        if e.run_id is not None:
            newest_incoming[e.target_id] = max(e.run_id, newest_incoming.get(e.target_id, 0))
    node_runs = {node.id: (node.meta or {}).get("last_run_id") or newest_incoming.get(node.id) for node, _ in rows}
    runs = _runs(session, {e.run_id for e in edges if e.run_id is not None} | {r for r in node_runs.values() if r})

    nodes = []
    for node, dataset_slug in rows:
        run = runs.get(node_runs[node.id]) or {}
        nodes.append({"id": node.id, "key": node.key, "kind": node.kind, "label": node.label,
                      "dataset_slug": dataset_slug, "run_id": node_runs[node.id], "status": run.get("status"),
                      "qa_status": run.get("qa_status"), "created_at": _iso(node.created_at),
                      "meta": node.meta or {}})
    return {
        "nodes": nodes,
        "edges": [{"source": e.source_id, "target": e.target_id, "run_id": e.run_id}
                  for e in sorted(edges, key=lambda e: (e.source_id, e.target_id, e.run_id or 0))],
        "runs": [runs[i] for i in sorted(runs)],
    }


def _walk(session: Session, seeds: set[int], depth: int, edge_cols: tuple[Any, ...]) -> list[Any]:
    """Breadth-first, one IN query per hop and direction: descendants, then ancestors."""
    found: dict[int, Any] = {}
    for near, far in ((LineageEdge.source_id, "target_id"), (LineageEdge.target_id, "source_id")):
        seen, frontier = set(seeds), set(seeds)
        for _ in range(depth):
            if not frontier:
                break
            hop = session.exec(select(*edge_cols).where(near.in_(frontier))).all()  # type: ignore[attr-defined]
            found.update((e.id, e) for e in hop)
            frontier = {getattr(e, far) for e in hop} - seen
            seen |= frontier
    return list(found.values())


def _runs(session: Session, run_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    ids = set(run_ids)
    if not ids:
        return {}
    rows = session.exec(
        select(Run.id, Run.status, Run.qa_status, Run.created_at, Run.started_at, Run.finished_at,
               Dataset.slug, SpecVersion.version)
        .outerjoin(Dataset, Run.dataset_id == Dataset.id)
        .outerjoin(SpecVersion, Run.spec_version_id == SpecVersion.id)
        .where(Run.id.in_(ids))).all()  # type: ignore[union-attr]
    return {r.id: {"id": r.id, "dataset_slug": r.slug, "spec_version": r.version, "status": r.status,
                   "qa_status": r.qa_status, "created_at": _iso(r.created_at), "started_at": _iso(r.started_at),
                   "finished_at": _iso(r.finished_at)} for r in rows}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- JSON-LD (W3C PROV-O) ----------------------------------------------------------------------------

_IRI_PROPERTIES = ("prov:used", "prov:wasGeneratedBy", "prov:wasDerivedFrom", "prov:entity", "prov:hadActivity",
                   "prov:hadPlan")
_TIME_PROPERTIES = ("prov:startedAtTime", "prov:endedAtTime", "dcterms:created")


def jsonld_context() -> dict[str, Any]:
    """Inline, so a processor never fetches anything: prefixes plus IRI and xsd:dateTime coercions."""
    return {
        "prov": "http://www.w3.org/ns/prov#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "dcterms": "http://purl.org/dc/terms/",
        "wb": JSONLD_VOCAB,
        **{name: {"@type": "@id"} for name in _IRI_PROPERTIES},
        **{name: {"@type": "xsd:dateTime"} for name in _TIME_PROPERTIES},
    }


def to_jsonld(graph: dict[str, Any], base_url: str = JSONLD_BASE) -> dict[str, Any]:
    """The graph as PROV-O: nodes are ``prov:Entity``, runs ``prov:Activity`` that used their inputs (and the
    spec version, a ``prov:Plan``); each produced entity ``prov:wasGeneratedBy`` its runs and
    ``prov:wasDerivedFrom`` its sources, with a qualified derivation naming the run of each link."""
    keys = {n["id"]: n["key"] for n in graph["nodes"]}
    runs = {r["id"]: r for r in graph.get("runs", [])}
    entities = {n["id"]: _entity(n, base_url) for n in graph["nodes"]}
    inputs: dict[int, list[str]] = defaultdict(list)
    outputs: dict[int, set[str]] = defaultdict(set)
    for edge in graph["edges"]:
        source = base_url + keys[edge["source"]]
        target = entities[edge["target"]]
        _add(target, "prov:wasDerivedFrom", source)
        if edge["run_id"] is None:
            continue
        run = f"{base_url}run:{edge['run_id']}"
        _add(target, "prov:wasGeneratedBy", run)
        _add(target, "prov:qualifiedDerivation", {"@type": "prov:Derivation", "prov:entity": source,
                                                  "prov:hadActivity": run})
        inputs[edge["run_id"]].append(source)
        outputs[edge["run_id"]].add(target["@id"])

    activities, plans = [], {}
    for run_id in sorted(set(inputs) | set(runs)):
        run = runs.get(run_id, {})
        activity = {"@id": f"{base_url}run:{run_id}", "@type": "prov:Activity", "rdfs:label": f"run {run_id}"}
        for source in inputs[run_id]:
            if source not in outputs[run_id]:  # layers a run both makes and reads are not its inputs
                _add(activity, "prov:used", source)
        if run.get("dataset_slug") and run.get("spec_version") is not None:
            plan = f"{base_url}spec:{run['dataset_slug']}:v{run['spec_version']}"
            plans[plan] = {"@id": plan, "@type": ["prov:Entity", "prov:Plan"],
                           "rdfs:label": f"{run['dataset_slug']} spec v{run['spec_version']}"}
            activity["rdfs:label"] = f"run {run_id} of {run['dataset_slug']} (spec v{run['spec_version']})"
            _add(activity, "prov:used", plan)
            activity["prov:qualifiedAssociation"] = {"@type": "prov:Association", "prov:hadPlan": plan}
        for field, prop in (("started_at", "prov:startedAtTime"), ("finished_at", "prov:endedAtTime"),
                            ("status", "wb:status"), ("qa_status", "wb:qaStatus")):
            if run.get(field) is not None:
                activity[prop] = run[field]
        activities.append(activity)
    return {"@context": jsonld_context(), "@graph": [*entities.values(), *activities, *plans.values()]}


def _entity(node: dict[str, Any], base_url: str) -> dict[str, Any]:
    entity = {"@id": base_url + node["key"], "@type": "prov:Entity", "rdfs:label": node["label"],
              "dcterms:identifier": node["key"], "wb:kind": node["kind"]}
    if node.get("created_at"):
        entity["dcterms:created"] = node["created_at"]
    return entity


def _add(obj: dict[str, Any], prop: str, value: Any) -> None:
    """Append ``value`` to a multi-valued property once."""
    values = obj.setdefault(prop, [])
    if value not in values:
        values.append(value)


__all__ = [
    "DEFAULT_DEPTH",
    "JSONLD_BASE",
    "JSONLD_VOCAB",
    "LineageNodeNotFound",
    "add_edge",
    "file_key",
    "graph",
    "jsonld_context",
    "layer_key",
    "record_run_lineage",
    "system_key",
    "table_key",
    "to_jsonld",
    "upsert_node",
]
