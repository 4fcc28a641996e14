"""Publication benchmark (issue 17): the diff a release is approved on, for 100,000 rows against 100,000 published
(target <= 10 s), and the gold swap and rollback of that partition in the embedded SQLite target (rollback
target <= 5 s).

    .venv/bin/python bench/publication.py [--rows 100000] [--smoke]

The rows look like dipres_ejecucion's silver layer (9-column business key, exact decimals); the new release
changes 5 % of the amounts, removes 1 % of the rows and adds 1 %. ``--smoke``: 2,000 rows, no target checked
beyond printing it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
from _report import print_table  # noqa: E402

from workbench.engine.core.publication_diff import diff_partition, duplicate_keys  # noqa: E402
from workbench.engine.core.spec.publication import RELEASE_COLUMN  # noqa: E402
from workbench.engine.store.gold import GoldTarget, columns_of  # noqa: E402

KEY = ["periodo", "partida", "capitulo", "programa", "subtitulo", "item", "asignacion", "moneda", "medida"]
PARTITION = ["periodo", "partida", "capitulo", "programa"]
DIFF_TARGET_S, ROLLBACK_TARGET_S = 10.0, 5.0


def silver(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    i = np.arange(n)
    text = lambda values: pd.array(values, dtype="str")  # noqa: E731
    frame = pd.DataFrame({
        "periodo": text(["2017-04"] * n), "partida": text(["50"] * n), "capitulo": text(["01"] * n),
        "programa": text(["05"] * n), "subtitulo": text([f"{v:02d}" for v in i // 3000 % 100]),
        "item": text([f"{v:02d}" for v in i // 30 % 100]), "asignacion": text([f"{v:03d}" for v in i // 3 % 1000]),
        "moneda": text(["CLP"] * n),
        "medida": text(np.array(["presupuesto_inicial", "presupuesto_vigente", "ejecucion_acumulada"])[i % 3]),
        "monto": pd.array([Decimal(int(v)) / 1000 for v in rng.integers(0, 10**12, n)],
                          dtype=pd.ArrowDtype(pa.decimal128(18, 3))),
    })
    frame["asignacion"] = text([f"{v:04d}" for v in i // 3])  # unique keys at any size
    return frame


def next_release(old: pd.DataFrame) -> pd.DataFrame:
    n = len(old)
    new = old.iloc[n // 100:].copy()  # 1 % removed
    changed = new.index[::20]  # 5 % changed
    new.loc[changed, "monto"] = pd.array([Decimal(1)] * len(changed), dtype=old["monto"].dtype)
    added = silver(n // 100, seed=2)
    added["asignacion"] = pd.array([f"n{v:05d}" for v in range(len(added))], dtype="str")
    return pd.concat([new, added], ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="2,000 rows, one repetition")
    parser.add_argument("--target-url", default=None, help="A PostgreSQL database to swap in (postgresql+psycopg://"
                        "...; its schema gold gets a table `bench`, dropped at the end); default a SQLite file")
    args = parser.parse_args()
    rows, repeat = (2_000, 1) if args.smoke else (args.rows, args.repeat)
    old = silver(rows)
    new = next_release(old)
    diff_s = []
    for _ in range(repeat):
        started = time.perf_counter()
        assert not duplicate_keys(new, KEY)
        diff = diff_partition(old, new, KEY, ["monto"], totals_by=["partida", "medida"], totals_value="monto")
        diff.document()
        diff_s.append(time.perf_counter() - started)
    counts = diff.counts
    assert counts["removed"] == rows // 100 and counts["added"] == rows // 100, counts
    with tempfile.TemporaryDirectory() as tmp:
        target = GoldTarget(args.target_url or f"sqlite:///{Path(tmp) / 'gold.sqlite'}")
        kind = "PostgreSQL" if target.backend == "postgresql" else "SQLite"
        columns = columns_of(old, {c: c for c in old.columns})
        partition = [{"periodo": "2017-04", "partida": "50", "capitulo": "01", "programa": "05"}]
        target.replace_partitions("bench", columns, PARTITION, partition, old, 1)
        publish_ms = target.replace_partitions("bench", columns, PARTITION, partition, new, 2)
        restore = old.assign(**{RELEASE_COLUMN: 1})
        started = time.perf_counter()
        target.replace_partitions("bench", columns, PARTITION, partition, restore, 2)
        rollback_s = time.perf_counter() - started
        assert len(target.read("bench")) == rows
        if target.backend == "postgresql":
            import psycopg

            with psycopg.connect(target.conninfo) as conn:
                conn.execute("DROP TABLE gold.bench")
    median = statistics.median(diff_s)
    print(f"publication: {rows:,} rows published, {len(new):,} proposed ({counts['added']:,} added, "
          f"{counts['removed']:,} removed, {counts['changed']:,} changed)")
    print_table([
        (f"diff {rows:,} rows (median of {repeat})", f"<= {DIFF_TARGET_S:.0f} s", f"{median:.2f} s",
         median <= DIFF_TARGET_S if not args.smoke else None),
        (f"publish (swap) {len(new):,} rows, {kind}", "", f"{publish_ms / 1000:.2f} s", None),
        (f"rollback {rows:,} rows, {kind}", f"<= {ROLLBACK_TARGET_S:.0f} s", f"{rollback_s:.2f} s",
         rollback_s <= ROLLBACK_TARGET_S if not args.smoke else None),
    ])


if __name__ == "__main__":
    main()
