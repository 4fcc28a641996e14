"""Lineage on a migrated store (SQLite file and PostgreSQL): record a run, read its graph, race on one key."""

from __future__ import annotations

import threading
import time

from sqlmodel import select

from workbench.engine.store import lineage
from workbench.engine.store.db import session_scope
from workbench.engine.store.models import Dataset, LineageNode, Run, SpecVersion, utcnow

SHA = "c" * 64


def make_run(session, slug: str, qa_status: str) -> tuple[int, int]:
    """A dataset with spec version 1 and one succeeded run: (dataset id, run id)."""
    dataset = Dataset(slug=slug, title=slug, spec={}, spec_hash="h", layers=["bronze", "silver"])
    session.add(dataset)
    session.flush()
    version = SpecVersion(dataset_id=dataset.id, version=1, spec_hash="h", yaml_text="", spec={})
    session.add(version)
    session.flush()
    now = utcnow()
    run = Run(dataset_id=dataset.id, spec_version_id=version.id, inputs=[], inputs_key="k", params={},
              status="succeeded", qa_status=qa_status, started_at=now, finished_at=now)
    session.add(run)
    session.flush()
    return dataset.id, run.id


def test_record_then_graph_round_trip(db_url):
    with session_scope(db_url) as session:
        dataset_id, run_id = make_run(session, "ley", "passed")
        for _ in range(2):  # idempotent
            lineage.record_run_lineage(session=session, run_id=run_id, dataset_id=dataset_id, slug="ley",
                                       file_sha256=SHA, file_name="ley.csv", layers=["bronze", "silver"],
                                       spec_version=1)
    with session_scope(db_url) as session:
        graph = lineage.graph(session=session, slug="ley")
    nodes = {n["key"]: n for n in graph["nodes"]}
    assert set(nodes) == {f"file:{SHA}", "dataset:ley:bronze", "dataset:ley:silver"}
    assert nodes["dataset:ley:silver"]["qa_status"] == "passed" and nodes["dataset:ley:silver"]["run_id"] == run_id
    assert sorted((e["source"], e["target"], e["run_id"]) for e in graph["edges"]) == sorted([
        (nodes[f"file:{SHA}"]["id"], nodes["dataset:ley:bronze"]["id"], run_id),
        (nodes["dataset:ley:bronze"]["id"], nodes["dataset:ley:silver"]["id"], run_id)])
    assert graph["runs"][0]["spec_version"] == 1 and graph["runs"][0]["finished_at"].startswith("20")
    doc = lineage.to_jsonld(graph)
    run = next(n for n in doc["@graph"] if n["@id"] == f"urn:data-workbench:run:{run_id}")
    assert f"urn:data-workbench:file:{SHA}" in run["prov:used"]


def test_concurrent_upsert_of_one_key_ends_with_one_node(db_url):
    ids = {}

    def other_writer():
        with session_scope(db_url) as b:  # waits for A's uncommitted insert, then finds A's row
            ids["b"] = lineage.upsert_node(session=b, key="system:bi", kind="external_system", label="BI").id

    with session_scope(db_url) as a:
        ids["a"] = lineage.upsert_node(session=a, key="system:bi", kind="external_system", label="BI").id
        thread = threading.Thread(target=other_writer)
        thread.start()
        time.sleep(0.2)
    thread.join(timeout=15)
    with session_scope(db_url) as check:
        assert len(check.exec(select(LineageNode).where(LineageNode.key == "system:bi")).all()) == 1
    assert ids["a"] == ids["b"]
