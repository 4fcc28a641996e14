"""OpenLineage documents for runs and publications: names, facets and column lineage (pure: no I/O).

The documents follow the OpenLineage 2-0-2 spec with the facet versions of the official Python client
(openlineage-python 1.54, whose schema-derived classes rebuild every document we write in
tests/unit/test_openlineage.py). They are built here, as plain JSON, so that a run never imports the client (0.6 s);
the client's transports send them (engine/infra/openlineage.py).

Names follow the OpenLineage naming spec, so the Workbench's nodes join the ones other tools report:

- a RAW file: namespace ``file`` and its absolute content-addressed path (``<data_dir>/raw/ab/abcd...``), or
  ``s3://bucket`` and its object key with object storage;
- a layer's table: the product's namespace (``WORKBENCH_OPENLINEAGE_NAMESPACE``, default ``workbench``) and
  ``<slug>.<layer>`` (``dipres_ejecucion.silver``);
- a gold table: ``postgres://host:port`` and ``<database>.gold.<slug>`` (what dbt and BI tools report for it);
- the job: the product's namespace and ``workbench.<slug>``; a backfill's or a schedule's job
  ``workbench.<slug>.backfill`` / ``workbench.<slug>.schedule``, the parent of its runs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlsplit
from typing import Any, Iterable

import pandas as pd

from workbench.engine.core.steps.base import Step

SPEC = "https://openlineage.io/spec"
RUN_EVENT_SCHEMA = f"{SPEC}/2-0-2/OpenLineage.json#/$defs/RunEvent"
#: facet -> the schema URL the official client (1.54) gives it (tests/unit/test_openlineage.py compares them)
FACET_SCHEMAS = {
    "schema": f"{SPEC}/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
    "columnLineage": f"{SPEC}/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet",
    "dataQualityAssertions":
        f"{SPEC}/facets/1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet",
    "ownership": f"{SPEC}/facets/1-0-1/OwnershipJobFacet.json#/$defs/OwnershipJobFacet",
    "sourceCodeLocation": f"{SPEC}/facets/1-1-0/SourceCodeLocationJobFacet.json#/$defs/SourceCodeLocationJobFacet",
    "parent": f"{SPEC}/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet",
    "jobType": f"{SPEC}/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet",
    "errorMessage": f"{SPEC}/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet",
    "documentation": f"{SPEC}/facets/1-1-0/DocumentationJobFacet.json#/$defs/DocumentationJobFacet",
    "datasetDocumentation": f"{SPEC}/facets/1-1-0/DocumentationDatasetFacet.json#/$defs/DocumentationDatasetFacet",
    "outputStatistics":
        f"{SPEC}/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet",
}
PRODUCER = "https://github.com/data-workbench/data-workbench"
#: the run ids of the Workbench's runs, backfills and schedules are UUIDs in this name space (uuid5)
RUN_IDS = uuid.UUID("6f1c2d8e-58a4-4c1e-9f0b-3a7d2b1e4c55")
EVENT_TYPES = ("START", "COMPLETE", "FAIL", "ABORT", "OTHER")


def facet(name: str, **fields: Any) -> dict[str, Any]:
    """A facet document: its fields, the producer and its schema URL."""
    return {"_producer": PRODUCER, "_schemaURL": FACET_SCHEMAS[name], **fields}


def run_uuid(kind: str, key: str) -> str:
    """A stable OpenLineage run id for one of our runs (``kind`` run/backfill/schedule/release, ``key`` what
    identifies it: the database's id and creation time, so that two installations never share one)."""
    return str(uuid.uuid5(RUN_IDS, f"{kind}:{key}"))


def job_name(slug: str, kind: str | None = None) -> str:
    return f"workbench.{slug}" if kind is None else f"workbench.{slug}.{kind}"


def layer_name(slug: str, layer: str) -> str:
    return f"{slug}.{layer}"


def raw_location(storage_url: str | None, raw_dir: str, sha256: str) -> tuple[str, str]:
    """(namespace, name) of a stored RAW file: its content-addressed path or object key."""
    key = f"{sha256[:2]}/{sha256}"
    if storage_url:
        rest = storage_url.removeprefix("s3://")
        bucket, _, prefix = rest.partition("/")
        prefix = prefix.strip("/")
        return f"s3://{bucket}", f"{prefix}/raw/{key}" if prefix else f"raw/{key}"
    return "file", f"{raw_dir.rstrip('/')}/{key}"


def gold_location(url: str, schema: str, table: str) -> tuple[str, str]:
    """(namespace, name) of a published table: ``postgres://host:port`` and ``<database>.<schema>.<table>``
    (what dbt and BI tools report for it), or, on the embedded SQLite target, ``sqlite`` and
    ``<absolute path of the file>.gold.<table>`` (the naming spec has no SQLite entry)."""
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://", 1))
    if parts.scheme.startswith("postgres"):
        host = parts.hostname or "localhost"
        database = (parts.path or "/").lstrip("/") or "postgres"
        return f"postgres://{host}:{parts.port or 5432}", f"{database}.{schema}.{table}"
    path = url.split(":///", 1)[-1] if ":///" in url else url
    return "sqlite", f"{path}.gold.{table}"


def event(event_type: str, *, run_id: str, namespace: str, job: str, time: dt.datetime,
          inputs: list[dict[str, Any]] | None = None, outputs: list[dict[str, Any]] | None = None,
          run_facets: dict[str, Any] | None = None, job_facets: dict[str, Any] | None = None) -> dict[str, Any]:
    """One RunEvent document."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"eventType must be one of {EVENT_TYPES}, not {event_type!r}")
    return {
        "eventType": event_type,
        "eventTime": time.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "producer": PRODUCER,
        "schemaURL": RUN_EVENT_SCHEMA,
        "run": {"runId": run_id, "facets": run_facets or {}},
        "job": {"namespace": namespace, "name": job, "facets": job_facets or {}},
        "inputs": inputs or [],
        "outputs": outputs or [],
    }


def job_facets(*, title: str | None, description: str | None, owner: str | None, spec_url: str | None,
               spec_path: str | None, spec_version: int | None, job_type: str = "JOB") -> dict[str, Any]:
    """The job's facets: what it is (a batch job of the Workbench), its documentation, owner and source (the
    spec file and its version in the store)."""
    out: dict[str, Any] = {"jobType": facet("jobType", processingType="BATCH", integration="DATA_WORKBENCH",
                                            jobType=job_type)}
    text = " — ".join(t for t in (title, description) if t)
    if text:
        out["documentation"] = facet("documentation", description=text)
    if owner:
        out["ownership"] = facet("ownership", owners=[{"name": owner, "type": "team"}])
    if spec_url:
        location: dict[str, Any] = {"type": "file", "url": spec_url}
        if spec_path:
            location["path"] = spec_path
        if spec_version is not None:
            location["version"] = str(spec_version)
        out["sourceCodeLocation"] = facet("sourceCodeLocation", **location)
    return out


def parent_facet(*, namespace: str, job: str, run_id: str) -> dict[str, Any]:
    return facet("parent", run={"runId": run_id}, job={"namespace": namespace, "name": job})


def error_facet(message: str) -> dict[str, Any]:
    return facet("errorMessage", message=message, programmingLanguage="python")


def dataset(namespace: str, name: str, *, fields: Iterable[tuple[str, str]] | None = None,
            lineage: dict[str, Any] | None = None, assertions: list[dict[str, Any]] | None = None,
            description: str | None = None, rows: int | None = None) -> dict[str, Any]:
    """An input or output dataset with its schema, column lineage, QA assertions, documentation and (outputs)
    row count."""
    facets: dict[str, Any] = {}
    if fields is not None:
        facets["schema"] = facet("schema", fields=[{"name": n, "type": t} for n, t in fields])
    if lineage:
        facets["columnLineage"] = facet("columnLineage", fields=lineage)
    if assertions is not None:
        facets["dataQualityAssertions"] = facet("dataQualityAssertions", assertions=assertions)
    if description:
        facets["documentation"] = {**facet("datasetDocumentation", description=description)}
    out: dict[str, Any] = {"namespace": namespace, "name": name, "facets": facets}
    if rows is not None:
        out["outputFacets"] = {"outputStatistics": facet("outputStatistics", rowCount=int(rows))}
    return out


def assertions(qa: dict[str, Any] | None, layer: str) -> list[dict[str, Any]]:
    """The layer's QA checks as OpenLineage assertions: the expectation, pass/fail, its column."""
    out = []
    for result in (qa or {}).get("results", []):
        if result.get("layer") != layer:
            continue
        item: dict[str, Any] = {"assertion": result.get("type") or "?", "success": bool(result.get("success")),
                                "name": result.get("id")}
        column = (result.get("kwargs") or {}).get("column")
        if isinstance(column, str):
            item["column"] = column
        if result.get("severity"):
            item["severity"] = result["severity"]
        out.append(item)
    return out


