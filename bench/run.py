"""Preview benchmarks (issue 2): full preview vs the bare fastest read of the same file, same run.

    ./dev bench            # or: .venv/bin/python bench/run.py [--repeat 7] [--smoke]

Generates (once, cached in bench/out/) a ~5 MB DIPRES-like xlsx program report (~60k rows x 12 columns)
and a ~5 MB latin-1 `;` execution CSV, then prints medians, ratios and peak memory beside their targets.
Medians, not means: these 2-core machines are noisy. ``--smoke`` runs every measure once on tiny files in a
temporary folder (seconds; what tests/integration/test_bench_smoke.py runs so the benchmark cannot silently break).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from tests.data.workbench.generate import execution_csv, program_report_xlsx  # noqa: E402

XLSX = OUT / "programa_ejecucion_2017_5mb.xlsx"
CSV = OUT / "ejecucion_2017_abril_5mb.csv"


from workbench.engine.app import access as _access  # noqa: E402
_access.set_process_default(_access.SYSTEM)  # benchmarks act as the local operator, like the CLI


def make_files(xlsx: Path = XLSX, csv: Path = CSV, *, smoke: bool = False) -> None:
    """The benchmark's files (once); ``smoke``: a few hundred rows each (tests of the benchmark itself)."""
    xlsx.parent.mkdir(parents=True, exist_ok=True)
    if not xlsx.exists():
        print("generating", xlsx.name, "(openpyxl write, once) ...", file=sys.stderr)
        # ~5 MB: one big program, ~72k rows x 12 columns
        program_report_xlsx(xlsx, large=300 if smoke else 72_000, zero_codes=True)
    if not csv.exists():
        programs = [(f"{p:02d}", f"{c:02d}", f"{g:02d}") for p in range(1, 31) for c in range(1, 9) for g in range(1, 7)]
        csv.write_bytes(execution_csv(programs[:4] if smoke else programs))


def _ms(func) -> float:
    t0 = time.perf_counter()
    func()
    return (time.perf_counter() - t0) * 1000


def paired_medians(bare, full, repeat: int) -> tuple[float, float, float]:
    """Median of the bare read, of the full preview, and of their per-pair ratio. Runs alternate (bare,
    full, bare, full, ...) so that the machine's noise hits both sides alike."""
    bare(), full()  # warm-up (imports, caches)
    pairs = [(_ms(bare), _ms(full)) for _ in range(repeat)]
    return (statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs),
            statistics.median(p[1] / p[0] for p in pairs))


