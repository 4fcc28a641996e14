"""What the differential tests compare: everything a QA run stores and shows, normalised only where GX's output is
not a property of the data.

Normalised, and only this: the documents' ``ge_load_time`` (a timestamp), and each result's ``exception_info``,
reduced to the set of its exception messages (GX keys it by its internal metric ids, with Python tracebacks).
Numbers compare by value (``1 == 1.0``), NaN equal to NaN.
"""

from __future__ import annotations

import math
from typing import Any

from workbench.engine.core.validation import QAReport


def normalised(value: Any) -> Any:
    if isinstance(value, dict):
        out = {k: normalised(v) for k, v in value.items() if k != "ge_load_time"}
        info = out.get("exception_info")
        if isinstance(info, dict):
            entries = [info] if "raised_exception" in info else list(info.values())
            out["exception_info"] = sorted({str(e.get("exception_message")) for e in entries
                                            if isinstance(e, dict) and e.get("raised_exception")})
        return out
    if isinstance(value, (list, tuple)):
        return [normalised(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return value


def observed(report: QAReport) -> dict[str, Any]:
    doc = report.to_dict(page_size=10**6)
    doc.pop("duration_ms")
    failures = report.failures_table().astype(object)
    return normalised({"report": doc, "failures": failures.where(failures.notna(), None).to_dict("records"),
                       "gx": report.gx_results})


def difference(fast: Any, oracle: Any, path: str = "") -> str | None:
    """Where two observed documents first differ (for the failure message)."""
    if isinstance(fast, dict) and isinstance(oracle, dict):
        for key in sorted(set(fast) | set(oracle), key=str):
            if key not in fast or key not in oracle:
                return f"{path}/{key}: only in {'gx' if key in oracle else 'vectorised'}: {fast.get(key, oracle.get(key))!r}"
            found = difference(fast[key], oracle[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(fast, list) and isinstance(oracle, list) and len(fast) == len(oracle):
        for n, (a, b) in enumerate(zip(fast, oracle)):
            found = difference(a, b, f"{path}[{n}]")
            if found:
                return found
        return None
    return None if fast == oracle else f"{path}: vectorised {fast!r} != gx {oracle!r}"
