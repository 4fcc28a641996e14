"""Background-work benchmark (issues 4 and 15): backfill of 40 execution CSVs with 1, 2 and 4 workers (files/s,
speed-up), on local storage and on S3-compatible object storage with workers that share no disk; and the preview
cache (hit vs cold) on the 5 MB xlsx.

    .venv/bin/python bench/jobs.py [--store postgresql|sqlite] [--storage local,s3] [--workers 1,2,4]
                                   [--files 40] [--repeat 3] [--smoke]

Uses a throw-away PostgreSQL database (or SQLite file), an embedded Redis and temporary data directories.
Workers are real `workbench worker` processes, already running when the backfill is submitted (as under
`workbench serve`); the time runs from submitting the backfill (storing its files, queueing its runs) to its last
run finishing. The files: the 29 real April-2017 execution CSVs (../shared/data), topped up to ``--files`` with
generated DIPRES-like execution CSVs (all of them generated on a fresh clone without ../shared).
``--storage s3``: RAW files and outputs in a bucket of a real S3-compatible server (moto in server mode on
127.0.0.1, its own process); the backfill is submitted from one data directory and every worker has its own, so
they share PostgreSQL, Redis and the bucket, and no disk (what machines of a cluster share).
``--smoke``: 3 generated files, 1 and 2 workers, local and S3, a tiny workbook, one repetition, SQLite (checks the
benchmark works, in seconds).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from workbench.engine import api  # noqa: E402
from workbench.engine.app import backfills, previews  # noqa: E402
from workbench.engine.infra.redis_embedded import EmbeddedRedis  # noqa: E402
from workbench.engine.core.settings import Settings  # noqa: E402
from workbench.engine.store.db import dispose_engines  # noqa: E402
from workbench.engine.store.migrate import upgrade  # noqa: E402
from bench._report import print_table  # noqa: E402
from tests.s3server import create_bucket, moto_server  # noqa: E402

FILES = ROOT.parent / "shared" / "data" / "dipres" / "ejecucion_2017_04"
XLSX = ROOT / "bench" / "out" / "programa_ejecucion_2017_5mb.xlsx"


from workbench.engine.app import access as _access  # noqa: E402
_access.set_process_default(_access.SYSTEM)  # benchmarks act as the local operator, like the CLI


def env_of(settings: Settings) -> dict[str, str]:
    return {**os.environ, "WORKBENCH_DATABASE_URL": settings.db_url, "WORKBENCH_REDIS_URL": settings.redis_url or "",
            "WORKBENCH_DATA_DIR": str(settings.data_dir), "WORKBENCH_SPECS_DIR": str(settings.specs_dir),
            "WORKBENCH_STORAGE_URL": settings.storage_url or "",
            "WORKBENCH_STORAGE_ENDPOINT_URL": settings.storage_endpoint_url or "",
            "WORKBENCH_STORAGE_REGION": settings.storage_region or ""}


def generated_files(folder: Path, count: int) -> Path:
    """``count`` DIPRES-like April execution CSVs (distinct programs), when the real files are not there."""
    from tests.data.workbench.generate import execution_csv

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        programs = [(f"{1 + i % 30:02d}", f"{c:02d}", f"{g:02d}") for c in range(1, 3) for g in range(1, 4)]
        (folder / f"ejecucion_2017_abril_{i:02d}.csv").write_bytes(execution_csv(programs, seed=i))
    return folder


def bench_files(folder: Path, count: int, real: Path | None) -> tuple[Path, str]:
    """``count`` execution CSVs in ``folder``: the real ones first (if any), then generated ones."""
    folder.mkdir(parents=True, exist_ok=True)
    taken = sorted(real.glob("*.csv"))[:count] if real is not None and real.is_dir() else []
    for path in taken:
        (folder / path.name).write_bytes(path.read_bytes())
    extra = count - len(taken)
    if extra:
        generated_files(folder, extra)
    source = f"{len(taken)} real + {extra} generated" if taken else f"{extra} generated"
    return folder, f"{count} execution CSVs ({source})"


def worker_settings(settings: Settings, index: int) -> Settings:
    """With object storage, each worker is another machine: a data directory of its own."""
    if not settings.storage_url:
        return settings
    return settings.model_copy(update={"data_dir": settings.data_dir.parent / f"worker{index}-data"})


def one_backfill(settings: Settings, workers: int, folder: Path = FILES) -> tuple[float, int]:
    """Seconds from submitting a backfill of ``folder``'s files (storing them, queueing the runs) until its last
    run has finished, with ``workers`` workers already running (as under ``workbench serve``); and the files."""
    from rq import Worker

    from workbench.engine.infra.redis_conn import get_redis

    procs = [subprocess.Popen([sys.executable, "-m", "workbench.cli", "worker", "--queues=backfills"],
                              env=env_of(worker_settings(settings, i)), cwd=ROOT) for i in range(workers)]
    try:
        deadline = time.monotonic() + 60
        while len(Worker.all(connection=get_redis(settings))) < workers:
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not start")
            time.sleep(0.1)
        files = backfills.expand_files(str(folder))
        t0 = time.perf_counter()
        started = backfills.start_backfill("dipres_ejecucion", files, params={"anio": "2017"}, force=True,
                                          settings=settings)
        while (status := backfills.backfill_status(started.id, settings)).status == "running":
            time.sleep(0.02)
        elapsed = time.perf_counter() - t0
        assert status.progress["succeeded"] == len(files), status.progress
        return elapsed, len(files)
    finally:
        for p in procs:
            p.send_signal(signal.SIGINT)
        for p in procs:
            p.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://root@127.0.0.1:5432/postgres")
    parser.add_argument("--storage", default="local,s3", help="comma-separated: local, s3 (default: both)")
    parser.add_argument("--workers", default="1,2,4", help="comma-separated worker counts (default: 1,2,4)")
    parser.add_argument("--files", type=int, default=40, help="files per backfill (default: 40)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="3 generated files, one run: checks the benchmark works")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-"))
    xlsx = XLSX
    storages = [s.strip() for s in args.storage.split(",") if s.strip()]
    counts = [int(n) for n in args.workers.split(",") if n.strip()]
    if args.smoke:
        from tests.data.workbench.generate import program_report_xlsx

        args.repeat, args.store, counts = 1, "sqlite", [1, 2]
        folder, source = bench_files(tmp / "files", 3, None)
        xlsx = program_report_xlsx(tmp / "programa_2017.xlsx", large=300)
    else:
        folder, source = bench_files(tmp / "files", args.files, FILES)
    if "s3" in storages and args.store == "sqlite" and not args.smoke:
        print("note: --storage s3 with SQLite: the workers still share the SQLite file (use PostgreSQL for a cluster)")
    specs = tmp / "specs"
    specs.mkdir()
    for name in ("dipres_ejecucion.yaml", "dipres_programa_xlsx.yaml"):
        shutil.copy(ROOT / "specs" / name, specs)
    rates: dict[tuple[str, int], float] = {}
    cold, hot = [], []
    with contextlib.ExitStack() as stack:
        endpoint = stack.enter_context(moto_server(tmp / "moto.log")) if "s3" in storages else None
        if endpoint:
            create_bucket(endpoint, "workbench-bench")
        redis = EmbeddedRedis()
        redis_url = redis.start(tmp / "redis-home")
        stack.callback(redis.stop)
        for storage in storages:
            db_url, drop = _database(args, tmp, storage)
            stack.callback(drop)
            settings = Settings(data_dir=tmp / storage / "data", database_url=db_url, redis_url=redis_url,
                                specs_dir=specs)
            if storage == "s3":
                settings = settings.model_copy(update={
                    "storage_url": f"s3://workbench-bench/{uuid.uuid4().hex[:8]}", "storage_endpoint_url": endpoint,
                    "storage_region": "us-east-1"})
            upgrade(db_url)
            if not args.smoke:
                one_backfill(settings, 1, folder)  # warm-up: imports, page cache, first connections
            for workers in counts:
                runs = [one_backfill(settings, workers, folder) for _ in range(args.repeat)]
                rates[storage, workers] = runs[0][1] / statistics.median(t for t, _ in runs)
            if storage == storages[0] and xlsx.exists():
                cold, hot = _preview_cache(settings, specs, xlsx, args.repeat)
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"store: {args.store}; Redis: embedded; S3: moto server on 127.0.0.1; medians of {args.repeat} backfills "
          f"of {source}; {os.cpu_count()} cores")
    rows = []
    for storage in storages:
        base = rates[storage, counts[0]]
        where = "local disk" if storage == "local" else "S3, no shared disk"
        for workers in counts:
            rate = rates[storage, workers]
            target, ok = (">= 10 files/s", rate >= 10) if workers == 2 else ("-", None)
            speedup = "" if workers == counts[0] else f" ({rate / base:.2f}x)"
            rows.append((f"backfill, {workers} worker{'s' if workers > 1 else ''}, {where}", target,
                         f"{rate:.1f} files/s{speedup}", ok))
    if cold:
        c, h = statistics.median(cold), statistics.median(hot)
        size = "5 MB" if xlsx == XLSX else "small"
        rows += [(f"{size} xlsx preview, cold (computed + stored)", "-", f"{c:.0f} ms", None),
                 (f"{size} xlsx preview, cache hit", "<= 50 ms", f"{h:.1f} ms", h <= 50),
                 ("cold / hit", "-", f"{c / h:.0f}x", None)]
    print_table(rows)


def _database(args: argparse.Namespace, tmp: Path, storage: str) -> tuple[str, Any]:
    """A throw-away database for one storage mode, and how to drop it."""
    if args.store == "sqlite":
        return f"sqlite:///{tmp}/bench-{storage}.db", lambda: None
    name = f"wb_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    db_url = sa.engine.make_url(args.pg_admin_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        dispose_engines(db_url)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return db_url, drop


def _preview_cache(settings: Settings, specs: Path, xlsx: Path, repeat: int) -> tuple[list[float], list[float]]:
    spec = api.parse_spec((specs / "dipres_programa_xlsx.yaml").read_text(), "dipres_programa_xlsx.yaml")
    data = xlsx.read_bytes()
    cold, hot = [], []
    for i in range(repeat):
        fresh = settings.model_copy(update={"cache_ttl_s": 3600})
        t0 = time.perf_counter()
        doc = previews.preview_cached(data, spec, filename=f"x{i}_2017.xlsx", params={"anio": str(2017)},
                                      sample_rows=20 + i, settings=fresh)  # sample_rows varies: a cold key
        cold.append((time.perf_counter() - t0) * 1000)
        assert doc["cache"]["hit"] is False
        for _ in range(5):
            t0 = time.perf_counter()
            doc = previews.preview_cached(data, spec, filename=f"x{i}_2017.xlsx", params={"anio": "2017"},
                                          sample_rows=20 + i, settings=fresh)
            hot.append((time.perf_counter() - t0) * 1000)
            assert doc["cache"]["hit"] is True
    return cold, hot


if __name__ == "__main__":
    main()
