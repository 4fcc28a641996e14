"""Data Docs benchmark (issue 5 item 4): time to build one run's offline page, and whether it stays flat as
the site's history grows (GX's own build_data_docs() went from 0.25 s at 9 results to 0.63 s at 49).

    .venv/bin/python bench/datadocs.py [--rows 20000] [--bad-rows 2000] [--history 10 200] [--repeat 7]

The result is realistic: 3 layers (bronze, silver, gold), 18 expectations (15 core validated with
result_format=COMPLETE, plus 2 results shaped like our custom types and 1 of an unknown type) on a budget-like table
where several expectations fail with thousands of unexpected rows. Sites are pre-populated by calling the
builder itself; builds into the small and the large site alternate so drift hits both alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.engine.core.validation.docs import build_run_docs  # noqa: E402
from workbench.engine.core.validation.docs.sample import sample_results  # noqa: E402

TARGET_S = 0.3
FLAT_RATIO = 1.25


from workbench.engine.app import access as _access  # noqa: E402
from _report import print_table  # noqa: E402  (bench/ is on sys.path: the script's folder)
_access.set_process_default(_access.SYSTEM)  # benchmarks act as the local operator, like the CLI


def populate(out: Path, results: dict, runs: int) -> None:
    for run_id in range(1, runs + 1):
        build_run_docs(results, run_id=run_id, title=f"history run {run_id}", out_dir=out, meta={"dataset": "bench"})


def timed_build(out: Path, results: dict, run_id: int) -> float:
    start = time.perf_counter()
    build_run_docs(results, run_id=run_id, title=f"new run {run_id}", out_dir=out, meta={"dataset": "bench"})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--bad-rows", type=int, default=2_000)
    parser.add_argument("--history", type=int, nargs=2, default=[10, 200], metavar=("SMALL", "LARGE"))
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="tiny inputs, one run: checks the benchmark works (tests/integration/test_bench_smoke.py)")
    args = parser.parse_args()
    if args.smoke:
        args.rows, args.bad_rows, args.history, args.repeat = 200, 20, [1, 3], 1

    results = sample_results(rows=args.rows, bad_rows=args.bad_rows, custom=True)
    evaluated = sum(r["statistics"]["evaluated_expectations"] for r in results.values())
    failed = sum(r["statistics"]["unsuccessful_expectations"] for r in results.values())
    size_kb = len(json.dumps(results)) / 1024
    small_n, large_n = args.history
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "small", Path(tmp) / "large"
        t0 = time.perf_counter()
        populate(small, results, small_n)
        populate(large, results, large_n)
        populate_s = time.perf_counter() - t0
        times_small, times_large = [], []
        for i in range(args.repeat):
            times_small.append(timed_build(small, results, 10_000 + i))
            times_large.append(timed_build(large, results, 10_000 + i))
        page_kb = (large / "runs" / "10000" / "index.html").stat().st_size / 1024

    med_small, med_large = statistics.median(times_small), statistics.median(times_large)
    ratio = med_large / med_small
    rows = [
        (f"build one run, history {small_n} (median of {args.repeat})", f"<= {TARGET_S} s", f"{med_small:.3f} s",
         med_small <= TARGET_S),
        (f"build one run, history {large_n} (median of {args.repeat})", f"<= {TARGET_S} s", f"{med_large:.3f} s",
         med_large <= TARGET_S),
        (f"ratio history {large_n} / {small_n}", f"<= {FLAT_RATIO}x", f"{ratio:.2f}x", ratio <= FLAT_RATIO),
    ]
    print(f"result: 3 layers, {evaluated} expectations ({failed} failing), {args.rows:,} rows, "
          f"{args.bad_rows:,} bad rows, {size_kb:,.0f} KB of JSON; page {page_kb:,.0f} KB; "
          f"pre-populating {small_n + large_n} runs took {populate_s:.1f} s")
    print_table(rows, sep=" | ")
    if args.json:
        print(json.dumps({"small_s": times_small, "large_s": times_large}, indent=2))


if __name__ == "__main__":
    main()