# --- column lineage --------------------------------------------------------------------------------------------

Sources = dict[str, dict[tuple[str, str], str]]  # column -> {(source dataset, source column): subtype}


def column_lineage(layers: dict[str, list[Step]], timeline: list[dict[str, Any]],
                   ) -> tuple[list[str], dict[str, Sources]]:
    """(the RAW file's columns, for each layer: each final column -> the columns of the layer before it (the RAW
    file for the first) its values come from, and how: ``IDENTITY`` when copied, ``TRANSFORMATION`` when a step
    changed, computed or melted them). Walks the recorded timeline with each step's ``derived_from``."""
    by_layer: dict[str, list[dict[str, Any]]] = {}
    for record in timeline:
        by_layer.setdefault(record["layer"], []).append(record)
    raw: list[str] = []
    previous: list[str] | None = None
    out: dict[str, Sources] = {}
    for layer, steps in layers.items():
        records = sorted(by_layer.get(layer, []), key=lambda r: r["index"])
        start = list(records[0]["columns_in"]) if records else list(previous or [])
        if previous is None:
            raw = start
        current: Sources = {c: {(layer_input(layer, layers), c): "IDENTITY"} for c in start}
        for record in records:
            step = steps[record["index"] - 1] if 0 < record["index"] <= len(steps) else None
            columns_in, columns_out = list(record["columns_in"]), list(record["columns_out"])
            derived = step.derived_from(columns_in, columns_out) if step is not None else {}
            changed = {c for c, n in (record.get("cells_changed") or {}).items() if n} | set(record.get("retyped") or {})
            following: Sources = {}
            for column in columns_out:
                if column in derived:
                    merged: dict[tuple[str, str], str] = {}
                    for source in derived[column]:
                        for key in current.get(source, {}):
                            merged[key] = "TRANSFORMATION"
                    following[column] = merged
                elif column in current:
                    following[column] = ({k: "TRANSFORMATION" for k in current[column]} if column in changed
                                         else dict(current[column]))
                else:
                    following[column] = {}
            current = following
        out[layer] = current
        previous = list(current)
    return raw, out


