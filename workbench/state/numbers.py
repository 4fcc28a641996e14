"""Numbers and dates the way Chilean readers write them: 1.234.567,89 and 25-11-2026 14:05 (UTC shown as such).

Numbers come from the engine's one formatter (``workbench.engine.core.numfmt``), so the web app, the CLI, QA
messages and Data Docs agree on every value. Pure functions used by the states, so the vars they send already
hold display text."""

from __future__ import annotations

from datetime import datetime, timezone

from workbench.engine.api import DASH, fmt_int, fmt_number, fmt_percent


def fmt_datetime(value: datetime | None) -> str:
    """``25-11-2026 14:05`` in UTC (the store keeps UTC); None -> an em dash."""
    if value is None:
        return DASH
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%d-%m-%Y %H:%M")


def fmt_duration_ms(ms: float | int | None) -> str:
    """``850`` -> ``850 ms``; ``12500`` -> ``12,5 s``."""
    if ms is None:
        return DASH
    return f"{fmt_number(ms, 0)} ms" if ms < 1000 else f"{fmt_number(ms / 1000, 1)} s"


def fmt_bytes(size: int | None) -> str:
    """A file size: ``512`` -> ``512 bytes``, ``7980`` -> ``7,8 KB``, ``5242880`` -> ``5 MB`` (1 KB = 1.024 bytes)."""
    if size is None:
        return DASH
    if size < 1024:
        return f"{fmt_int(size)} {'byte' if size == 1 else 'bytes'}"
    value, unit = (size / 2**20, "MB") if size >= 2**20 else (size / 1024, "KB")
    return f"{fmt_number(value, 0 if value >= 100 or value == int(value) else 1)} {unit}"


__all__ = ["fmt_bytes", "fmt_datetime", "fmt_duration_ms"]
