"""Checks an OpenLineage document the way a consumer would: rebuilt with the official client's classes (generated
from the OpenLineage JSON schemas, with their validators: a runId that is not a UUID, a missing required field or
an unknown one is refused) and serialised by the client, it must be the document we wrote; and it must meet the
spec's required structure (our own JSON Schema of the RunEvent's required parts, below).

The client wheel (openlineage-python 1.54.0) ships the classes, not the JSON Schema files themselves; so the
schema-derived classes are the check, and the structural schema below says what the spec requires in our words.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (column_lineage_dataset, data_quality_assertions_dataset,
                                         documentation_dataset, documentation_job, error_message_run, job_type_job,
                                         output_statistics_output_dataset, ownership_job, parent_run,
                                         schema_dataset, source_code_location_job)
from openlineage.client.serde import Serde

_FACET = {"type": "object", "required": ["_producer", "_schemaURL"],
          "properties": {"_producer": {"type": "string", "format": "uri"},
                         "_schemaURL": {"type": "string", "format": "uri"}}}
_DATASET = {"type": "object", "required": ["namespace", "name"],
            "properties": {"namespace": {"type": "string", "minLength": 1}, "name": {"type": "string", "minLength": 1},
                           "facets": {"type": "object", "additionalProperties": _FACET},
                           "outputFacets": {"type": "object", "additionalProperties": _FACET}}}
#: What the OpenLineage spec (2-0-2) requires of a RunEvent, and the formats it names.
RUN_EVENT = {
    "type": "object",
    "required": ["eventTime", "producer", "run", "job"],
    "properties": {
        "eventType": {"enum": ["START", "COMPLETE", "ABORT", "FAIL", "OTHER"]},
        "eventTime": {"type": "string", "format": "date-time"},
        "producer": {"type": "string", "format": "uri"},
        "schemaURL": {"type": "string", "format": "uri"},
        "run": {"type": "object", "required": ["runId"],
                "properties": {"runId": {"type": "string", "format": "uuid"},
                               "facets": {"type": "object", "additionalProperties": _FACET}}},
        "job": {"type": "object", "required": ["namespace", "name"],
                "properties": {"namespace": {"type": "string", "minLength": 1}, "name": {"type": "string", "minLength": 1},
                               "facets": {"type": "object", "additionalProperties": _FACET}}},
        "inputs": {"type": "array", "items": _DATASET},
        "outputs": {"type": "array", "items": _DATASET},
    },
}


def _facet(builder: Any, doc: dict[str, Any], **fields: Any) -> Any:
    return builder(**fields, producer=doc["_producer"])


def _run_facets(facets: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, doc in facets.items():
        if name == "parent":
            out[name] = _facet(parent_run.ParentRunFacet, doc, run=parent_run.Run(runId=doc["run"]["runId"]),
                               job=parent_run.Job(namespace=doc["job"]["namespace"], name=doc["job"]["name"]))
        elif name == "errorMessage":
            out[name] = _facet(error_message_run.ErrorMessageRunFacet, doc, message=doc["message"],
                               programmingLanguage=doc["programmingLanguage"])
        else:
            raise AssertionError(f"unexpected run facet {name}")
    return out


def _job_facets(facets: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, doc in facets.items():
        fields = {k: v for k, v in doc.items() if not k.startswith("_")}
        if name == "jobType":
            out[name] = _facet(job_type_job.JobTypeJobFacet, doc, **fields)
        elif name == "documentation":
            out[name] = _facet(documentation_job.DocumentationJobFacet, doc, **fields)
        elif name == "ownership":
            out[name] = _facet(ownership_job.OwnershipJobFacet, doc,
                               owners=[ownership_job.Owner(**o) for o in fields["owners"]])
        elif name == "sourceCodeLocation":
            out[name] = _facet(source_code_location_job.SourceCodeLocationJobFacet, doc, **fields)
        else:
            raise AssertionError(f"unexpected job facet {name}")
    return out


def _dataset_facets(facets: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, doc in facets.items():
        if name == "schema":
            out[name] = _facet(schema_dataset.SchemaDatasetFacet, doc,
                               fields=[schema_dataset.SchemaDatasetFacetFields(**f) for f in doc["fields"]])
        elif name == "columnLineage":
            cl = column_lineage_dataset
            out[name] = _facet(cl.ColumnLineageDatasetFacet, doc, fields={
                column: cl.Fields(inputFields=[cl.InputField(
                    namespace=i["namespace"], name=i["name"], field=i["field"],
                    transformations=[cl.Transformation(**t) for t in i.get("transformations", [])])
                    for i in spec["inputFields"]]) for column, spec in doc["fields"].items()})
        elif name == "dataQualityAssertions":
            out[name] = _facet(data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet, doc,
                               assertions=[data_quality_assertions_dataset.Assertion(**a) for a in doc["assertions"]])
        elif name == "documentation":
            out[name] = _facet(documentation_dataset.DocumentationDatasetFacet, doc, description=doc["description"])
        else:
            raise AssertionError(f"unexpected dataset facet {name}")
    return out


def rebuild(doc: dict[str, Any]) -> RunEvent:
    """The document as the client's RunEvent (its validators run on every part)."""
    inputs = [InputDataset(namespace=d["namespace"], name=d["name"], facets=_dataset_facets(d.get("facets", {})))
              for d in doc.get("inputs", [])]
    outputs = []
    for d in doc.get("outputs", []):
        output_facets = {}
        for name, f in d.get("outputFacets", {}).items():
            assert name == "outputStatistics", name
            output_facets[name] = _facet(output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet, f,
                                         rowCount=f.get("rowCount"))
        outputs.append(OutputDataset(namespace=d["namespace"], name=d["name"], facets=_dataset_facets(d.get("facets", {})),
                                     outputFacets=output_facets))
    return RunEvent(eventType=RunState(doc["eventType"]), eventTime=doc["eventTime"], producer=doc["producer"],
                    run=Run(runId=doc["run"]["runId"], facets=_run_facets(doc["run"].get("facets", {}))),
                    job=Job(namespace=doc["job"]["namespace"], name=doc["job"]["name"],
                            facets=_job_facets(doc["job"].get("facets", {}))),
                    inputs=inputs, outputs=outputs)


def _normal(value: Any) -> Any:
    """Empty lists and mappings left out (the client writes some optional ones empty)."""
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items() if v not in ([], {}, None)}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def _uris(value: Any, key: str = "") -> list[str]:
    """Every producer and schema URL in the document."""
    if isinstance(value, dict):
        return [u for k, v in value.items() for u in _uris(v, k)]
    if isinstance(value, list):
        return [u for v in value for u in _uris(v, key)]
    return [value] if key in ("producer", "_producer", "schemaURL", "_schemaURL") else []


def check_event(doc: dict[str, Any]) -> None:
    """Raise AssertionError (or the client's ValueError) unless ``doc`` is a valid OpenLineage RunEvent."""
    jsonschema.validate(doc, RUN_EVENT, format_checker=jsonschema.FormatChecker())  # checks the uuid format
    when = dt.datetime.fromisoformat(doc["eventTime"].replace("Z", "+00:00"))  # date-time (RFC 3339)
    assert when.tzinfo is not None, "eventTime needs its offset"
    for uri in _uris(doc):
        parts = urlsplit(uri)
        assert parts.scheme in ("http", "https") and parts.netloc, f"not a URI: {uri!r}"
    assert _normal(Serde.to_dict(rebuild(doc))) == _normal(doc), "the client's rebuilt event differs"
