"""The diff a release is approved on: the rows a release would put in its partitions against the rows published
there now, by business key — added, removed, changed (per column: old, new, delta) and unchanged — and the totals
before and after. Pure and vectorised (one outer merge on the key, one comparison per value column): 100k rows
in well under a second (``bench/publication.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

#: Rows or changed cells listed per kind in a stored diff (the counts are always exact).
DETAIL_LIMIT = 50_000
#: Duplicate keys listed when a proposal is refused for them.
DUPLICATES_LISTED = 50
_NULL_KEY = "\x00"  # a missing key part is one value of its own (DIPRES leaves item/asignación empty)


@dataclass
class PartitionDiff:
    """The diff's counts and its details as frames (``document`` makes the JSON-ready form)."""

    key: list[str]
    counts: dict[str, int]
    added: pd.DataFrame
    removed: pd.DataFrame
    changes: pd.DataFrame  # key columns + column, old, new, delta
    totals: list[dict[str, Any]] = field(default_factory=list)

    def document(self, limit: int = DETAIL_LIMIT) -> dict[str, Any]:
        return {"key": self.key, "counts": self.counts, "totals": self.totals,
                "added": records(self.added, limit), "removed": records(self.removed, limit),
                "changes": [{"key": {k: row[k] for k in self.key}, "column": row["column"], "old": row["old"],
                             "new": row["new"], "delta": row["delta"]} for row in records(self.changes, limit)],
                "truncated": {name: len(frame) > limit for name, frame in
                              (("added", self.added), ("removed", self.removed), ("changes", self.changes))}}


def duplicate_keys(frame: pd.DataFrame, key: list[str], limit: int = DUPLICATES_LISTED) -> list[dict[str, Any]]:
    """The key values that occur more than once (each once, with its count), at most ``limit``."""
    keys = _key_frame(frame, key)
    dup = keys[keys.duplicated(keep=False)]
    if dup.empty:
        return []
    counted = dup.groupby(key, sort=True, dropna=False).size().reset_index(name="rows").head(limit)
    return [{**{k: (None if row[k] == _NULL_KEY else row[k]) for k in key}, "rows": int(row["rows"])}
            for row in counted.to_dict("records")]


def diff_partition(old: pd.DataFrame, new: pd.DataFrame, key: list[str], values: list[str], *,
                   totals_by: list[str] | None = None, totals_value: str | None = None) -> PartitionDiff:
    """``new`` against ``old`` (both unique by ``key``; check ``duplicate_keys`` first)."""
    old_k, new_k = _with_key(old, key), _with_key(new, key)
    merged = old_k.merge(new_k, on=key, how="outer", suffixes=("__old", "__new"), indicator=True, sort=False)
    side = merged["_merge"]
    added = _side(merged[side == "right_only"], key, values, "__new")
    removed = _side(merged[side == "left_only"], key, values, "__old")
    both = merged[side == "both"]
    changed_any = pd.Series(False, index=both.index)
    pieces = []
    for column in values:
        a, b = both[f"{column}__old"], both[f"{column}__new"]
        differs = ~((a == b).fillna(False).astype(bool) | (a.isna() & b.isna()))
        if not differs.any():
            continue
        changed_any |= differs
        rows = both[differs]
        piece = _restore(rows[key].copy(), key)
        piece["column"] = column
        piece["old"], piece["new"] = rows[f"{column}__old"].astype(object), rows[f"{column}__new"].astype(object)
        piece["delta"] = [_delta(o, n) for o, n in zip(piece["old"], piece["new"])]
        pieces.append(piece)
    changes = (pd.concat(pieces, ignore_index=True) if pieces
               else pd.DataFrame(columns=[*key, "column", "old", "new", "delta"]))
    counts = {"before": len(old), "after": len(new), "added": len(added), "removed": len(removed),
              "changed": int(changed_any.sum()), "unchanged": int(len(both) - changed_any.sum()),
              "changed_cells": len(changes)}
    totals = totals_table(old, new, totals_by, totals_value) if totals_by and totals_value else []
    return PartitionDiff(key=key, counts=counts, added=added, removed=removed, changes=changes, totals=totals)


def totals_table(old: pd.DataFrame, new: pd.DataFrame, by: list[str], value: str) -> list[dict[str, Any]]:
    """Per group of ``by``: the sum of ``value`` before, after and the difference (missing sums as 0)."""
    def sums(frame: pd.DataFrame) -> pd.Series:
        if frame.empty:
            return pd.Series(dtype=object)
        grouped = frame[[*by, value]].astype({value: object}).fillna({value: Decimal(0)})
        return grouped.groupby(by, dropna=False, sort=True)[value].sum()

    before, after = sums(old), sums(new)
    index = before.index.union(after.index) if len(before) and len(after) else (after.index if len(after)
                                                                                else before.index)
    out = []
    for group in index:
        parts = group if isinstance(group, tuple) else (group,)
        b, a = before.get(group, Decimal(0)), after.get(group, Decimal(0))
        out.append({"by": {k: _plain(v) for k, v in zip(by, parts)}, "before": _plain(b), "after": _plain(a),
                    "delta": _plain(a - b) if _is_number(a) and _is_number(b) else None})
    return out


def records(frame: pd.DataFrame, limit: int = DETAIL_LIMIT) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (decimals as exact text, missing values as None)."""
    head = frame.head(limit).astype(object)
    return [{k: _plain(v) for k, v in row.items()} for row in head.to_dict("records")]


def _key_frame(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    return pd.DataFrame({k: frame[k].astype("str").fillna(_NULL_KEY) if k in frame else _NULL_KEY for k in key},
                        index=frame.index)


def _with_key(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for k, column in _key_frame(frame, key).items():
        out[k] = column
    return out


def _restore(keys: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    for k in key:
        keys[k] = keys[k].astype(object).where(keys[k] != _NULL_KEY, None)
    return keys


def _side(rows: pd.DataFrame, key: list[str], values: list[str], suffix: str) -> pd.DataFrame:
    out = _restore(rows[key].copy(), key)
    for column in values:
        out[column] = rows[f"{column}{suffix}"]
    return out.reset_index(drop=True)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) and not pd.isna(value)


def _delta(old: Any, new: Any) -> Any:
    if _is_number(old) and _is_number(new):
        return _plain(new - old)
    return None


def _plain(value: Any) -> Any:
    """A JSON-ready scalar: exact decimals as text, NA as None, numpy scalars as Python ones."""
    if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


__all__ = ["DETAIL_LIMIT", "PartitionDiff", "diff_partition", "duplicate_keys", "records", "totals_table"]