def peak_rss_mb(path: Path, slug: str, qa: bool = False) -> float:
    """Peak RSS (VmHWM) of a fresh process that imports the engine and previews ``path`` once. Not
    ru_maxrss: Linux carries the forking parent's peak across exec, so it would report this script's size."""
    code = (  # a fresh process acts as nobody until told: the local operator, like this script (and the CLI)
        "import sys\n"
        "from workbench.engine import api\n"
        "api.set_process_default(api.SYSTEM)\n"
        f"spec = api.load_spec(api.find_spec({slug!r}, {str(ROOT / 'specs')!r}))\n"
        + ("" if qa else "spec = spec.model_copy(update={'expectations': {}})\n") +
        f"api.preview_path({str(path)!r}, spec)\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
        "print(int(hwm) / 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument("--smoke", action="store_true", help="tiny files, one run each: checks the benchmark works")
    args = parser.parse_args()
    if args.smoke:
        import tempfile

        global XLSX, CSV
        tmp = Path(tempfile.mkdtemp(prefix="wb-bench-smoke-"))
        XLSX, CSV, args.repeat = tmp / XLSX.name, tmp / CSV.name, 1
        import atexit
        import shutil

        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    make_files(XLSX, CSV, smoke=args.smoke)

    import fastexcel
    import pandas as pd

    from workbench.engine import api

    xlsx_bytes, csv_bytes = XLSX.read_bytes(), CSV.read_bytes()
    # The preview targets (issue 2) cover read + steps + timeline: the QA stage (issue 5, GX) is measured
    # apart, with the specs' own expectations, in the rows marked "with QA".
    xlsx_qa = api.load_spec(ROOT / "specs" / "dipres_programa_xlsx.yaml")
    csv_qa = api.load_spec(ROOT / "specs" / "dipres_ejecucion.yaml")
    xlsx_spec = xlsx_qa.model_copy(update={"expectations": {}})
    csv_spec = csv_qa.model_copy(update={"expectations": {}})

    def bare_xlsx() -> None:
        fastexcel.read_excel(xlsx_bytes).load_sheet(0, header_row=None, dtypes="string").to_arrow()

    def bare_csv() -> None:
        import io

        pd.read_csv(io.BytesIO(csv_bytes), sep=";", encoding="latin-1", dtype=str, keep_default_na=False)

    def preview_xlsx() -> api.Preview:
        return api.preview_file(xlsx_bytes, xlsx_spec, filename=XLSX.name)

    def preview_csv() -> api.Preview:
        return api.preview_file(csv_bytes, csv_spec, filename=CSV.name)

    def preview_xlsx_qa() -> api.Preview:
        return api.preview_file(xlsx_bytes, xlsx_qa, filename=XLSX.name)

    def preview_csv_qa() -> api.Preview:
        return api.preview_file(csv_bytes, csv_qa, filename=CSV.name)

    doc_x, doc_c = preview_xlsx_qa(), preview_csv_qa()
    rows_x = doc_x.raw["row_count"]
    rows_c = doc_c.raw["row_count"]
    t_bare_x, t_prev_x, ratio_x = paired_medians(bare_xlsx, preview_xlsx, args.repeat)
    t_bare_c, t_prev_c, ratio_c = paired_medians(bare_csv, preview_csv, args.repeat)
    rss = peak_rss_mb(XLSX, "dipres_programa_xlsx")
    rss_qa = peak_rss_mb(XLSX, "dipres_programa_xlsx", qa=True)
    _, t_qa_x, _ = paired_medians(bare_xlsx, preview_xlsx_qa, max(3, args.repeat // 2))
    _, t_qa_c, _ = paired_medians(bare_csv, preview_csv_qa, max(3, args.repeat // 2))

    results = [
        ("xlsx bare read (fastexcel, all text)", "-", f"{t_bare_x:.0f} ms", None),
        ("xlsx full preview (read+steps+timeline)", "<= 800 ms", f"{t_prev_x:.0f} ms", t_prev_x <= 800),
        ("xlsx preview / bare read (median of pairs)", "<= 2.0x", f"{ratio_x:.2f}x", ratio_x <= 2),
        ("xlsx preview peak RSS (fresh process)", "<= 400 MB", f"{rss:.0f} MB", rss <= 400),
        ("csv bare read (pandas C, dtype=str)", "-", f"{t_bare_c:.0f} ms", None),
        ("csv full preview (read+steps+timeline)", "<= 300 ms", f"{t_prev_c:.0f} ms", t_prev_c <= 300),
        ("csv preview / bare read (median of pairs)", "-", f"{ratio_c:.2f}x", None),
        ("xlsx preview with QA (10 checks, GX warm)", "-", f"{t_qa_x:.0f} ms", None),
        ("xlsx preview with QA peak RSS (GX imported)", "-", f"{rss_qa:.0f} MB", None),
        ("csv preview with QA (16 checks, GX warm)", "-", f"{t_qa_c:.0f} ms", None),
    ]
    print(f"xlsx: {XLSX.stat().st_size / 1e6:.1f} MB, {rows_x:,} RAW rows x {len(doc_x.raw['columns'])} columns; "
          f"csv: {CSV.stat().st_size / 1e6:.1f} MB, {rows_c:,} RAW rows; medians of {args.repeat} runs")
    width = max(len(r[0]) for r in results)
    print(f"{'measure':<{width}}  {'target':>10}  {'measured':>10}  result")
    for name, target, measured, ok in results:
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        print(f"{name:<{width}}  {target:>10}  {measured:>10}  {verdict}")
    steps = {}
    for entry in doc_x.timeline:
        steps[f"{entry['layer']}[{entry['index']}] {entry['type']}"] = entry["duration_ms"]
    print("xlsx preview stages (ms, last run):", json.dumps(doc_x.timings_ms))
    print("csv preview stages (ms, last run):", json.dumps(doc_c.timings_ms))
    if args.json:
        print(json.dumps({"results": [{"measure": r[0], "target": r[1], "measured": r[2], "pass": r[3]} for r in results],
                          "xlsx_steps_ms": steps}, indent=2))


if __name__ == "__main__":
    main()
