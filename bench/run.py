"""Preview benchmarks (issues 2 and 15): the preview of 1, 5 and 50 MB DIPRES-like CSVs and workbooks against the
bare fastest read of the same file, in process and as a whole ``workbench preview ... --json`` process.

    ./dev bench            # or: .venv/bin/python bench/run.py [--repeat 11] [--sizes 1,5,50] [--smoke] [--json]

Generates (once, cached in bench/out/) latin-1 ``;`` execution CSVs and xlsx program reports (one big program,
12 columns) of about 1, 5 and 50 MB (the 50 MB workbook takes openpyxl a few minutes, once). For each format and
size it prints, target beside measurement:

- in process: the bare read and the preview without QA (read + steps + timeline), medians of alternating pairs
  and the median of their per-pair ratio (warm: the allocator reuses the previous run's pages);
- a fresh process previewing the file once (what a CLI call pays, every page new): the preview's time, the peak
  RSS and the part the data adds (peak minus the RSS before the preview), the bare read's peak beside it;
- whole process: ``workbench preview <spec> <file> --json`` with the spec as written (QA included) and with its
  expectations removed (what the read and the steps cost on their own), wall time (CPU time beside it: steadier
  when other work shares the machine) and peak RSS, and the bare read as a process (python + pandas or
  fastexcel, nothing else) for the ratio;
- linearity: the 50 MB file's first-preview time and data memory over the 5 MB file's, against their size ratio;
- with QA in process (GX warm, 5 MB): the QA stage against read + steps.

Medians, not means: these 2-core machines are noisy. ``--smoke`` runs every measure once on tiny files in a
temporary folder (what tests/integration/test_bench_smoke.py runs, so the benchmark cannot silently break).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import fastexcel
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SPECS = ROOT / "specs"
sys.path.insert(0, str(ROOT))

from tests.data.workbench.generate import execution_csv, program_report_xlsx  # noqa: E402
from workbench.engine import api  # noqa: E402

api.set_process_default(api.SYSTEM)  # benchmarks act as the local operator, like the CLI

SLUGS = {"csv": "dipres_ejecucion", "xlsx": "dipres_programa_xlsx"}
#: programs in the execution CSV (~3,800 bytes each) and rows in the workbook (~78 bytes each), per size in MB
CSV_PROGRAMS = {1: 288, 5: 1_440, 50: 13_000}
XLSX_ROWS = {1: 14_400, 5: 72_000, 50: 620_000}
SMOKE_CSV_PROGRAMS = {1: 2, 5: 6, 50: 20}
SMOKE_XLSX_ROWS = {1: 100, 5: 300, 50: 1_000}
#: whole-process runs per measure (the 50 MB ones: fewer)
PROCESS_RUNS = 5
#: linear in size: the 50 MB file may cost at most this much more per MB than the 5 MB one
LINEAR_SLACK = 1.2


@dataclass
class Row:
    measure: str
    target: str
    measured: str
    bare: str = ""
    ratio: str = ""
    ok: bool | None = None


#: the 5 MB files, under the names bench/load.py uses too (``make_files``)
XLSX = OUT / "programa_ejecucion_2017_5mb.xlsx"
CSV = OUT / "ejecucion_2017_abril_5mb.csv"
_PROGRAMS = [(f"{p:02d}", f"{c:02d}", f"{g:02d}") for p in range(1, 100) for c in range(1, 100) for g in range(1, 10)]


def _write_csv(path: Path, programs: int) -> None:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(execution_csv(_PROGRAMS[:programs]))


def _write_xlsx(path: Path, rows: int) -> None:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"generating {path.name} (openpyxl write, once) ...", file=sys.stderr, flush=True)
        program_report_xlsx(path, large=rows, zero_codes=True)


def make_files(xlsx: Path = XLSX, csv: Path = CSV, *, smoke: bool = False) -> None:
    """The 5 MB workbook and CSV (once); ``smoke``: a few hundred rows each (bench/load.py uses them too)."""
    _write_xlsx(xlsx, (SMOKE_XLSX_ROWS if smoke else XLSX_ROWS)[5])
    _write_csv(csv, (SMOKE_CSV_PROGRAMS if smoke else CSV_PROGRAMS)[5])


def make_sized_files(out: Path, sizes: list[int], *, smoke: bool = False) -> dict[tuple[str, int], Path]:
    """The benchmark's files of these sizes, generated once: ``{(format, MB): path}``. File names carry the
    year (the specs' ``anio`` parameter comes from the name)."""
    files: dict[tuple[str, int], Path] = {}
    programs, rows = (SMOKE_CSV_PROGRAMS, SMOKE_XLSX_ROWS) if smoke else (CSV_PROGRAMS, XLSX_ROWS)
    for mb in sizes:
        _write_csv(path := out / f"ejecucion_2017_abril_{mb}mb.csv", programs[mb])
        files["csv", mb] = path
        _write_xlsx(path := out / f"programa_ejecucion_2017_{mb}mb.xlsx", rows[mb])
        files["xlsx", mb] = path
    return files


def specs_without_qa(folder: Path) -> Path:
    """A specs folder with the benchmark's specs, their expectations removed (the read and the steps alone)."""
    folder.mkdir(parents=True, exist_ok=True)
    for slug in SLUGS.values():
        spec = yaml.safe_load((SPECS / f"{slug}.yaml").read_text(encoding="utf-8"))
        spec.pop("expectations", None)
        text = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)
        (folder / f"{slug}.yaml").write_text(text, encoding="utf-8")
    return folder


