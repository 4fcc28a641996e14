"""Publication on SQLite and PostgreSQL (issue 17): only QA-passed runs are proposed, four eyes (self-approval
refused, approval bound to the content), the diff by business key, atomic swaps a concurrent reader never sees
half of, rollback, the immutable audit log, expiry, and the read-only BI role (PostgreSQL)."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from workbench.engine.app import access, publication, releases_read, runs
from workbench.engine.app.qa import QAFailedError
from workbench.engine.core.settings import Settings
from workbench.engine.store import releases as release_store
from workbench.engine.store.db import session_scope
from workbench.engine.store.gold import GoldTarget
from workbench.engine.store.models import utcnow
from workbench.engine.store.objects import release_objects

SPEC = """\
dataset: {slug: montos, title: Montos}
source: {format: csv, delimiter: ";"}
parameters:
  mes: {type: text}
layers:
  bronze:
    - type: derive
      column: periodo
      template: "{mes}"
    - type: type_cast
      decimal: ","
      columns: {monto: {type: decimal, scale: 2}}
  silver:
    - type: select
      columns: [periodo, codigo, medida, monto]
expectations:
  bronze:
    - type: expect_column_values_to_be_between
      column: monto
      min_value: 0
      severity: SEVERITY
publication:
  key: [periodo, codigo, medida]
  partition_by: [periodo]
  columns: {periodo: Mes del informe, codigo: Código, medida: Medida, monto: Monto en pesos}
  totals: {by: [medida], value: monto}
