"""``fill_down``: empty cells take the last non-empty value above them in the same column.

Spreadsheets often write a group label once (a merged cell, or a code only on the first row of a block);
filling down makes every row self-contained. Cells before the first non-empty one stay as they are.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from workbench.engine.core.steps.base import Step, StepContext, require_columns
from workbench.engine.core.steps.conditions import blank_mask
from workbench.engine.core.table import Table, is_provenance


class FillDownStep(Step):
    """Fill missing or whitespace-only cells with the previous non-empty value of the column."""

    type: Literal["fill_down"] = "fill_down"
    summary: ClassVar[str] = "Fill empty cells with the last non-empty value above them."

    columns: list[str] = Field(min_length=1, description="The columns to fill down.")

    @field_validator("columns")
    @classmethod
    def _no_provenance(cls, columns: list[str]) -> list[str]:
        if any(is_provenance(c) for c in columns):
            raise ValueError("provenance columns (_raw_*) are not data and cannot be filled")
        return list(dict.fromkeys(columns))

    def apply(self, table: Table, ctx: StepContext) -> Table:
        require_columns(table, self.columns, ctx)
        df = table.df.copy(deep=False)
        filled: dict[str, int] = {}
        for column in self.columns:
            series = df[column]
            blank = blank_mask(series)
            # each row's source: itself, or the last non-blank row above it (itself if there is none yet)
            last = np.maximum.accumulate(np.where(blank, -1, np.arange(len(series))))
            source = np.where(last < 0, np.arange(len(series)), last)
            df[column] = pd.Series(series.array.take(source), index=series.index, name=column)
            filled[column] = int((blank & (last >= 0)).sum())
        ctx.details["cells_filled"] = filled
        return table.with_df(df)

    def touched_columns(self, table: Table) -> list[str]:
        return [c for c in self.columns if c in table.df.columns]

    def describe(self) -> str:
        return f"fill_down({', '.join(self.columns)})"


__all__ = ["FillDownStep"]
