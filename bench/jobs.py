"""Background-work benchmark (issue 4): backfill of the 29 real April-2017 execution files with 1 and 2
workers (files/s, speed-up), and the preview cache (hit vs cold) on the 5 MB xlsx.

    .venv/bin/python bench/jobs.py [--store postgresql|sqlite] [--repeat 3] [--smoke]

Uses a throw-away PostgreSQL database (or SQLite file), an embedded Redis and a temporary data directory.
Workers are real `workbench worker` processes, already running when the backfill is submitted (as under
`workbench serve`); the time runs from submitting the backfill to its last run finishing. Without the real files
(a fresh clone: they live in ../shared/data) 29 generated DIPRES-like execution CSVs stand in. ``--smoke``: 3
generated files, a tiny workbook, one repetition, SQLite (checks the benchmark works, in seconds).
"""

from __future__ import annotations

import argparse
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from workbench.engine import api  # noqa: E402
from workbench.engine.app import backfills, previews  # noqa: E402
from workbench.engine.infra.redis_embedded import EmbeddedRedis  # noqa: E402
from workbench.engine.core.settings import Settings  # noqa: E402
from workbench.engine.store.db import dispose_engines  # noqa: E402
from workbench.engine.store.migrate import upgrade  # noqa: E402

FILES = ROOT.parent / "shared" / "data" / "dipres" / "ejecucion_2017_04"
XLSX = ROOT / "bench" / "out" / "programa_ejecucion_2017_5mb.xlsx"


from workbench.engine.app import access as _access  # noqa: E402
_access.set_process_default(_access.SYSTEM)  # benchmarks act as the local operator, like the CLI


def env_of(settings: Settings) -> dict[str, str]:
    return {**os.environ, "WORKBENCH_DATABASE_URL": settings.db_url, "WORKBENCH_REDIS_URL": settings.redis_url or "",
            "WORKBENCH_DATA_DIR": str(settings.data_dir), "WORKBENCH_SPECS_DIR": str(settings.specs_dir)}


def generated_files(folder: Path, count: int) -> Path:
    """``count`` DIPRES-like April execution CSVs (distinct programs), when the real files are not there."""
    from tests.data.workbench.generate import execution_csv

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        programs = [(f"{1 + i % 30:02d}", f"{c:02d}", f"{g:02d}") for c in range(1, 3) for g in range(1, 4)]
        (folder / f"ejecucion_2017_abril_{i:02d}.csv").write_bytes(execution_csv(programs, seed=i))
    return folder


def one_backfill(settings: Settings, workers: int, folder: Path = FILES) -> tuple[float, int]:
    """Seconds from submitting a backfill of ``folder``'s files (storing them, queueing the runs) until its last
    run has finished, with ``workers`` workers already running (as under ``workbench serve``); and the files."""
    from rq import Worker

    from workbench.engine.infra.redis_conn import get_redis

    procs = [subprocess.Popen([sys.executable, "-m", "workbench.cli", "worker", "--queues=backfills"],
                              env=env_of(settings), cwd=ROOT) for _ in range(workers)]
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
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="3 generated files, one run: checks the benchmark works")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-"))
    xlsx = XLSX
    if args.smoke:
        from tests.data.workbench.generate import program_report_xlsx

        args.repeat, args.store = 1, "sqlite"
        folder = generated_files(tmp / "files", 3)
        xlsx = program_report_xlsx(tmp / "programa_2017.xlsx", large=300)
        source = "3 generated files"
    elif FILES.is_dir():
        folder, source = FILES, "29 real files"
    else:
        folder, source = generated_files(tmp / "files", 29), f"29 generated files ({FILES} not found)"
    specs = tmp / "specs"
    specs.mkdir()
    for name in ("dipres_ejecucion.yaml", "dipres_programa_xlsx.yaml"):
        shutil.copy(ROOT / "specs" / name, specs)
    admin, name = None, f"wb_bench_{uuid.uuid4().hex[:8]}"
    if args.store == "postgresql":
        admin = sa.create_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        db_url = sa.engine.make_url(args.pg_admin_url).set(database=name).render_as_string(hide_password=False)
    else:
        db_url = f"sqlite:///{tmp}/bench.db"
    redis = EmbeddedRedis()
    try:
        redis_url = redis.start(tmp / "redis-home")
        settings = Settings(data_dir=tmp / "data", database_url=db_url, redis_url=redis_url, specs_dir=specs)
        upgrade(db_url)
        if not args.smoke:
            one_backfill(settings, 1, folder)  # warm-up: imports, page cache, first connections
        rates = {}
        for workers in (1, 2):
            runs = [one_backfill(settings, workers, folder) for _ in range(args.repeat)]
            rates[workers] = runs[0][1] / statistics.median(t for t, _ in runs)
        cold, hot = [], []
        if xlsx.exists():
            spec = api.parse_spec((specs / "dipres_programa_xlsx.yaml").read_text(), "dipres_programa_xlsx.yaml")
            data = xlsx.read_bytes()
            for i in range(args.repeat):
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
    finally:
        redis.stop()
        dispose_engines(db_url)
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"store: {args.store}; Redis: embedded; medians of {args.repeat} backfills of {source}")
    print(f"{'measure':<46} {'target':>12} {'measured':>12}  result")
    rows = [
        ("backfill, 1 worker", "-", f"{rates[1]:.1f} files/s", None),
        ("backfill, 2 workers", ">= 10 files/s", f"{rates[2]:.1f} files/s", rates[2] >= 10),
        ("speed-up 2 workers / 1 worker", "-", f"{rates[2] / rates[1]:.2f}x", None),
    ]
    if cold:
        c, h = statistics.median(cold), statistics.median(hot)
        rows += [(f"{'5 MB' if xlsx == XLSX else 'small'} xlsx preview, cold (computed + stored)", "-", f"{c:.0f} ms", None),
                 (f"{'5 MB' if xlsx == XLSX else 'small'} xlsx preview, cache hit", "<= 50 ms", f"{h:.1f} ms", h <= 50),
                 ("cold / hit", "-", f"{c / h:.0f}x", None)]
    for label, target, value, ok in rows:
        print(f"{label:<46} {target:>12} {value:>12}  {'' if ok is None else ('PASS' if ok else 'FAIL')}")


if __name__ == "__main__":
    main()
