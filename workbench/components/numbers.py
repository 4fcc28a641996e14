"""Numbers and dates the way Chilean readers write them: 1.234.567,89 and 25-11-2026 14:05 (UTC shown as such).

Pure functions used by the states, so the vars they send already hold display text."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

DASH = "—"


def fmt_number(value: int | float | Decimal | None, decimals: int = 0) -> str:
    """``1234567.891`` -> ``1.234.567,89`` (with ``decimals=2``); None -> an em dash."""
    if value is None:
        return DASH
    text = f"{value:,.{decimals}f}"  # 1,234,567.89
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def fmt_int(value: int | None) -> str:
    return fmt_number(value, 0)


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
    return f"{fmt_number(ms)} ms" if ms < 1000 else f"{fmt_number(ms / 1000, 1)} s"
