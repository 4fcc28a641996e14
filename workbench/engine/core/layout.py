"""A file's layout fingerprint: what its shape was, so next month's file can be compared with it (drift.py).

Recorded with every successful run (in the run's ``outputs["layout"]``) and taken again from a new file before
it runs. It holds only the shape, never the figures: the sheets and the one read, the title rows above the
header (how many; their text names programs and months, which change every file), the header row, the header
labels in order, and per column an inferred kind (code, number, text, date, empty) with a few sample values;
and the footer (trailing rows whose key cells are empty, e.g. DIPRES ``RESULTADO``), as its text only.

Kinds are inferred on the first ``KIND_SAMPLE_ROWS`` data rows (the same rows whatever the file's size, so the
same layout always gets the same kinds) and on the footer-free rows only.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from workbench.engine.core.table import Table

#: Layout fingerprint format version (stored with it; a comparison ignores fingerprints of another version).
LAYOUT_VERSION = 1
#: Data rows whose values decide each column's kind.
KIND_SAMPLE_ROWS = 2_000
#: Sample values kept per column (distinct, stripped, each cut to SAMPLE_CHARS).
SAMPLE_VALUES = 3
SAMPLE_CHARS = 40
#: At most this many trailing rows count as a footer.
MAX_FOOTER_ROWS = 5
#: A column is a key column (never empty on a data row) when filled on this share of the data rows.
KEY_SHARE = 0.99
#: Longest label kept (a longer header cell is cut: the fingerprint stays small).
MAX_LABEL_CHARS = 200
#: Most columns described (wider sheets keep the labels of the first ones only).
MAX_COLUMNS = 500

KINDS = ("code", "number", "text", "date", "empty")
_CODE = re.compile(r"0\d+")
_NUMBER = re.compile(r"[-+]?(?:\d+|\d{1,3}(?:[.,]\d{3})+)(?:[.,]\d+)?(?:[eE][-+]?\d+)?%?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?|\d{1,2}[/-]\d{1,2}[/-]\d{2,4}")


@dataclass
class ColumnShape:
    """One column of the header: its position (0-based), RAW letter, label and inferred kind."""

    position: int
    letter: str
    label: str
    kind: str
    sample: list[str] = field(default_factory=list)


@dataclass
class Layout:
    """The shape of one file as read under a spec (see the module docstring)."""

    sheets: list[str]
    sheet: str | None
    title_rows: int
    header_row: int | None
    columns: list[ColumnShape]
    footer: list[str]
    version: int = LAYOUT_VERSION

    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.columns]

    def to_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["column_count"] = len(self.columns)
        return doc

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> "Layout":
        columns = [ColumnShape(**{k: c[k] for k in ("position", "letter", "label", "kind", "sample") if k in c})
                   for c in doc.get("columns", [])]
        return cls(sheets=list(doc.get("sheets") or []), sheet=doc.get("sheet"), title_rows=int(doc.get("title_rows", 0)),
                   header_row=doc.get("header_row"), columns=columns, footer=list(doc.get("footer") or []),
                   version=int(doc.get("version", LAYOUT_VERSION)))


def value_kind(text: str) -> str:
    """The kind of one non-empty cell: a code keeps a leading zero (``01``, ``005``)."""
    if _CODE.fullmatch(text):
        return "code"
    if _NUMBER.fullmatch(text):
        return "number"
    if _DATE.fullmatch(text):
        return "date"
    return "text"


def column_kind(values: pd.Series) -> tuple[str, list[str]]:
    """(kind, sample) of a column's text cells. Codes and numbers mix in one column (``01`` and ``21`` are both
    subtítulo codes): a column with any code is a code column only if every value is digits; any text value
    makes it text."""
    cells = values.dropna().astype(str).str.strip()
    cells = cells[cells != ""]
    if cells.empty:
        return "empty", []
    kinds = _kinds(cells.head(KIND_SAMPLE_ROWS))
    if kinds == {"code"} or kinds == {"code", "number"} and cells.str.fullmatch(r"\d+").all():
        kind = "code"
    elif kinds <= {"code", "number"}:
        kind = "number"
    elif kinds == {"date"}:
        kind = "date"
    else:
        kind = "text"
    sample = [v[:SAMPLE_CHARS] for v in dict.fromkeys(cells.head(200))][:SAMPLE_VALUES]
    return kind, sample


def _kinds(cells: pd.Series) -> set[str]:
    """The kinds present among non-empty stripped cells: ``value_kind`` vectorised (Arrow's regex engine)."""
    code = cells.str.fullmatch(_CODE.pattern).to_numpy(bool)
    number = ~code & cells.str.fullmatch(_NUMBER.pattern).to_numpy(bool)
    date = ~code & ~number & cells.str.fullmatch(_DATE.pattern).to_numpy(bool)
    text = ~(code | number | date)
    return {kind for kind, hits in (("code", code), ("number", number), ("date", date), ("text", text)) if hits.any()}


def footer_rows(df: pd.DataFrame) -> int:
    """How many trailing rows are a footer: rows whose key cells (filled on almost every other row) are empty."""
    if len(df) < 3 or df.shape[1] == 0:
        return 0
    filled = df.notna() & df.apply(lambda c: c.astype("string").str.strip().ne("")).fillna(False)
    body = filled.iloc[: max(1, len(df) - MAX_FOOTER_ROWS)]
    keys = [j for j in range(df.shape[1]) if body.iloc[:, j].mean() >= KEY_SHARE]
    if not keys:
        return 0
    count = 0
    for i in range(len(df) - 1, max(-1, len(df) - 1 - MAX_FOOTER_ROWS), -1):
        if filled.iloc[i, keys].all():
            break
        count += 1
    return count if count < len(df) else 0


def _footer_text(rows: pd.DataFrame) -> list[str]:
    """The text (not the figures) of each footer row, cells joined by `` | ``: ``RESULTADO``."""
    out = []
    for values in rows.itertuples(index=False, name=None):
        words = [v.strip() for v in values if isinstance(v, str) and v.strip() and value_kind(v.strip()) == "text"]
        out.append(" | ".join(words)[:MAX_LABEL_CHARS])
    return out


def take_layout(table: Table, labels: list[str], *, sheets: list[str], sheet: str | None, header_row: int | None,
                title_rows: int) -> Layout:
    """The layout of a table just built from a file (``readers.build_table``: its text columns and raw labels)."""
    data = table.df[table.data_columns[:MAX_COLUMNS]]
    head = data.head(KIND_SAMPLE_ROWS + MAX_FOOTER_ROWS)
    tail = data.tail(MAX_FOOTER_ROWS + 3) if len(data) > len(head) else head
    footer = footer_rows(tail if len(data) > len(head) else head)
    body = head.iloc[: len(head) - footer] if len(data) <= len(head) else head
    columns = []
    for j, name in enumerate(data.columns):
        kind, sample = column_kind(body.iloc[:, j])
        label = (labels[j] if j < len(labels) else "")[:MAX_LABEL_CHARS]
        columns.append(ColumnShape(position=j, letter=table.origins.get(name, ""), label=label, kind=kind,
                                   sample=sample))
    return Layout(sheets=list(sheets), sheet=sheet, title_rows=title_rows, header_row=header_row, columns=columns,
                  footer=_footer_text(tail.tail(footer)) if footer else [])


__all__ = ["KINDS", "LAYOUT_VERSION", "ColumnShape", "Layout", "column_kind", "footer_rows", "take_layout",
           "value_kind"]
