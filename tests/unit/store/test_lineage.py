"""Lineage store: nodes by key, edges per run, the graph of a dataset and its PROV-O JSON-LD export."""

from __future__ import annotations

import threading

import pytest
from pyld import jsonld
from sqlalchemy import event
from sqlmodel import Session, SQLModel, select

from workbench.engine.store import lineage
from workbench.engine.store.db import get_engine
from workbench.engine.store.models import Dataset, LineageEdge, LineageNode, Run, SpecVersion, utcnow

SHA_A = "a" * 64
SHA_B = "b" * 64
PROV = "http://www.w3.org/ns/prov#"
BASE = "urn:data-workbench:"


@pytest.fixture
def engine(tmp_path):
    """A file database (two sessions must see each other's commits), schema from the models: tests only."""
    engine = get_engine(f"sqlite:///{tmp_path / 'lineage.db'}")
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()
    get_engine.cache_clear()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


def make_dataset(session: Session, slug: str) -> Dataset:
    """A dataset with spec version 1."""
    dataset = Dataset(slug=slug, title=slug, spec={}, spec_hash="h", layers=["bronze", "silver"])
    session.add(dataset)
    session.flush()
    session.add(SpecVersion(dataset_id=dataset.id, version=1, spec_hash="h", yaml_text="", spec={}))
    session.flush()
    return dataset


def make_run(session: Session, dataset: Dataset, *, qa_status: str = "not_run") -> int:
    """A succeeded run of the dataset's spec version 1."""
    version = session.exec(select(SpecVersion).where(SpecVersion.dataset_id == dataset.id)).one()
    now = utcnow()
    run = Run(dataset_id=dataset.id, spec_version_id=version.id, inputs=[], inputs_key="k", params={},
              status="succeeded", qa_status=qa_status, started_at=now, finished_at=now)
    session.add(run)
    session.flush()
    return run.id


def record(session: Session, dataset: Dataset, run_id: int, sha: str = SHA_A,
           layers: tuple[str, ...] = ("bronze", "silver")) -> None:
    lineage.record_run_lineage(session=session, run_id=run_id, dataset_id=dataset.id, slug=dataset.slug,
                               file_sha256=sha, file_name=f"{sha[:4]}.csv", layers=list(layers), spec_version=1)


def edges(session: Session) -> list[tuple[str, str, int | None]]:
    keys = dict(session.exec(select(LineageNode.id, LineageNode.key)).all())
    rows = session.exec(select(LineageEdge)).all()
    return sorted(((keys[e.source_id], keys[e.target_id], e.run_id) for e in rows), key=lambda e: (e[0], e[1], e[2] or 0))


def test_record_run_lineage_links_file_and_layers_in_order(session):
    ds = make_dataset(session, "ley")
    run = make_run(session, ds)
    record(session, ds, run)
    assert edges(session) == [("dataset:ley:bronze", "dataset:ley:silver", run),
                              (f"file:{SHA_A}", "dataset:ley:bronze", run)]


def test_recording_the_same_run_twice_changes_nothing(session):
    ds = make_dataset(session, "ley")
    run = make_run(session, ds)
    record(session, ds, run)
    meta = session.exec(select(LineageNode.meta).where(LineageNode.key == "dataset:ley:silver")).one()
    record(session, ds, run)
    assert len(session.exec(select(LineageNode)).all()) == 3
    assert len(edges(session)) == 2
    assert session.exec(select(LineageNode.meta).where(LineageNode.key == "dataset:ley:silver")).one() == meta


def test_two_runs_of_one_file_make_two_edges_and_one_file_node(session):
    ds = make_dataset(session, "ley")
    first, second = make_run(session, ds), make_run(session, ds)
    record(session, ds, first)
    record(session, ds, second)
    files = session.exec(select(LineageNode).where(LineageNode.kind == "raw_file")).all()
    assert [f.key for f in files] == [f"file:{SHA_A}"]
    assert [e for e in edges(session) if e[0] == f"file:{SHA_A}"] == [
        (f"file:{SHA_A}", "dataset:ley:bronze", first), (f"file:{SHA_A}", "dataset:ley:bronze", second)]


