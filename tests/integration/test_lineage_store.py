"""Lineage on a migrated store (SQLite file and PostgreSQL): record a run, read its graph, race on one key."""

from __future__ import annotations

import threading
import time

from sqlalchemy import event, text
from sqlmodel import select

from workbench.engine.store import lineage
from workbench.engine.store.db import get_engine, session_scope
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


WRITER_B = "lineage-writer-b"


def wait_until_b_waits_for_a(db_url: str, began: threading.Event) -> None:
    """Return once writer B is inside its upsert while A's insert is uncommitted, so A commits only then (an
    observed state, not a guessed sleep). PostgreSQL: B's backend waits on a lock (A's row), polled in
    pg_stat_activity with a deadline. SQLite: B has issued its BEGIN IMMEDIATE, and SQLite serialises the two
    transactions whole (B's waits for A's write lock, released by A's commit)."""
    assert began.wait(15), "writer B never began its transaction"
    if get_engine(db_url).dialect.name != "postgresql":
        return
    deadline = time.monotonic() + 15
    with get_engine(db_url, autocommit=True).connect() as probe:
        while not probe.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                     "AND wait_event_type = 'Lock'")).scalar():
            assert time.monotonic() < deadline, "writer B never waited for A's lock"
            time.sleep(0.01)


def test_concurrent_upsert_of_one_key_ends_with_one_node(db_url):
    ids = {}
    began = threading.Event()

    def note_b_begins(conn, cursor, statement, parameters, context, executemany) -> None:
        if threading.current_thread().name == WRITER_B:  # its first statement (SQLite: BEGIN IMMEDIATE)
            began.set()

    def other_writer():
        with session_scope(db_url) as b:  # waits for A's uncommitted insert, then finds A's row
            ids["b"] = lineage.upsert_node(session=b, key="system:bi", kind="external_system", label="BI").id

    event.listen(get_engine(db_url), "before_cursor_execute", note_b_begins)
    try:
        with session_scope(db_url) as a:
            ids["a"] = lineage.upsert_node(session=a, key="system:bi", kind="external_system", label="BI").id
            thread = threading.Thread(target=other_writer, name=WRITER_B)
            thread.start()
            wait_until_b_waits_for_a(db_url, began)
        thread.join(timeout=15)
    finally:
        event.remove(get_engine(db_url), "before_cursor_execute", note_b_begins)
    with session_scope(db_url) as check:
        assert len(check.exec(select(LineageNode).where(LineageNode.key == "system:bi")).all()) == 1
    assert ids["a"] == ids["b"]