"""

ALICE = access.Principal("alice", "publisher")  # proposes (a publisher may propose too)
BOB = access.Principal("bob", "publisher")
CAROL = access.Principal("carol", "analyst")


def csv(rows: list[tuple[str, str, str]]) -> bytes:
    return ("codigo;medida;monto\n" + "".join(f"{c};{m};{v}\n" for c, m, v in rows)).encode("latin-1")


BASE = [("01", "vigente", "10,00"), ("02", "vigente", "20,00"), ("03", "vigente", "30,00"), ("04", "vigente", "5,00")]
#: against BASE: 01 unchanged, 02 changed (20 -> 25), 03 removed, 04 unchanged, 05 added
NEXT = [("01", "vigente", "10,00"), ("02", "vigente", "25,50"), ("04", "vigente", "5,00"), ("05", "vigente", "7,00")]


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "montos.yaml").write_text(SPEC.replace("SEVERITY", "warning" if "warn" in tmp_path.name else "error"),
                                       encoding="utf-8")
    return Settings(data_dir=tmp_path / "data", database_url=db_url, specs_dir=specs, user="tester")


def run_of(settings: Settings, rows: list[tuple[str, str, str]], mes: str = "2026-04") -> int:
    run = runs.run_file("montos", csv(rows), filename=f"montos_{mes}.csv", params={"mes": mes}, force=True,
                        settings=settings)
    assert run.status == "succeeded", run.error
    return run.id


def propose(settings: Settings, run_id: int, who: access.Principal = ALICE, **kw):
    with access.acting_as(who):
        return publication.propose_release(run_id, settings=settings, **kw)


def approve(settings: Settings, release, who: access.Principal = BOB, **kw):
    with access.acting_as(who):
        return publication.approve_release(release.id, release.content_hash, settings=settings, **kw)


def published(settings: Settings, rows: list[tuple[str, str, str]], mes: str = "2026-04"):
    return approve(settings, propose(settings, run_of(settings, rows, mes)))


def gold_rows(settings: Settings) -> set[tuple[str, str, str, str, int]]:
    frame = GoldTarget.from_settings(settings).read("montos")
    return {(r["periodo"], r["codigo"], r["medida"], f"{float(r['monto']):.2f}", int(r["_release_id"]))
            for r in frame.to_dict("records")}


def test_a_qa_failed_run_cannot_be_proposed(settings):
    run_id = run_of(settings, [("01", "vigente", "-1,00"), ("02", "vigente", "2,00")])
    with pytest.raises(QAFailedError):
        propose(settings, run_id)
    assert releases_read.list_releases(settings).total == 0


def test_warnings_need_an_explicit_acknowledgement_recorded_on_the_release(db_url, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("warn")
    specs = tmp / "specs"
    specs.mkdir()
    (specs / "montos.yaml").write_text(SPEC.replace("SEVERITY", "warning"), encoding="utf-8")
    settings = Settings(data_dir=tmp / "data", database_url=db_url, specs_dir=specs, user="tester")
    run_id = run_of(settings, [("01", "vigente", "-1,00")])
    with pytest.raises(publication.PublicationError) as refused:
        propose(settings, run_id)
    assert refused.value.code == "warnings-not-acknowledged"
    release = propose(settings, run_id, acknowledge_warnings=True)
    assert (release.qa_status, release.qa_acknowledged) == ("warning", True)


def test_self_approval_is_refused_with_403_and_an_analyst_cannot_approve(settings):
    release = propose(settings, run_of(settings, BASE))
    with pytest.raises(publication.SelfApprovalError) as refused:
        approve(settings, release, ALICE)
    assert refused.value.kind == "forbidden"  # the API answers 403 for this kind
    with pytest.raises(access.ForbiddenError):
        approve(settings, release, CAROL)
    assert releases_read.get_release(release.id, settings).release.status == "proposed"
    done = approve(settings, release, BOB)
    assert (done.status, done.proposer, done.approver) == ("published", "alice", "bob")
    actions = [(e.action, e.actor) for e in releases_read.get_release(release.id, settings).events]
    assert actions == [("proposed", "alice"), ("approved", "bob"), ("published", "bob")]


def test_a_change_of_content_voids_the_approval(settings):
    first = propose(settings, run_of(settings, BASE))
    approved = approve(settings, first, publish=False)
    assert approved.status == "approved"
    amended = propose(settings, run_of(settings, NEXT))  # same partition, new rows: the open release is amended
    assert amended.id == first.id and amended.content_hash != first.content_hash
    assert (amended.status, amended.approver) == ("proposed", None)
    with pytest.raises(publication.ApprovalVoidError):
        approve(settings, first)  # bob reviewed the old content
    actions = [e.action for e in releases_read.get_release(first.id, settings).events]
    assert actions == ["proposed", "approved", "approval_voided", "amended"]
    assert not GoldTarget.from_settings(settings).exists("montos")


def test_a_snapshot_changed_after_approval_is_not_published(settings):
    release = approve(settings, propose(settings, run_of(settings, BASE)), publish=False)
    path = Path(release_objects(settings).location) / release.snapshot["parquet"]["path"]
    path.chmod(0o644)
    path.write_bytes(path.read_bytes()[:-8] + b"tampered")
    with access.acting_as(BOB), pytest.raises(publication.ApprovalVoidError):
        publication.publish_release(release.id, settings=settings)
    assert releases_read.get_release(release.id, settings).release.status == "proposed"
    assert not GoldTarget.from_settings(settings).exists("montos")


def test_the_diff_names_exactly_the_rows_that_changed(settings):
    first = published(settings, BASE)
    release = propose(settings, run_of(settings, NEXT))
    diff = releases_read.release_diff(release.id, settings)
    assert diff["counts"] == {"before": 4, "after": 4, "added": 1, "removed": 1, "changed": 1, "unchanged": 2,
                              "changed_cells": 1}
    assert [r["codigo"] for r in diff["added"]] == ["05"]
    assert [r["codigo"] for r in diff["removed"]] == ["03"]
    assert diff["changes"] == [{"key": {"periodo": "2026-04", "codigo": "02", "medida": "vigente"},
                                "column": "monto", "old": "20.00", "new": "25.50", "delta": "5.50"}]
    assert diff["totals"] == [{"by": {"medida": "vigente"}, "before": "65.00", "after": "47.50", "delta": "-17.50"}]
    assert diff["replaces"] == [first.id]


def test_duplicate_keys_stop_the_proposal_and_are_listed(settings):
    run_id = run_of(settings, BASE + [("02", "vigente", "1,00"), ("02", "vigente", "2,00")])
    with pytest.raises(publication.DuplicateKeysError) as refused:
        propose(settings, run_id)
    assert refused.value.details["keys"] == [{"periodo": "2026-04", "codigo": "02", "medida": "vigente", "rows": 3}]


def test_rollback_restores_the_previous_rows(settings):
    first = published(settings, BASE)
    second = published(settings, NEXT)
    other_month = published(settings, BASE, mes="2026-05")
    assert {r[4] for r in gold_rows(settings) if r[0] == "2026-04"} == {second.id}
    with access.acting_as(BOB):
        rolled = publication.rollback_release(second.id, "cifras provisorias", settings=settings)
    assert rolled.status == "rolled_back" and rolled.timings_ms["rollback"] < 5000
    rows = gold_rows(settings)
    assert {r[:4] for r in rows if r[0] == "2026-04"} == {("2026-04", c, m, f"{float(v.replace(',', '.')):.2f}")
                                                        for c, m, v in BASE}
    assert {r[4] for r in rows} == {first.id, other_month.id}
    with access.acting_as(BOB), pytest.raises(publication.PublicationError):
        publication.rollback_release(second.id, settings=settings)  # rolled back already
    # the first release is current again: rolling it back empties its partition, the other month stays
    with access.acting_as(BOB):
        publication.rollback_release(first.id, settings=settings)
    assert {r[0] for r in gold_rows(settings)} == {"2026-05"}


def test_the_audit_log_cannot_be_changed(settings, db_url):
    release = propose(settings, run_of(settings, BASE))
    with pytest.raises(sa.exc.DatabaseError):
        with session_scope(db_url) as session:
            session.execute(sa.text("UPDATE data_workbench_release_events SET actor = 'mallory'"))
    with pytest.raises(sa.exc.DatabaseError):
        with session_scope(db_url) as session:
            session.execute(sa.text("DELETE FROM data_workbench_release_events"))
    assert [e.actor for e in releases_read.get_release(release.id, settings).events] == ["alice"]


def test_a_proposal_expires(settings, db_url):
    release = propose(settings, run_of(settings, BASE))
    with session_scope(db_url) as session:
        row = release_store.get(release.id, session=session)
        release_store.update(row, session=session, expires_at=utcnow() - timedelta(minutes=1))
    with pytest.raises(publication.PublicationError) as refused:
        approve(settings, release)
    assert refused.value.details["status"] == "expired"
    with session_scope(db_url) as session:  # the expiry is recorded even though the approval was refused
        assert release_store.get(release.id, session=session).status == "expired"
    assert [e.action for e in releases_read.get_release(release.id, settings).events] == ["proposed", "expired"]
    with pytest.raises(publication.ReasonRequiredError):
        with access.acting_as(BOB):
            publication.reject_release(release.id, "  ", settings=settings)


def test_a_concurrent_reader_sees_only_whole_releases(settings):
    """A reader at ~50 queries/s during publications and rollbacks: every answer is one whole release."""
    big = [(f"{i:05d}", m, f"{i},50") for i in range(1500) for m in ("vigente", "inicial")]  # swaps take a while
    first = published(settings, big)
    expected = {first.id: len(big)}
    target = GoldTarget.from_settings(settings)
    stop, answers, errors = threading.Event(), [], []

    def query():
        if target.backend == "postgresql":
            conn = psycopg.connect(target.conninfo, autocommit=True)
            sql_text = 'SELECT "_release_id", count(*) FROM gold.montos GROUP BY 1'
        else:
            conn = sqlite3.connect(":memory:", isolation_level=None)
            conn.execute("ATTACH DATABASE ? AS gold", (str(target.path),))
            sql_text = 'SELECT "_release_id", count(*) FROM gold.montos GROUP BY 1'
        with conn if target.backend == "postgresql" else _closing(conn):
            while not stop.is_set():
                try:
                    answers.append(sorted(conn.execute(sql_text).fetchall()))
                except Exception as exc:  # noqa: BLE001 - every failure is what the test counts
                    errors.append(repr(exc))
                time.sleep(0.02)

    reader = threading.Thread(target=query)
    reader.start()
    try:
        started, i = time.monotonic(), 0
        while i < 3 or time.monotonic() - started < 4:
            rows = big[: 2000 + 300 * i] if i % 2 == 0 else big[500:] + [("99999", "vigente", "1,00")]
            i += 1
            release = published(settings, rows)
            expected[release.id] = len(rows)
            with access.acting_as(BOB):
                publication.rollback_release(release.id, settings=settings)
        time.sleep(0.2)
    finally:
        stop.set()
        reader.join()
    print(f"reader: {len(answers)} queries, {len(errors)} errors, releases seen "
          f"{sorted({a[0][0] for a in answers if a})}")
    assert errors == []
    assert len(answers) > 20
    for answer in answers:
        assert len(answer) == 1, answer  # never two releases mixed, never an empty table
        release_id, count = answer[0]
        assert expected[release_id] == count, answer


class _closing:
    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        return self.conn

    def __exit__(self, *exc):
        self.conn.close()


def test_the_bi_role_can_select_and_cannot_write(settings, db_url):
    if not db_url.startswith("postgresql"):
        with pytest.raises(Exception) as refused:
            publication.grant_gold_reader("bi_x", settings=settings)
        assert "PostgreSQL" in str(refused.value)
        return
    published(settings, BASE)
    role = f"bi_{int(time.time() * 1000) % 10**9}"
    target = GoldTarget.from_settings(settings)
    try:
        statements = publication.grant_gold_reader(role, "s3cret-never-logged", settings=settings)
        assert not any("s3cret" in s for s in statements)
        publication.grant_gold_reader(role, None, settings=settings)  # again: updates, does not fail
        conninfo = psycopg.conninfo.make_conninfo(target.conninfo, user=role, password="s3cret-never-logged")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM gold.montos").fetchone()[0] == len(BASE)
            conn.execute("SET default_transaction_read_only = off")  # the privileges refuse writes too
            for statement in ("INSERT INTO gold.montos (periodo, codigo, medida, monto, _release_id) "
                              "VALUES ('x', 'x', 'x', 1, 1)", "DELETE FROM gold.montos",
                              "CREATE TABLE gold.evil (x int)", "DROP TABLE gold.montos",
                              "CREATE TABLE public.evil (x int)"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(statement)
    finally:
        with psycopg.connect(target.conninfo, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')
