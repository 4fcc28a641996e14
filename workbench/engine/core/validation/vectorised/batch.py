"""One layer's frame as GX would validate it, with what several checks share computed once.

The frame is the GX frame (frames.gx_frame: data columns, positional index, lossless decimals as float64), so
a vectorised check sees exactly the values, dtypes and row positions GX's pandas engine sees. Null masks and
the row count are computed once per layer, whatever the number of checks on a column.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench.engine.core.table import Table
from workbench.engine.core.validation.frames import gx_frame


class Unsupported(Exception):
    """This check (or these arguments, or this column's dtype) goes to GX: the vectorised path would not be
    sure to give GX's answer. Raised before anything is computed for the check."""


class MissingColumn(LookupError):
    """A check names a column the layer does not have; the message is GX's."""

    def __init__(self, column: Any) -> None:
        super().__init__(f'Error: The column "{column}" in BatchData does not exist.')


class Batch:
    """The layer's GX frame and its shared facts (row count, null masks)."""

    def __init__(self, table: Table, *, control_totals: dict[str, Any] | None = None,
                 raw_text: Any = None) -> None:
        self.table = table
        self.df, self.scales = gx_frame(table)
        self.rows = len(self.df)
        self.control_totals = control_totals or {}
        self.raw_text = raw_text
        self._notnull: dict[str, pd.Series] = {}
        self._nulls: dict[str, int] = {}
        self._codes: dict[str, np.ndarray] = {}

    def column(self, name: Any) -> pd.Series:
        if not isinstance(name, str) or name not in self.df.columns:
            raise MissingColumn(name)
        return self.df[name]

    def require(self, names: list[Any]) -> None:
        for name in names:
            self.column(name)

    def notnull(self, name: str) -> pd.Series:
        """``df[name].notnull()``, once per column."""
        if name not in self._notnull:
            self._notnull[name] = self.column(name).notnull()
        return self._notnull[name]

    def null_count(self, name: str) -> int:
        if name not in self._nulls:
            self._nulls[name] = self.rows - int(np.count_nonzero(self.notnull(name).to_numpy()))
        return self._nulls[name]

    def domain(self, name: str) -> pd.Series:
        """The column without its missing values: a column map check's domain in GX."""
        column = self.column(name)
        return column if not self.null_count(name) else column[self.notnull(name)]

    def codes(self, name: str) -> np.ndarray:
        """``pd.factorize`` codes of a column (missing values: -1), as pandas' ``duplicated`` makes them."""
        if name not in self._codes:
            self._codes[name] = pd.factorize(self.column(name))[0].astype(np.int64, copy=False)
        return self._codes[name]


__all__ = ["Batch", "MissingColumn", "Unsupported"]
