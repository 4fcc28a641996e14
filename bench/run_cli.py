"""One `workbench run` of a small CSV, whole process (issue 15, item 2: target <= 1.5 s), and where its time goes.

    .venv/bin/python bench/run_cli.py [--repeat 7] [--smoke]

Runs ``workbench run dipres_ejecucion examples/ejecucion_2017_abril_programa.csv --param anio=2017 --force`` as
a user does on the product's defaults (SQLite and an embedded Redis in a temporary data directory, the repository's
specs), after one warm-up run (it creates the store and the byte-code cache, in the temporary directory). Prints the median wall time and CPU
time (user + system) of the whole process beside the target; beside them, a bare process importing the libraries
a run cannot do without (pandas, pyarrow, SQLAlchemy, redis: the floor) and the median of each stage the runs
recorded in their ``timings_ms`` (read ... alerts). ``--smoke``: two runs (checks the benchmark works).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from _report import print_table  # noqa: E402  (bench/ is on sys.path: the script's folder)

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "examples" / "ejecucion_2017_abril_programa.csv"
#: Seconds a whole `workbench run` process of the small CSV may take (issue 15's table).
TARGET_S = 1.5
#: A run's stages, as its timings_ms names them (the engine's RUN_STAGES).
STAGES = ("read", "header", "steps", "qa", "outputs", "store", "lineage", "docs", "events", "alerts")
FLOOR = "import pandas, pyarrow, sqlalchemy, redis"


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + system, the child's) of one process; its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="two runs: check the benchmark works")
    args = parser.parse_args()
    repeat = 2 if args.smoke else args.repeat
    with tempfile.TemporaryDirectory(prefix="bench-run-cli-") as tmp:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("WORKBENCH_") and k != "PYTHONDONTWRITEBYTECODE"}  # an install has byte code
        env.update(WORKBENCH_DATA_DIR=str(Path(tmp) / "data"), WORKBENCH_SPECS_DIR=str(ROOT / "specs"),
                   PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"))  # compiled once, outside the checkout
        run = [str(Path(sys.executable).with_name("workbench")), "run", "dipres_ejecucion", str(CSV),
               "--param", "anio=2017", "--force", "--json"]
        timed(run, env)  # warm-up: the store created, byte code compiled
        walls, cpus, stages = [], [], {s: [] for s in STAGES}
        for _ in range(repeat):
            wall, cpu, out = timed(run, env)
            walls.append(wall)
            cpus.append(cpu)
            timings = json.loads(out)["timings_ms"]
            for stage in STAGES:
                stages[stage].append(timings.get(stage, 0.0))
        floor = [timed([sys.executable, "-c", FLOOR], env)[:2] for _ in range(repeat)]
    wall_s, cpu_s = statistics.median(walls), statistics.median(cpus)
    rows = [
        ("workbench run, whole process: wall", f"<= {TARGET_S} s", f"{wall_s:.2f} s", wall_s <= TARGET_S),
        ("workbench run, whole process: CPU", "", f"{cpu_s:.2f} s", None),
        (f"bare process: {FLOOR} (wall)", "", f"{statistics.median(w for w, _ in floor):.2f} s", None),
        ("bare process (CPU)", "", f"{statistics.median(c for _, c in floor):.2f} s", None),
        *[(f"  stage {stage}", "", f"{statistics.median(stages[stage]):.1f} ms", None) for stage in STAGES],
    ]
    print(f"{CSV.name}: {repeat} runs, medians; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print_table(rows)


if __name__ == "__main__":
    main()