def layer_input(layer: str, layers: dict[str, list[Step]]) -> str:
    """The dataset a layer reads: ``raw`` for the first, else the layer before it."""
    names = list(layers)
    index = names.index(layer)
    return "raw" if index == 0 else names[index - 1]


def lineage_facet_fields(sources: Sources, datasets: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """The ``columnLineage`` facet's ``fields``: each output column's input fields with their transformation.
    ``datasets``: ``raw`` / a layer name -> (namespace, name)."""
    fields: dict[str, Any] = {}
    for column, found in sources.items():
        inputs = []
        for (source, field), subtype in found.items():
            if source not in datasets:
                continue
            namespace, name = datasets[source]
            inputs.append({"namespace": namespace, "name": name, "field": field,
                           "transformations": [{"type": "DIRECT", "subtype": subtype}]})
        if inputs:
            fields[column] = {"inputFields": inputs}
    return fields


def column_types(df: pd.DataFrame, columns: list[str]) -> dict[str, str]:
    """Each column's type as the schema facet reports it: the Arrow type (``string``, ``decimal128(38, 3)``,
    ``int64``); numpy dtypes by name."""
    out: dict[str, str] = {}
    for column in columns:
        dtype = df[column].dtype
        if isinstance(dtype, pd.ArrowDtype):
            out[column] = str(dtype.pyarrow_dtype)
        elif isinstance(dtype, pd.StringDtype):
            out[column] = "string"
        else:
            out[column] = str(dtype)
    return out


__all__ = ["EVENT_TYPES", "FACET_SCHEMAS", "PRODUCER", "RUN_EVENT_SCHEMA", "assertions", "column_lineage", "column_types",
           "dataset", "error_facet", "event", "facet", "gold_location", "job_facets", "job_name", "layer_input", "layer_name",
           "lineage_facet_fields", "parent_facet", "raw_location", "run_uuid"]
