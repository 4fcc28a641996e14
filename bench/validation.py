"""Validation benchmark (issues 5 and 15): QA at the cost of the data, GX as the reference.

    .venv/bin/python bench/validation.py [--repeat 7] [--smoke]

Three measures, each printed beside its target:

1. A 200k-row silver-like DIPRES table (long: one row per code and measure, decimal128 ``monto``, provenance
   columns) built in memory, 404 programs x 5 subtítulos x 4 items x 7 asignaciones x 3 measures, with a few
   inconsistent items and malformed codes, through 15 expectations (13 core, both custom checks): the
   vectorised path (the default) and GX itself (``engine="gx"``), and their ratio.
2. The 5 MB execution CSV of bench/run.py (generated into bench/out/ once): the preview's read+steps against
   the QA stage over its layers with the spec's 16 expectations (target: QA <= 0.5x read+steps).
3. The first 30 rows of that file: QA in a warm process (target: <= 15 ms).

Medians after a warm-up (which imports GX for the GX column). ``--smoke``: tiny inputs, one run each
(tests/integration/test_bench_smoke.py runs it so that the benchmark cannot rot).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.data.workbench.generate import execution_csv  # noqa: E402
from workbench.engine.core.preview import preview_file  # noqa: E402
from workbench.engine.core.spec.loader import load_spec  # noqa: E402
from workbench.engine.core.table import Table  # noqa: E402
from workbench.engine.core.validation import ExpectationSpec, validate  # noqa: E402
from _report import print_table  # noqa: E402  (bench/ is on sys.path: the script's folder)

TARGET_S = 0.5  # the 200k-row table through 15 expectations, seconds
TARGET_QA_SHARE = 0.5  # QA of the 5 MB preview / its read+steps
TARGET_SMALL_MS = 15.0  # QA of a 30-row file in a warm process
CSV = ROOT / "bench" / "out" / "ejecucion_2017_abril_5mb.csv"  # the file bench/run.py measures
CSV_NAME = "ejecucion_2017_abril.csv"  # the period parameter comes from the name
MEASURES = ("presupuesto_inicial", "presupuesto_vigente", "ejecucion_acumulada")
LEVELS = ["subtitulo", "item", "asignacion"]
SUBTITULOS, ITEMS, ASIGNACIONES = (5, 21, 22, 24, 29), 4, 7
BROKEN_ITEMS = 12  # items whose asignaciones no longer add up
BAD_CODES = 30  # rows whose partida is not two digits


def wide_program_rows(programs: int, rng: np.random.Generator) -> pd.DataFrame:
    """One row per code (subtítulo, item, asignación) per program; parents are the exact sums of children."""
    per_item = ASIGNACIONES + 1
    per_sub = 1 + ITEMS * per_item
    per_prog = len(SUBTITULOS) * per_sub
    n = programs * per_prog
    prog = np.repeat(np.arange(programs), per_prog)
    k = np.tile(np.arange(per_prog), programs)
    sub_i, r = np.divmod(k, per_sub)
    item_i, a = np.divmod(np.maximum(r - 1, 0), per_item)
    nivel = np.where(r == 0, "subtitulo", np.where(a == 0, "item", "asignacion"))
    leaf = rng.integers(0, 10**9, size=(n, 3)) * 1000 + rng.integers(0, 1000, size=(n, 3))  # thousandths
    leaf[nivel != "asignacion"] = 0
    # parents = exact sums of their children (items of asignaciones, subtítulos of items)
    item_key = np.where(nivel == "subtitulo", -1, prog * 1000 + sub_i * 10 + item_i)
    sums = pd.DataFrame(leaf).groupby(item_key).transform("sum").to_numpy()
    is_item = nivel == "item"
    leaf[is_item] = sums[is_item]
    sub_key = prog * 100 + sub_i
    item_vals = np.where(is_item[:, None], leaf, 0)
    sub_sums = pd.DataFrame(item_vals).groupby(sub_key).transform("sum").to_numpy()
    leaf[nivel == "subtitulo"] = sub_sums[nivel == "subtitulo"]
    broken = rng.choice(np.flatnonzero(is_item), BROKEN_ITEMS, replace=False)
    leaf[broken, 2] += 1000
    codes = lambda v, w: pd.Series(v).astype(str).str.zfill(w)  # noqa: E731
    df = pd.DataFrame({
        "partida": codes(prog // 48 + 1, 2), "capitulo": codes(prog // 6 % 8 + 1, 2),
        "programa": codes(prog % 6 + 1, 2),
        "subtitulo": codes(np.asarray(SUBTITULOS)[sub_i], 2),
        "item": codes(item_i + 1, 2).where(r != 0, None),
        "asignacion": codes(a, 3).where(a != 0, None).where(r != 0, None),
        "nivel": nivel, "moneda": "CLP", "periodo": "2017-04",
    })
    for j, measure in enumerate(MEASURES):
        df[measure] = leaf[:, j]
    df["_raw_row"] = np.arange(2, n + 2)
    return df


def thousandths(unscaled: np.ndarray) -> pa.Array:
    """decimal128(38, 3) from int64 thousandths, exactly (a decimal128 is its unscaled 128-bit integer)."""
    words = np.empty((len(unscaled), 2), dtype=np.int64)
    words[:, 0], words[:, 1] = unscaled, unscaled >> 63  # little-endian low word, sign-extended high word
    return pa.Array.from_buffers(pa.decimal128(38, 3), len(unscaled), [None, pa.py_buffer(words.tobytes())])


def silver_table(programs: int = 404, seed: int = 5) -> tuple[Table, dict]:
    rng = np.random.default_rng(seed)
    wide = wide_program_rows(programs, rng)
    long = wide.melt(id_vars=[c for c in wide.columns if c not in MEASURES], value_vars=list(MEASURES),
                     var_name="medida", value_name="monto")
    order = np.argsort(np.tile(np.arange(len(wide)), 3), kind="stable")
    long = long.iloc[order].reset_index(drop=True)
    long["monto"] = pd.Series(pd.arrays.ArrowExtensionArray(thousandths(long["monto"].astype("int64").to_numpy())))
    long["_raw_col"] = long["medida"].map({"presupuesto_inicial": "I", "presupuesto_vigente": "J",
                                           "ejecucion_acumulada": "K"})
    for column in ("partida", "capitulo", "programa", "subtitulo", "item", "asignacion", "nivel", "moneda",
                   "periodo", "medida", "_raw_col"):
        long[column] = long[column].astype("str")
    bad = rng.choice(len(long), BAD_CODES, replace=False)
    long.loc[bad, "partida"] = "5"
    subs = long[(long["nivel"] == "subtitulo") & (long["medida"] == "ejecucion_acumulada")]
    amounts = np.array([Decimal(v) for v in subs["monto"].astype(str)], dtype=object)
    ingresos = subs["subtitulo"].astype(int) < 20
    resultado = amounts[ingresos.to_numpy()].sum() - amounts[~ingresos.to_numpy()].sum()
    origins = {"partida": "A", "capitulo": "B", "programa": "C", "subtitulo": "D", "item": "E", "asignacion": "F",
               "moneda": "G"}
    text = f"{resultado:,.3f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return Table(long, origins=origins), {"resultado": {"value": text, "row": len(subs) + 2, "column": "K"}}


def suite() -> list[ExpectationSpec]:
    measures = list(MEASURES)
    balance = [{"column": "medida", "equals": "ejecucion_acumulada"}, {"column": "nivel", "equals": "subtitulo"}]
    entries = [
        {"type": "expect_table_row_count_to_be_between", "min_value": 1},
        {"type": "expect_table_columns_to_match_set", "column_set": ["partida", "capitulo", "programa", "subtitulo",
         "item", "asignacion", "nivel", "moneda", "periodo", "medida", "monto"]},
        {"type": "expect_column_values_to_not_be_null", "column": "partida"},
        {"type": "expect_column_values_to_not_be_null", "column": "subtitulo"},
        {"type": "expect_column_values_to_not_be_null", "column": "monto"},
        {"type": "expect_column_values_to_match_regex", "column": "partida", "regex": r"^\d{2}$"},
        {"type": "expect_column_values_to_match_regex", "column": "subtitulo", "regex": r"^\d{2}$"},
        {"type": "expect_column_values_to_match_regex", "column": "asignacion", "regex": r"^\d{3}$"},
        {"type": "expect_column_values_to_be_in_set", "column": "moneda", "value_set": ["CLP", "USD"]},
        {"type": "expect_column_values_to_be_in_set", "column": "nivel", "value_set": LEVELS},
        {"type": "expect_column_values_to_be_in_set", "column": "medida", "value_set": measures},
        {"type": "expect_column_values_to_be_between", "column": "monto", "min_value": -1e13, "max_value": 1e13},
        {"type": "expect_column_values_to_match_regex", "column": "periodo", "regex": r"^\d{4}-\d{2}$",
         "severity": "warning"},
        {"type": "expect_hierarchy_consistency", "levels": LEVELS, "group_by": ["partida", "capitulo", "programa",
         "moneda"], "measure_column": "medida", "value_column": "monto"},
        {"type": "expect_control_total", "control": "resultado", "terms": [
            {"column": "monto", "where": {"all": [*balance, {"column": "subtitulo", "lt": 20}]}},
            {"column": "monto", "sign": -1, "where": {"all": [*balance, {"column": "subtitulo", "ge": 20}]}}]},
    ]
    return [ExpectationSpec.model_validate({**e, "id": f"silver.{i}"}) for i, e in enumerate(entries, start=1)]


def median_ms(func: Callable[[], Any], repeat: int) -> float:
    return paired_ms([func], repeat)[0]


def paired_ms(funcs: list[Callable[[], Any]], repeat: int) -> list[float]:
    """The median wall time of each function, run in turn (a, b, a, b, ...) after a warm-up, so that the
    machine's noise hits them alike."""
    for func in funcs:
        func()
    times: list[list[float]] = [[] for _ in funcs]
    for _ in range(repeat):
        for func, out in zip(funcs, times):
            t0 = time.perf_counter()
            func()
            out.append((time.perf_counter() - t0) * 1000)
    return [statistics.median(t) for t in times]