# --- measuring -------------------------------------------------------------------------------------------


def _ms(func: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    func()
    return (time.perf_counter() - t0) * 1000


def paired_medians(bare: Callable[[], Any], full: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    """Median of the bare read, of the full preview, and of their per-pair ratio. Runs alternate (bare,
    full, bare, full, ...) so that the machine's noise hits both sides alike."""
    bare(), full()  # warm-up (imports, caches)
    pairs = [(_ms(bare), _ms(full)) for _ in range(repeat)]
    return (statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs),
            statistics.median(p[1] / p[0] for p in pairs))


_HWM = ("def _hwm():\n"
        "    status = open('/proc/self/status').read().split('\\n')\n"
        "    kb = {l.split(':')[0]: int(l.split()[1]) for l in status if l.startswith(('VmHWM', 'VmRSS'))}\n"
        "    return kb['VmHWM'] / 1024, kb['VmRSS'] / 1024\n")


@dataclass
class Child:
    wall: float  # seconds
    cpu: float  # seconds of CPU (user + system): steadier than wall time on a shared machine
    stdout: str
    stderr: str


def _python(code: str, *args: str) -> Child:
    """Run ``code`` in a fresh interpreter. Peak memory is read by the child itself (VmHWM): the parent's
    ``ru_maxrss`` for children carries this script's own peak across the fork (CPU times are the child's)."""
    before, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT)
    wall, after = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Child(wall, cpu, done.stdout, done.stderr)


def fresh_preview(path: Path, slug: str, runs: int) -> tuple[float, float, float]:
    """Medians over ``runs`` fresh processes that import the engine and preview ``path`` once without QA:
    (the preview's seconds, peak RSS, the part the preview added: peak minus the RSS before it). A first
    preview in a new process is what a CLI call pays (every page it touches is new)."""
    code = (  # a fresh process acts as nobody until told: the local operator, like this script (and the CLI)
        "import time\n" + _HWM + "from workbench.engine import api\n"
        "api.set_process_default(api.SYSTEM)\n"
        f"spec = api.load_spec(api.find_spec({slug!r}, {str(SPECS)!r}))\n"
        "spec = spec.model_copy(update={'expectations': {}})\n"
        "before = _hwm()[1]\n"
        "started = time.perf_counter()\n"
        f"api.preview_path({str(path)!r}, spec)\n"
        "print(time.perf_counter() - started, _hwm()[0], before)\n"
    )
    got = [tuple(map(float, _python(code).stdout.split()[-3:])) for _ in range(runs)]
    seconds, peak = statistics.median(g[0] for g in got), statistics.median(g[1] for g in got)
    return seconds, peak, statistics.median(g[1] - g[2] for g in got)


def bare_code(fmt: str) -> str:
    """The bare read as a program: the fastest plain read of the file, every cell as text, nothing else."""
    read = ("import pandas as pd\n"
            "pd.read_csv(sys.argv[1], sep=';', encoding='latin-1', dtype=str, keep_default_na=False)\n"
            if fmt == "csv" else
            "import fastexcel\n"
            "fastexcel.read_excel(sys.argv[1]).load_sheet(0, header_row=None, dtypes='string').to_arrow()\n")
    return "import sys\n" + _HWM + read + "print(*_hwm())\n"


def bare_peak_rss_mb(fmt: str, path: Path) -> float:
    return float(_python(bare_code(fmt), str(path)).stdout.split()[0])


CLI_CODE = ("import atexit, sys\n" + _HWM +
            "atexit.register(lambda: sys.stderr.write(f'\\nVMHWM {_hwm()[0]}\\n'))\n"
            "from workbench.cli.main import main\n"
            "sys.argv[0] = 'workbench'\n"
            "main()\n")


