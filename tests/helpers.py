"""Tiny factories for tests: build a Table the way a reader would (text columns + provenance)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.engine.core.steps.base import StepContext
from workbench.engine.core.table import RAW_ROW, Table, column_letter


def make_table(columns: dict[str, list[Any]], *, first_row: int = 2, sheet: str | None = None) -> Table:
    """A Table with text columns (None -> missing), ``_raw_row`` = first_row.. and origins A, B, C..."""
    n = len(next(iter(columns.values()))) if columns else 0
    data = {name: pd.array(values, dtype="str") for name, values in columns.items()}
    df = pd.DataFrame(data)
    df[RAW_ROW] = pd.array(range(first_row, first_row + n), dtype="int64")
    origins = {name: column_letter(i) for i, name in enumerate(columns)}
    return Table(df=df, origins=origins, sheet=sheet)


def ctx(**params: Any) -> StepContext:
    return StepContext(params=params, layer="bronze", step_label="1")


def rows(table: Table) -> list[dict[str, Any]]:
    """Data rows as plain dicts (NA -> None), provenance columns left out."""
    out = table.df[table.data_columns].astype(object)
    out = out.where(out.notna(), None)
    return out.to_dict("records")


_CLAIMED_DB: list[int] = []


def real_redis_db() -> int:
    """The real Redis DB index of this test process, one of 10-15 (Redis's default 16 databases), never shared
    with another test process on the machine while this one runs: each process claims a DB with an exclusive
    ``flock`` on ``<tmp>/workbench-test-redis-db-<n>.lock`` (held until it exits), starting at 13 + n for
    pytest-xdist worker ``gw<n>``. Parallel workers, and a second test session on the same machine, thus never
    take each other's RQ jobs or clean each other's queues (they share the server at 127.0.0.1:6379)."""
    if _CLAIMED_DB:
        return _CLAIMED_DB[0]
    import fcntl
    import os
    import tempfile

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    n = int(worker[2:]) if worker[2:].isdigit() else 0
    preferred = (3 + n) % 6
    for offset in range(6):
        db = 10 + (preferred + offset) % 6
        handle = open(os.path.join(tempfile.gettempdir(), f"workbench-test-redis-db-{db}.lock"), "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        _CLAIMED_DB.append(db)
        _CLAIMED_DB_HANDLES.append(handle)  # kept open: the claim lasts as long as this process
        return db
    raise RuntimeError("all six test Redis databases (10-15) are claimed by other test processes on this machine")


_CLAIMED_DB_HANDLES: list[Any] = []