def test_layer_meta_keeps_the_newest_run_even_when_an_older_one_is_replayed(session):
    ds = make_dataset(session, "ley")
    first, second = make_run(session, ds), make_run(session, ds)
    record(session, ds, second)
    record(session, ds, first)
    meta = session.exec(select(LineageNode.meta).where(LineageNode.key == "dataset:ley:bronze")).one()
    assert meta["last_run_id"] == second and meta["spec_version"] == 1 and meta["layer"] == "bronze"


def test_upsert_node_returns_a_read_model_and_merges_meta(session):
    first = lineage.upsert_node(session=session, key="table:ley_2024", kind="published_table", label="old",
                                meta={"schema": "public"})
    again = lineage.upsert_node(session=session, key="table:ley_2024", kind="published_table", label="Ley 2024",
                                meta={"rows": 10})
    assert type(again).__name__ == "LineageNodePublic"
    assert (again.id, again.label, again.meta) == (first.id, "Ley 2024", {"schema": "public", "rows": 10})


def test_upsert_node_refuses_an_unknown_kind_and_a_changed_kind(session):
    lineage.upsert_node(session=session, key="system:bi", kind="external_system", label="BI")
    with pytest.raises(ValueError, match="unknown lineage node kind"):
        lineage.upsert_node(session=session, key="x:y", kind="spreadsheet", label="y")
    with pytest.raises(ValueError, match="is a external_system"):
        lineage.upsert_node(session=session, key="system:bi", kind="published_table", label="BI")


def test_add_edge_is_idempotent_and_needs_existing_nodes(session):
    ds = make_dataset(session, "ley")
    run = make_run(session, ds)
    record(session, ds, run)
    lineage.upsert_node(session=session, key="system:bi", kind="external_system", label="BI")
    for _ in range(2):
        lineage.add_edge(session=session, source_key="dataset:ley:silver", target_key="system:bi", run_id=run)
        lineage.add_edge(session=session, source_key="dataset:ley:silver", target_key="system:bi", run_id=None)
    assert [e for e in edges(session) if e[1] == "system:bi"] == [
        ("dataset:ley:silver", "system:bi", None), ("dataset:ley:silver", "system:bi", run)]
    with pytest.raises(lineage.LineageNodeNotFound, match="system:nope"):
        lineage.add_edge(session=session, source_key="dataset:ley:silver", target_key="system:nope", run_id=run)


@pytest.fixture
def three_datasets(session):
    """ley (file A) whose silver feeds consolidado; otro (file B) unrelated."""
    ley, consolidado, otro = (make_dataset(session, s) for s in ("ley", "consolidado", "otro"))
    runs = {"ley": make_run(session, ley, qa_status="passed"),
            "consolidado": make_run(session, consolidado, qa_status="warning"),
            "otro": make_run(session, otro)}
    record(session, ley, runs["ley"])
    record(session, consolidado, runs["consolidado"], sha=SHA_B, layers=("bronze", "silver", "gold"))
    record(session, otro, runs["otro"], sha=SHA_B)
    lineage.add_edge(session=session, source_key="dataset:ley:silver", target_key="dataset:consolidado:bronze",
                     run_id=runs["consolidado"])
    return runs


def test_graph_of_a_slug_follows_links_into_other_datasets_and_leaves_unrelated_ones_out(session, three_datasets):
    keys = {n["key"] for n in lineage.graph(session=session, slug="ley")["nodes"]}
    assert keys == {f"file:{SHA_A}", "dataset:ley:bronze", "dataset:ley:silver",
                    "dataset:consolidado:bronze", "dataset:consolidado:silver", "dataset:consolidado:gold"}


def test_graph_upstream_of_a_downstream_dataset_reaches_the_first_raw_file(session, three_datasets):
    keys = {n["key"] for n in lineage.graph(session=session, slug="consolidado")["nodes"]}
    assert {f"file:{SHA_A}", f"file:{SHA_B}", "dataset:ley:silver"} <= keys
    assert not any(k.startswith("dataset:otro:") for k in keys)


