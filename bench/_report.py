"""The one table every benchmark prints: measure, target, measurement and PASS/FAIL (blank when there is no
target), columns as wide as their longest cell. Imported by the scripts in this folder (run as
``python bench/<name>.py``, so this folder is on ``sys.path``)."""

from __future__ import annotations

from collections.abc import Sequence


def print_table(rows: Sequence[tuple[str, str, str, bool | None]], *, sep: str = "  ") -> None:
    """``rows``: (measure, target, measured, ok); ``ok`` None = nothing to compare with."""
    width = max(len(r[0]) for r in rows)
    target_w = max(len("target"), *(len(r[1]) for r in rows))
    measured_w = max(len("measured"), *(len(r[2]) for r in rows))
    print(f"{'measure':<{width}}{sep}{'target':>{target_w}}{sep}{'measured':>{measured_w}}{sep}result")
    for name, target, measured, ok in rows:
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        print(f"{name:<{width}}{sep}{target:>{target_w}}{sep}{measured:>{measured_w}}{sep}{verdict}")
