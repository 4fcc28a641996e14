"""Metadata-store benchmark (issue 3): the dataset-list query with 1,000 datasets / 10,000 runs, and recording
one run with its timeline, on PostgreSQL (and SQLite for reference).

    .venv/bin/python bench/store.py [--pg-admin-url postgresql+psycopg://root@127.0.0.1:5432/postgres]

Creates a throw-away database (dropped at the end), migrates it with Alembic, fills it, and prints medians
beside the targets.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from workbench.engine.store import datasets, runs  # noqa: E402
from workbench.engine.store.db import dispose_engines, get_engine, read_scope, session_scope  # noqa: E402
from workbench.engine.store.migrate import upgrade  # noqa: E402
from workbench.engine.store.models import Dataset, Run, SpecVersion, utcnow  # noqa: E402

N_DATASETS, N_RUNS = 1_000, 10_000


from workbench.engine.app import access as _access  # noqa: E402
_access.set_process_default(_access.SYSTEM)  # benchmarks act as the local operator, like the CLI


def timeline(rng: random.Random) -> list[dict]:
    """A realistic timeline: ~12 steps, each with a 5-row sample of ~12 columns."""
    row = {f"c{i}": "x" * rng.randint(2, 30) for i in range(12)}
    return [{"layer": "bronze", "index": i, "type": "strip", "label": f"step {i}", "rows_in": 60000, "rows_out": 59999,
             "columns_in": list(row), "columns_out": list(row), "columns_added": [], "columns_removed": [],
             "cells_changed": {"c1": 100}, "retyped": {}, "duration_ms": 3.2, "sample": [row] * 5,
             "removed_sample": [], "details": {}} for i in range(12)]


def fill(url: str) -> None:
    rng = random.Random(1)
    engine = get_engine(url)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(sa.insert(Dataset), [
            {"slug": f"ds_{i:04d}", "title": f"Dataset {i}", "description": "", "owner": "bench", "spec": {"k": i},
             "spec_hash": f"{i:064x}", "version": 1, "layers": ["bronze", "silver"], "active": True, "spec_path": "",
             "created_at": now, "updated_at": now} for i in range(N_DATASETS)])
        ids = [r[0] for r in conn.execute(sa.select(Dataset.id).order_by(Dataset.id))]
        conn.execute(sa.insert(SpecVersion), [
            {"dataset_id": d, "version": 1, "spec_hash": f"{d:064x}", "yaml_text": "x", "spec": {}, "created_at": now}
            for d in ids])
        versions = dict(conn.execute(sa.select(SpecVersion.dataset_id, SpecVersion.id)).all())
        tl = timeline(rng)
        for chunk in range(0, N_RUNS, 1000):
            conn.execute(sa.insert(Run), [
                {"dataset_id": (d := ids[rng.randrange(len(ids))]), "spec_version_id": versions[d], "file_id": None,
                 "inputs": [], "inputs_key": uuid.uuid4().hex * 2, "params": {"anio": 2017}, "status": "succeeded",
                 "qa_status": "not_run", "timings_ms": {}, "row_counts": {"bronze": 100, "silver": 300},
                 "timeline": tl, "control_totals": {}, "warnings": [], "outputs": {}, "error": None,
                 "engine_version": "0.1.0", "triggered_by": "bench", "backfill_id": None,
                 "created_at": now - timedelta(seconds=rng.randrange(10**6)), "started_at": now, "finished_at": now,
                 "heartbeat_at": now} for _ in range(min(1000, N_RUNS - chunk))])
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))


def measure(url: str, repeat: int) -> dict[str, float]:
    def list_page() -> None:
        with read_scope(url) as session:
            datasets.list_datasets(session=session, limit=50)

    def list_all() -> None:
        with read_scope(url) as session:
            assert len(datasets.list_datasets(session=session, limit=N_DATASETS)) == N_DATASETS

    tl = timeline(random.Random(2))

    def record_run() -> None:
        with session_scope(url) as session:
            run_id = runs.create_run(session=session, dataset_id=1, spec_version_id=1, file_id=None, inputs=[],
                                     key=uuid.uuid4().hex * 2, params={"anio": 2017}, triggered_by="bench",
                                     status="running")
        with session_scope(url) as session:
            runs.update_run(run_id, session=session, status="succeeded", timeline=tl, timings_ms={"total": 1.0},
                            row_counts={"bronze": 100, "silver": 300}, control_totals={}, warnings=[], outputs={})

    out = {}
    for name, func in (("list 50", list_page), ("list all", list_all), ("record run", record_run)):
        func()
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            func()
            times.append((time.perf_counter() - t0) * 1000)
        out[name] = statistics.median(times)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://root@127.0.0.1:5432/postgres")
    parser.add_argument("--repeat", type=int, default=51)
    parser.add_argument("--smoke", action="store_true", help="tiny inputs, one run: checks the benchmark works (tests/integration/test_bench_smoke.py)")
    args = parser.parse_args()
    if args.smoke:
        global N_DATASETS, N_RUNS
        N_DATASETS, N_RUNS, args.repeat = 20, 100, 1
    name = f"wb_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    pg_url = sa.engine.make_url(args.pg_admin_url).set(database=name).render_as_string(hide_password=False)
    tmp = tempfile.mkdtemp()
    sqlite_url = f"sqlite:///{tmp}/bench.db"
    results = {}
    try:
        for label, url in (("PostgreSQL", pg_url), ("SQLite", sqlite_url)):
            upgrade(url)
            t0 = time.perf_counter()
            fill(url)
            print(f"{label}: filled {N_DATASETS:,} datasets / {N_RUNS:,} runs in {time.perf_counter() - t0:.1f} s",
                  file=sys.stderr)
            results[label] = measure(url, args.repeat)
            dispose_engines(url)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"medians of {args.repeat} runs; {N_DATASETS:,} datasets, {N_RUNS:,} runs (each with a 12-step timeline)")
    print(f"{'measure':<44} {'target':>9} {'measured':>9}  result")
    pg = results["PostgreSQL"]
    rows = [
        ("PostgreSQL dataset list, first page (50)", "<= 5 ms", pg["list 50"], 5),
        (f"PostgreSQL dataset list, all {N_DATASETS:,}", "-", pg["list all"], None),
        ("PostgreSQL record a run with its timeline", "<= 20 ms", pg["record run"], 20),
        ("SQLite dataset list, first page (50)", "-", results["SQLite"]["list 50"], None),
        (f"SQLite dataset list, all {N_DATASETS:,}", "-", results["SQLite"]["list all"], None),
        ("SQLite record a run with its timeline", "-", results["SQLite"]["record run"], None),
    ]
    for label, target, value, limit in rows:
        verdict = "" if limit is None else ("PASS" if value <= limit else "FAIL")
        print(f"{label:<44} {target:>9} {value:>7.2f} ms  {verdict}")


if __name__ == "__main__":
    main()