def test_graph_depth_limits_the_hops(session, three_datasets):
    keys = {n["key"] for n in lineage.graph(session=session, slug="ley", depth=1)["nodes"]}
    assert "dataset:consolidado:bronze" in keys and "dataset:consolidado:silver" not in keys


def test_graph_without_slug_has_everything_and_edges_by_node_id(session, three_datasets):
    g = lineage.graph(session=session)
    assert len(g["nodes"]) == 9 and len(g["edges"]) == 8  # file B is shared by consolidado and otro
    ids = {n["key"]: n["id"] for n in g["nodes"]}
    assert {"source": ids["dataset:ley:silver"], "target": ids["dataset:consolidado:bronze"],
            "run_id": three_datasets["consolidado"]} in g["edges"]


def test_graph_nodes_carry_the_last_runs_status_and_qa_status(session, three_datasets):
    ds = session.exec(select(Dataset).where(Dataset.slug == "ley")).one()
    failed = make_run(session, ds, qa_status="failed")
    record(session, ds, failed)
    nodes = {n["key"]: n for n in lineage.graph(session=session, slug="ley")["nodes"]}
    assert (nodes["dataset:ley:silver"]["run_id"], nodes["dataset:ley:silver"]["qa_status"]) == (failed, "failed")
    assert nodes["dataset:ley:silver"]["status"] == "succeeded"
    assert nodes["dataset:ley:silver"]["dataset_slug"] == "ley"
    assert (nodes["dataset:consolidado:gold"]["qa_status"], nodes[f"file:{SHA_A}"]["qa_status"]) == ("warning", None)


def test_graph_lists_the_runs_with_their_spec_version(session, three_datasets):
    runs = {r["id"]: r for r in lineage.graph(session=session, slug="ley")["runs"]}
    assert set(runs) == {three_datasets["ley"], three_datasets["consolidado"]}
    assert runs[three_datasets["ley"]]["spec_version"] == 1
    assert runs[three_datasets["ley"]]["dataset_slug"] == "ley"


def test_graph_of_an_unknown_slug_is_empty(session, three_datasets):
    assert lineage.graph(session=session, slug="nada") == {"nodes": [], "edges": [], "runs": []}


def test_graph_runs_a_handful_of_queries(session, engine, three_datasets):
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        lineage.graph(session=session, slug="ley")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) <= 2 * 4 + 3  # seeds, nodes, runs, one per hop and direction


def _objects(expanded: list[dict], subject: str, prop: str) -> set[str]:
    node = next(n for n in expanded if n["@id"] == subject)
    return {v.get("@id", v.get("@value")) for v in node.get(PROV + prop, [])}


def _no_remote_contexts(url, options=None):
    raise AssertionError(f"the JSON-LD processor tried to load {url}")


def test_jsonld_expands_to_prov_triples_for_the_right_iris(session, three_datasets):
    doc = lineage.to_jsonld(lineage.graph(session=session, slug="ley"))
    expanded = jsonld.expand(doc, {"documentLoader": _no_remote_contexts})
    file, bronze, silver = f"{BASE}file:{SHA_A}", f"{BASE}dataset:ley:bronze", f"{BASE}dataset:ley:silver"
    run, downstream = f"{BASE}run:{three_datasets['ley']}", f"{BASE}run:{three_datasets['consolidado']}"
    assert _objects(expanded, run, "used") == {file, f"{BASE}spec:ley:v1"}
    assert _objects(expanded, bronze, "wasGeneratedBy") == {run}
    assert _objects(expanded, bronze, "wasDerivedFrom") == {file}
    assert _objects(expanded, silver, "wasDerivedFrom") == {bronze}
    assert _objects(expanded, f"{BASE}dataset:consolidado:bronze", "wasDerivedFrom") == {silver}
    assert silver in _objects(expanded, downstream, "used")
    types = {n["@id"]: n["@type"] for n in expanded}
    assert types[file] == types[silver] == [PROV + "Entity"] and types[run] == [PROV + "Activity"]


