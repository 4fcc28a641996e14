"""Validation benchmark (issue 5): a 200k-row silver-like DIPRES table through 15 expectations.

    .venv/bin/python bench/validation.py [--repeat 7]

The table has the silver shape of dipres_ejecucion (long: one row per code and measure, decimal128 ``monto``,
provenance columns) built in memory: 404 programs x 5 subtítulos x 4 items x 7 asignaciones x 3 measures.
A few items are made inconsistent and a few codes malformed, so failing rows are collected too. The suite has
13 core expectations plus both custom checks. Median of the runs after a warm-up (which imports GX).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.engine.core.table import Table  # noqa: E402
from workbench.engine.core.validation import ExpectationSpec, validate  # noqa: E402

TARGET_S = 0.5
MEASURES = ("presupuesto_inicial", "presupuesto_vigente", "ejecucion_acumulada")
LEVELS = ["subtitulo", "item", "asignacion"]
SUBTITULOS, ITEMS, ASIGNACIONES = (5, 21, 22, 24, 29), 4, 7
BROKEN_ITEMS = 12  # items whose asignaciones no longer add up
BAD_CODES = 30  # rows whose partida is not two digits


from workbench.engine.app import access as _access  # noqa: E402
_access.set_process_default(_access.SYSTEM)  # benchmarks act as the local operator, like the CLI


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--smoke", action="store_true", help="tiny inputs, one run: checks the benchmark works (tests/integration/test_bench_smoke.py)")
    args = parser.parse_args()
    if args.smoke:
        args.repeat = 1
    table, totals = silver_table(programs=4 if args.smoke else 404)
    expectations = {"silver": suite()}
    layers = {"silver": table}
    report = validate(layers, expectations, control_totals=totals)  # warm-up: imports GX
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        report = validate(layers, expectations, control_totals=totals)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    failing = {r.id: r.unexpected_count for r in report.results if not r.passed}
    print(f"rows: {len(table.df):,}  expectations: {len(expectations['silver'])}  runs: {args.repeat}  "
          f"status: {report.status}  failing: {failing}")
    print("| measure | target | measured | result |")
    print("|---|---|---|---|")
    print(f"| validate() median, {len(table.df):,} rows, 15 expectations | <= {TARGET_S:.2f} s | {median:.3f} s | "
          f"{'PASS' if median <= TARGET_S else 'FAIL'} |")


if __name__ == "__main__":
    main()
