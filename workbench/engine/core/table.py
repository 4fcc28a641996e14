"""The table that flows through a pipeline: a pandas DataFrame plus its provenance.

Provenance is kept so that any value can be traced to the RAW cell it came from:
- ``_raw_row`` (column, int): the 1-based row number of the record in the RAW sheet/file.
- ``_raw_col`` (column, text, only after ``melt``): the RAW column letter the value came from.
- ``origins`` (metadata): for every data column that still maps 1:1 to a RAW column, that column's letter.
Provenance columns start with ``_raw_``; steps never treat them as data (select/drop/melt keep them).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

RAW_ROW = "_raw_row"
RAW_COL = "_raw_col"
PROVENANCE_PREFIX = "_raw_"


def is_provenance(column: str) -> bool:
    return str(column).startswith(PROVENANCE_PREFIX)


def column_letter(index: int) -> str:
    """0-based column index -> spreadsheet letters (0 -> A, 25 -> Z, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Table:
    """A DataFrame with provenance. Steps return a new Table; they never mutate their input."""

    df: pd.DataFrame
    origins: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None

    @property
    def data_columns(self) -> list[str]:
        return [c for c in self.df.columns if not is_provenance(c)]

    @property
    def provenance_columns(self) -> list[str]:
        return [c for c in self.df.columns if is_provenance(c)]

    def with_df(self, df: pd.DataFrame, origins: dict[str, str] | None = None) -> "Table":
        """A new Table over ``df``; origins default to the current ones restricted to df's columns."""
        base = self.origins if origins is None else origins
        return replace(self, df=df, origins={k: v for k, v in base.items() if k in df.columns})

    def trace(self, position: int, column: str) -> dict[str, Any]:
        """Where the value at row ``position`` (0-based, in order) and ``column`` came from in the RAW file."""
        row = self.df.iloc[position]
        raw_row = int(row[RAW_ROW]) if RAW_ROW in self.df.columns else None
        raw_col = self.origins.get(column)
        if raw_col is None and RAW_COL in self.df.columns:
            raw_col = row[RAW_COL]
        return {"sheet": self.sheet, "row": raw_row, "column": raw_col}


__all__ = ["PROVENANCE_PREFIX", "RAW_COL", "RAW_ROW", "Table", "column_letter", "is_provenance"]