def test_jsonld_times_are_xsd_datetimes_and_labels_are_kept(session, three_datasets):
    doc = lineage.to_jsonld(lineage.graph(session=session, slug="ley"))
    expanded = jsonld.expand(doc, {"documentLoader": _no_remote_contexts})
    run = next(n for n in expanded if n["@id"] == f"{BASE}run:{three_datasets['ley']}")
    assert run[PROV + "startedAtTime"][0]["@type"] == "http://www.w3.org/2001/XMLSchema#dateTime"
    file = next(n for n in expanded if n["@id"] == f"{BASE}file:{SHA_A}")
    assert file["http://www.w3.org/2000/01/rdf-schema#label"] == [{"@value": "aaaa.csv"}]


def test_jsonld_qualified_derivation_names_the_run_of_each_link(session):
    ds = make_dataset(session, "ley")
    first, second = make_run(session, ds), make_run(session, ds)
    record(session, ds, first, sha=SHA_A)
    record(session, ds, second, sha=SHA_B)
    expanded = jsonld.expand(lineage.to_jsonld(lineage.graph(session=session, slug="ley")),
                             {"documentLoader": _no_remote_contexts})
    bronze = next(n for n in expanded if n["@id"] == f"{BASE}dataset:ley:bronze")
    pairs = set()
    for derivation in bronze[PROV + "qualifiedDerivation"]:
        pairs.add((derivation[PROV + "entity"][0]["@id"], derivation[PROV + "hadActivity"][0]["@id"]))
    assert pairs == {(f"{BASE}file:{SHA_A}", f"{BASE}run:{first}"), (f"{BASE}file:{SHA_B}", f"{BASE}run:{second}")}


def test_jsonld_base_url_changes_identifiers(session, three_datasets):
    doc = lineage.to_jsonld(lineage.graph(session=session, slug="ley"), base_url="https://wb.example/")
    assert f"https://wb.example/file:{SHA_A}" in {n["@id"] for n in doc["@graph"]}


def test_concurrent_upsert_of_one_key_ends_with_one_node(engine):
    """Session A inserts and holds the key; session B upserts meanwhile (it waits on the lock), A commits first.
    A commits once B has issued its BEGIN IMMEDIATE (an event from the engine, not a guessed sleep): SQLite then
    runs B's transaction whole after A's commit, since A holds the write lock until then."""
    results = {}
    began = threading.Event()

    def note_b_begins(conn, cursor, statement, parameters, context, executemany) -> None:
        if threading.current_thread().name == "lineage-writer-b":
            began.set()

    def other_writer():
        with Session(engine) as b:
            results["b"] = lineage.upsert_node(session=b, key="system:bi", kind="external_system", label="BI").id
            b.commit()

    event.listen(engine, "before_cursor_execute", note_b_begins)
    with Session(engine) as a:
        results["a"] = lineage.upsert_node(session=a, key="system:bi", kind="external_system", label="BI").id
        thread = threading.Thread(target=other_writer, name="lineage-writer-b")
        thread.start()
        assert began.wait(15), "session B never began"
        a.commit()
    thread.join(timeout=15)
    with Session(engine) as check:
        assert len(check.exec(select(LineageNode).where(LineageNode.key == "system:bi")).all()) == 1
    assert results["a"] == results["b"]


def test_upsert_after_another_session_committed_the_key_reuses_it(engine):
    with Session(engine) as a, Session(engine) as b:
        assert b.exec(select(LineageNode)).all() == []  # b looked before a wrote
        b.commit()  # SQLite: a transaction holds the write lock from BEGIN (IMMEDIATE), so b ends its look
        first = lineage.upsert_node(session=a, key="file:" + SHA_A, kind="raw_file", label="a.csv")
        a.commit()
        second = lineage.upsert_node(session=b, key="file:" + SHA_A, kind="raw_file", label="a.csv")
        b.commit()
        assert second.id == first.id
        assert len(b.exec(select(LineageNode)).all()) == 1
