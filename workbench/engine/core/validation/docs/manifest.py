"""``runs.json``: the site's list of runs, the only state shared between runs' builds.

The site index is rendered from this small file instead of from the pages (or GX's stores), so adding a run
costs the same with 10 or 10,000 runs already built; GX's ``build_data_docs()`` re-reads all results and
grows with history. Read-modify-write happens under an exclusive file lock, because two workers may
finish runs at the same moment; the file is replaced atomically so readers never see half of it.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MANIFEST_FILENAME = "runs.json"
LOCK_FILENAME = ".runs.lock"


def write_atomic(path: Path, text: str) -> None:
    """Write via a sibling temp file and ``os.replace``: a browser or reader sees the old or the new file."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.",
                                     suffix=".tmp", delete=False) as handle:
        handle.write(text)
    os.replace(handle.name, path)


@contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Exclusive lock on the site's manifest for one read-modify-write."""
    with open(out_dir / LOCK_FILENAME, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_runs(out_dir: Path) -> dict[str, dict[str, Any]]:
    """Run key -> entry; empty for a new site."""
    path = out_dir / MANIFEST_FILENAME
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))["runs"]


def upsert_run(out_dir: Path, run_key: str, entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Add or replace one run's entry (call under ``locked``); return all entries, newest first.

    ``seq`` orders runs built with the same date; rebuilding a run keeps its place.
    """
    runs = read_runs(out_dir)
    previous = runs.get(run_key)
    seq = previous["seq"] if previous else max((r["seq"] for r in runs.values()), default=0) + 1
    runs[run_key] = {**entry, "run_id": run_key, "seq": seq}
    write_atomic(out_dir / MANIFEST_FILENAME, json.dumps({"version": 1, "runs": runs}, ensure_ascii=False))
    return newest_first(runs)


def newest_first(runs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(runs.values(), key=lambda r: (r["date"], r["seq"]), reverse=True)