def cli_runs(args: list[str], runs: int) -> tuple[float, float, float]:
    """Median wall seconds, CPU seconds and peak RSS (MB) of ``workbench <args>`` as a whole process (the
    console script's ``main``, plus a line at exit that reports the peak)."""
    children = [_python(CLI_CODE, *args) for _ in range(runs)]
    for child in children:
        json.loads(child.stdout)  # the document was written whole
    return (statistics.median(c.wall for c in children), statistics.median(c.cpu for c in children),
            statistics.median(float(c.stderr.rsplit("VMHWM ", 1)[1].split()[0]) for c in children))


def bare_runs(fmt: str, path: Path, runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of the bare read as a process."""
    children = [_python(bare_code(fmt), str(path)) for _ in range(runs)]
    return statistics.median(c.wall for c in children), statistics.median(c.cpu for c in children)


# --- the report --------------------------------------------------------------------------------------------


TARGETS_IN_PROCESS = {("xlsx", 5): (800, 2.0), ("csv", 5): (300, None)}  # issue 2: ms, ratio to the bare read
TARGET_RSS_MB = {("xlsx", 5): 400}  # issue 2: peak RSS of a fresh process previewing the file
TARGETS_PROCESS = {("csv", 5): (1.5, 3.0, None), ("csv", 50): (3.0, None, 1536)}  # issue 15: s, x bare, MB


def _target(parts: list[str]) -> str:
    return ", ".join(p for p in parts if p) or "-"


def measure_size(fmt: str, mb: int, path: Path, no_qa_specs: Path, repeat: int, runs: int) -> tuple[list[Row], dict]:
    data = path.read_bytes()
    spec = api.load_spec(SPECS / f"{SLUGS[fmt]}.yaml").model_copy(update={"expectations": {}})

    def bare() -> None:
        if fmt == "csv":
            pd.read_csv(io.BytesIO(data), sep=";", encoding="latin-1", dtype=str, keep_default_na=False)
        else:
            fastexcel.read_excel(data).load_sheet(0, header_row=None, dtypes="string").to_arrow()

    last: dict[str, Any] = {}

    def preview() -> None:
        last["doc"] = api.preview_file(data, spec, filename=path.name)

    name = f"{fmt} {mb} MB"
    t_bare, t_prev, ratio = paired_medians(bare, preview, repeat)
    ms_target, ratio_target = TARGETS_IN_PROCESS.get((fmt, mb), (None, None))
    ok = None if ms_target is None else t_prev <= ms_target and (ratio_target is None or ratio <= ratio_target)
    rows = [Row(f"{name} preview in process (read+steps+timeline)",
                _target([f"<= {ms_target} ms" if ms_target else "", f"<= {ratio_target}x" if ratio_target else ""]),
                f"{t_prev:,.0f} ms", f"{t_bare:,.0f} ms", f"{ratio:.2f}x", ok)]
    first, peak, added = fresh_preview(path, SLUGS[fmt], runs)
    bare_peak = bare_peak_rss_mb(fmt, path)
    rss_target = TARGET_RSS_MB.get((fmt, mb))
    rows.append(Row(f"{name} first preview in a fresh process", "-", f"{first * 1000:,.0f} ms", "", "", None))
    rows.append(Row(f"{name} preview peak RSS, fresh process (data's part)",
                    f"<= {rss_target} MB" if rss_target else "-",
                    f"{peak:,.0f} MB (+{added:,.0f})", f"{bare_peak:,.0f} MB", f"{peak / bare_peak:.2f}x",
                    None if rss_target is None else peak <= rss_target))
    wall_bare, cpu_bare = bare_runs(fmt, path, runs)
    for label, specs in (("no QA", no_qa_specs), ("with QA", SPECS)):
        wall, cpu, rss = cli_runs(["--specs-dir", str(specs), "preview", SLUGS[fmt], str(path), "--json"], runs)
        s_target, x_target, mb_target = TARGETS_PROCESS.get((fmt, mb), (None, None, None)) if label == "with QA" \
            else (None, None, None)
        checks = [wall <= s_target if s_target else None, wall / wall_bare <= x_target if x_target else None,
                  rss <= mb_target if mb_target else None]
        rows.append(Row(f"{name} `workbench preview --json` {label} (process)",
                        _target([f"<= {s_target} s" if s_target else "", f"<= {x_target}x" if x_target else "",
                                 f"<= {mb_target:,} MB" if mb_target else ""]),
                        f"{wall:.2f} s (cpu {cpu:.2f}), {rss:,.0f} MB", f"{wall_bare:.2f} s (cpu {cpu_bare:.2f})",
                        f"{wall / wall_bare:.2f}x",
                        None if all(c is None for c in checks) else all(c is not False for c in checks)))
    doc = last["doc"]
    facts = {"bytes": len(data), "raw_rows": doc.raw["row_count"], "preview_ms": t_prev, "first_ms": first * 1000,
             "added_mb": added,
             "stages_ms": doc.timings_ms}
    return rows, facts


def linearity(fmt: str, facts: dict[int, dict]) -> list[Row]:
    """The 50 MB file against the 5 MB one: time and data memory should grow no faster than the bytes."""
    if 5 not in facts or 50 not in facts:
        return []
    small, big = facts[5], facts[50]
    size = big["bytes"] / small["bytes"]
    rows = []
    for what, key in (("first preview's time", "first_ms"), ("data memory", "added_mb")):
        grown = big[key] / small[key]
        rows.append(Row(f"{fmt} 50 MB / 5 MB: {what}", f"<= {size * LINEAR_SLACK:.1f}x", f"{grown:.1f}x",
                        f"bytes {size:.1f}x", "", grown <= size * LINEAR_SLACK))
    return rows


def qa_rows(files: dict[tuple[str, int], Path], repeat: int) -> list[Row]:
    """The QA stage in process (GX or its vectorised twin warm), 5 MB: against read + steps."""
    rows = []
    for fmt in ("csv", "xlsx"):
        path = files[fmt, 5]
        data = path.read_bytes()
        with_qa = api.load_spec(SPECS / f"{SLUGS[fmt]}.yaml")
        without = with_qa.model_copy(update={"expectations": {}})
        t_steps, t_qa, _ = paired_medians(lambda: api.preview_file(data, without, filename=path.name),
                                          lambda: api.preview_file(data, with_qa, filename=path.name), repeat)
        checks = sum(len(v) for v in with_qa.expectations.values())
        extra = t_qa - t_steps
        ok = extra <= 0.5 * t_steps if fmt == "csv" else None
        rows.append(Row(f"{fmt} 5 MB QA in process ({checks} checks, warm): + over read+steps",
                        "<= 0.5x" if fmt == "csv" else "-", f"+{extra:,.0f} ms", f"{t_steps:,.0f} ms",
                        f"{extra / t_steps:.2f}x", ok))
    return rows


def print_table(rows: list[Row]) -> None:
    header = Row("measure", "target", "measured", "bare read", "ratio", None)
    fields = ("measure", "target", "measured", "bare", "ratio")
    widths = [max(len(getattr(r, f)) for r in [header, *rows]) for f in fields]
    for r in [header, *rows]:
        verdict = "result" if r is header else ("" if r.ok is None else ("PASS" if r.ok else "FAIL"))
        cells = [r.measure, r.target, r.measured, r.bare, r.ratio]
        print("  ".join([cells[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(cells[1:], widths[1:])), verdict]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=11, help="in-process pairs per measure (50 MB: a third)")
    parser.add_argument("--sizes", default="1,5,50", help="file sizes in MB, among 1, 5 and 50")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument("--smoke", action="store_true", help="tiny files, one run each: checks the benchmark works")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",")} & {1, 5, 50})
    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-run-"))
    try:
        files = make_sized_files(tmp / "files" if args.smoke else OUT, sizes, smoke=args.smoke)
        no_qa = specs_without_qa(tmp / "specs")
        rows: list[Row] = []
        facts: dict[str, dict[int, dict]] = {"csv": {}, "xlsx": {}}
        for fmt in ("csv", "xlsx"):
            for mb in sizes:
                big = mb == 50 and not args.smoke
                repeat = 1 if args.smoke else max(3, args.repeat // 3) if big else args.repeat
                runs = 1 if args.smoke else 3 if big else PROCESS_RUNS
                measured, facts[fmt][mb] = measure_size(fmt, mb, files[fmt, mb], no_qa, repeat, runs)
                rows += measured
            rows += linearity(fmt, facts[fmt])
        if 5 in sizes:
            rows += qa_rows(files, 1 if args.smoke else max(3, args.repeat // 2))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("files: " + "; ".join(f"{fmt} {mb} MB = {f['bytes'] / 1e6:.1f} MB, {f['raw_rows']:,} RAW rows"
                                for fmt in facts for mb, f in facts[fmt].items())
          + f"; in process: medians of {args.repeat} pairs (50 MB: {max(3, args.repeat // 3)}), processes: "
          f"medians of {PROCESS_RUNS} (50 MB: 3); machine: {os.cpu_count()} cores")
    print_table(rows)
    for fmt in facts:
        for mb, f in facts[fmt].items():
            print(f"{fmt} {mb} MB preview stages (ms, last run):", json.dumps(f["stages_ms"]))
    if args.json:
        print(json.dumps({"results": [r.__dict__ for r in rows], "files": facts}, indent=2, default=str))


if __name__ == "__main__":
    main()
