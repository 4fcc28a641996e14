"""OpenLineage documents (core/openlineage.py): the client's facet versions, names that join other tools' nodes,
and column lineage walked from a real preview's timeline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openlineage.client.facet_v2 import (column_lineage_dataset, data_quality_assertions_dataset,
                                         documentation_dataset, documentation_job, error_message_run, job_type_job,
                                         output_statistics_output_dataset, ownership_job, parent_run,
                                         schema_dataset, source_code_location_job)
from openlineage.client.event_v2 import RunEvent
from openlineage.client.naming.dataset import LocalFileSystem, Postgres, S3

from tests.openlineage_check import check_event
from workbench.engine.core import openlineage as ol
from workbench.engine.core.preview import preview_file
from workbench.engine.core.serialize import jsonable
from workbench.engine.core.spec.loader import load_spec

ROOT = Path(__file__).resolve().parents[2]
CSV = ROOT / "tests" / "data" / "workbench" / "ejecucion_2017_abril_pesos.csv"


def test_facet_schema_urls_are_the_clients():
    classes = {"schema": schema_dataset.SchemaDatasetFacet, "columnLineage": column_lineage_dataset.ColumnLineageDatasetFacet,
               "dataQualityAssertions": data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet,
               "ownership": ownership_job.OwnershipJobFacet,
               "sourceCodeLocation": source_code_location_job.SourceCodeLocationJobFacet,
               "parent": parent_run.ParentRunFacet, "jobType": job_type_job.JobTypeJobFacet,
               "errorMessage": error_message_run.ErrorMessageRunFacet,
               "documentation": documentation_job.DocumentationJobFacet,
               "datasetDocumentation": documentation_dataset.DocumentationDatasetFacet,
               "outputStatistics": output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet}
    assert set(classes) == set(ol.FACET_SCHEMAS)
    for name, cls in classes.items():
        assert ol.FACET_SCHEMAS[name] == cls._get_schema(), name
    assert ol.RUN_EVENT_SCHEMA == RunEvent._get_schema()


def test_names_follow_the_naming_spec_as_the_client_writes_it():
    sha = "ab" + "c" * 62
    assert ol.raw_location(None, "/srv/wb/data/raw", sha) == (
        LocalFileSystem(path=f"/srv/wb/data/raw/ab/{sha}").get_namespace(), f"/srv/wb/data/raw/ab/{sha}")
    s3 = S3(bucket_name="dipres", object_key=f"workbench/raw/ab/{sha}")
    assert ol.raw_location("s3://dipres/workbench", "/ignored", sha) == (s3.get_namespace(), s3.get_name())
    assert ol.raw_location("s3://dipres", "/ignored", sha) == ("s3://dipres", f"raw/ab/{sha}")
    gold = Postgres(host="db.example", port="5432", database="analytics", schema="gold", table="dipres_ejecucion")
    assert (gold.get_namespace(), gold.get_name()) == ("postgres://db.example:5432", "analytics.gold.dipres_ejecucion")
    assert ol.job_name("dipres_ejecucion") == "workbench.dipres_ejecucion"
    assert ol.job_name("dipres_ejecucion", "backfill") == "workbench.dipres_ejecucion.backfill"
    assert ol.run_uuid("run", "1:2026") == ol.run_uuid("run", "1:2026") != ol.run_uuid("run", "2:2026")


def _lineage():
    spec = load_spec(ROOT / "specs" / "dipres_ejecucion.yaml")
    result = preview_file(CSV.read_bytes(), spec, filename=CSV.name)
    return spec, ol.column_lineage(dict(spec.layers), jsonable(result.timeline))


def test_column_lineage_follows_renames_melts_and_derived_columns():
    spec, (raw, layers) = _lineage()
    bronze, silver = layers["bronze"], layers["silver"]
    assert "Partida" in raw and any(c.startswith("Ejecuci") for c in raw)
    accrued = next(c for c in raw if c.startswith("Ejecuci"))
    # renamed, stripped and typed: the RAW column, transformed
    assert bronze["ejecucion_acumulada"] == {("raw", accrued): "TRANSFORMATION"}
    assert bronze["partida"] == {("raw", "Partida"): "TRANSFORMATION"}  # padded to two digits
    # the level is read off the code columns; moneda mapped P -> CLP
    assert set(bronze["nivel"]) == {("raw", "Subtítulo"), ("raw", "Item"), ("raw", "Asignación")}
    assert bronze["moneda"] == {("raw", "Moneda"): "TRANSFORMATION"}
    # melt: the amount from the three measures, the measure's name from their names; codes copied
    measures = {("bronze", m): "TRANSFORMATION" for m in ("presupuesto_inicial", "presupuesto_vigente",
                                                          "ejecucion_acumulada")}
    assert silver["monto"] == measures and silver["medida"] == measures
    assert silver["partida"] == {("bronze", "partida"): "IDENTITY"}
    assert set(silver) == set(spec.layers["silver"][-1].columns)


def test_a_complete_event_with_every_facet_is_valid_for_the_client():
    spec, (raw, layers) = _lineage()
    datasets = {"raw": ("file", "/data/raw/ab/abc"), "bronze": ("workbench", "x.bronze"),
                "silver": ("workbench", "x.silver")}
    outputs = [ol.dataset("workbench", f"x.{layer}", fields=[(c, "string") for c in cols],
                          lineage=ol.lineage_facet_fields(cols, datasets),
                          assertions=[{"assertion": "expect_column_values_to_not_be_null", "success": True,
                                       "column": "partida", "name": "bronze.1"}], rows=24)
               for layer, cols in layers.items()]
    event = ol.event("COMPLETE", run_id=ol.run_uuid("run", "1"), namespace="workbench", job="workbench.x",
                     time=dt.datetime(2026, 12, 7, 10, tzinfo=dt.timezone.utc),
                     inputs=[ol.dataset("file", "/data/raw/ab/abc", fields=[(c, "string") for c in raw],
                                        description="ejecucion.csv")],
                     outputs=outputs,
                     run_facets={"parent": ol.parent_facet(namespace="workbench", job="workbench.x.backfill",
                                                           run_id=ol.run_uuid("backfill", "1"))},
                     job_facets=ol.job_facets(title="T", description="D", owner="Finanzas", spec_url="file:///s/x.yaml",
                                              spec_path="specs/x.yaml", spec_version=3))
    check_event(event)
    failed = ol.event("FAIL", run_id=ol.run_uuid("run", "1"), namespace="workbench", job="workbench.x",
                      time=dt.datetime.now(dt.timezone.utc), run_facets={"errorMessage": ol.error_facet("boom")})
    check_event(failed)


def test_the_check_refuses_what_the_spec_refuses():
    good = ol.event("START", run_id=ol.run_uuid("run", "1"), namespace="w", job="j", time=dt.datetime.now(dt.timezone.utc))
    check_event(good)
    for broken in ({**good, "run": {"runId": "run-1"}}, {**good, "eventTime": "yesterday"},
                   {**good, "job": {"name": "j"}}, {**good, "eventType": "DONE"}):
        with pytest.raises((AssertionError, ValueError, Exception)):
            check_event(broken)
    with pytest.raises(ValueError):
        ol.event("DONE", run_id="x", namespace="w", job="j", time=dt.datetime.now(dt.timezone.utc))