def cpu_ms(func: Callable[[], Any], repeat: int) -> float:
    """The median CPU time of the process (all threads) for one call: what the call costs on a busy machine."""
    func()
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        func()
        times.append((time.process_time() - t0) * 1000)
    return statistics.median(times)


def execution_file(smoke: bool) -> bytes:
    """The 5 MB execution CSV of bench/run.py (generated once), or a tiny one for --smoke."""
    programs = [(f"{p:02d}", f"{c:02d}", f"{g:02d}") for p in range(1, 31) for c in range(1, 9) for g in range(1, 7)]
    if smoke:
        return execution_csv(programs[:2])
    if not CSV.exists():
        CSV.parent.mkdir(parents=True, exist_ok=True)
        CSV.write_bytes(execution_csv(programs))
    return CSV.read_bytes()


def head(data: bytes, lines: int) -> bytes:
    return b"\n".join(data.split(b"\n")[:lines]) + b"\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="tiny inputs, one run: checks the benchmark works "
                        "(tests/integration/test_bench_smoke.py)")
    args = parser.parse_args()
    if args.smoke:
        args.repeat = 1
    rows: list[tuple[str, str, str, bool | None]] = []

    table, totals = silver_table(programs=4 if args.smoke else 404)
    expectations, layers = {"silver": suite()}, {"silver": table}
    fast_ms = median_ms(lambda: validate(layers, expectations, control_totals=totals), args.repeat)
    gx_ms = median_ms(lambda: validate(layers, expectations, control_totals=totals, engine="gx"), args.repeat)
    report = validate(layers, expectations, control_totals=totals)
    failing = {r.id: r.unexpected_count for r in report.results if not r.passed}
    label = f"{len(table.df):,} rows, 15 expectations"
    rows += [(f"validate(), {label}, vectorised", f"<= {TARGET_S * 1000:.0f} ms", f"{fast_ms:.0f} ms",
              fast_ms <= TARGET_S * 1000),
             (f"validate(), {label}, GX (WORKBENCH_QA_ENGINE=gx)", "-", f"{gx_ms:.0f} ms", None),
             ("vectorised / GX", "< 1", f"{fast_ms / gx_ms:.2f}x", fast_ms < gx_ms)]

    spec = load_spec(ROOT / "specs" / "dipres_ejecucion.yaml")
    bare = spec.model_copy(update={"expectations": {}})
    data = execution_file(args.smoke)
    preview = preview_file(data, bare, filename=CSV_NAME)
    steps = lambda: preview_file(data, bare, filename=CSV_NAME)  # noqa: E731
    qa = lambda p=preview: validate(p.tables, spec.expectations, control_totals=p.control_totals)  # noqa: E731
    steps_ms, qa_ms = paired_ms([steps, qa], args.repeat)
    steps_cpu, qa_cpu = cpu_ms(steps, args.repeat), cpu_ms(qa, args.repeat)
    qa_gx_ms = median_ms(lambda: validate(preview.tables, spec.expectations, control_totals=preview.control_totals,
                                          engine="gx"), args.repeat)
    size = f"{len(data) / 1e6:.1f} MB execution CSV" if len(data) > 1e6 else f"{len(data) / 1e3:.0f} kB execution CSV"
    rows += [(f"{size}: read+steps (preview without QA)", "-", f"{steps_ms:.0f} ms", None),
             (f"{size}: QA, 16 expectations, vectorised", "-", f"{qa_ms:.0f} ms", None),
             (f"{size}: QA / read+steps", f"<= {TARGET_QA_SHARE}x", f"{qa_ms / steps_ms:.2f}x",
              qa_ms / steps_ms <= TARGET_QA_SHARE),
             (f"{size}: QA / read+steps, CPU time", f"<= {TARGET_QA_SHARE}x", f"{qa_cpu / steps_cpu:.2f}x",
              qa_cpu / steps_cpu <= TARGET_QA_SHARE),
             (f"{size}: QA with GX (reference)", "-", f"{qa_gx_ms:.0f} ms", None)]

    small = preview_file(head(data, 31), bare, filename=CSV_NAME)
    small_qa = lambda: validate(small.tables, spec.expectations, control_totals=small.control_totals)  # noqa: E731
    small_ms = median_ms(small_qa, 1 if args.smoke else max(args.repeat, 31))
    small_cpu = cpu_ms(small_qa, 1 if args.smoke else max(args.repeat, 31))
    small_gx_ms = median_ms(lambda: validate(small.tables, spec.expectations, control_totals=small.control_totals,
                                             engine="gx"), args.repeat)
    rows += [("30-row file: QA in a warm process, vectorised", f"<= {TARGET_SMALL_MS:.0f} ms", f"{small_ms:.1f} ms",
              small_ms <= TARGET_SMALL_MS),
             ("30-row file: the same, CPU time", f"<= {TARGET_SMALL_MS:.0f} ms", f"{small_cpu:.1f} ms",
              small_cpu <= TARGET_SMALL_MS),
             ("30-row file: QA with GX (reference)", "-", f"{small_gx_ms:.1f} ms", None)]

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"silver table: {len(table.df):,} rows, status {report.status}, failing {failing}; medians of "
          f"{args.repeat} runs; load average {load:.1f} on {os.cpu_count()} CPUs (wall times grow with it, CPU "
          "times much less)")
    print_table(rows)


if __name__ == "__main__":
    main()
