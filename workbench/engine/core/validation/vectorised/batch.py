"""One layer's table as GX would validate it, column by column, with what several checks share computed once.

GX validates the GX frame (frames.gx_frame: data columns, positional index, lossless decimals as float64).
The batch builds the same columns with the same conversion (frames.gx_column), but only the columns the checks
read, when first read; null masks, null counts and factorize codes are computed once per column, whatever the
number of checks on it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.engine.core.table import Table
from workbench.engine.core.validation.frames import gx_column
from workbench.engine.core.validation.hierarchy import KeyEncoder


class Unsupported(Exception):
    """This check (or these arguments, or this column's dtype) goes to GX: the vectorised path would not be
    sure to give GX's answer. Raised before anything is reported for the check."""


class MissingColumn(LookupError):
    """A check names a column the layer does not have; the message is GX's."""

    def __init__(self, column: Any) -> None:
        super().__init__(f'Error: The column "{column}" in BatchData does not exist.')


class Batch:
    """The layer's GX columns (built on first use) and their shared facts."""

    def __init__(self, table: Table, *, control_totals: dict[str, Any] | None = None,
                 raw_text: Any = None) -> None:
        self.table = table
        self.names: list[str] = [str(c) for c in table.data_columns]
        self.rows = len(table.df)
        self.control_totals = control_totals or {}
        self.raw_text = raw_text
        self.scales: dict[str, int] = {}
        index = table.df.index
        self._positional = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
        self._known = set(self.names)
        self._series: dict[str, pd.Series] = {}
        self._notnull: dict[str, pd.Series] = {}
        self._nulls: dict[str, int] = {}
        self._codes: dict[str, np.ndarray] = {}
        self._dictionaries: dict[str, pa.Array] = {}
        self._frames: dict[tuple[tuple[str, ...], bool], pd.DataFrame] = {}
        self._df: pd.DataFrame | None = None
        self._keys: KeyEncoder | None = None

    def column(self, name: Any) -> pd.Series:
        if name in self._series:
            return self._series[name]
        if not isinstance(name, str) or name not in self._known:
            raise MissingColumn(name)
        series = self.table.df[name]
        if not self._positional:
            series = series.reset_index(drop=True)
        series, scale = gx_column(series)
        if scale is not None:
            self.scales[name] = scale
        self._series[name] = series
        return series

    def require(self, names: list[Any]) -> None:
        for name in names:
            self.column(name)

    @property
    def df(self) -> pd.DataFrame:
        """The whole GX frame (every data column)."""
        if self._df is None:
            self._df = self.assemble({name: self.column(name) for name in self.names})
        return self._df

    def frame(self, columns: list[str], *, exact: bool = False) -> pd.DataFrame:
        """The GX frame's ``columns`` (the whole frame when one is missing: the check's error then names
        every available column, as it does on the GX frame). ``exact``: the decimal columns GX holds as
        float64 (``scales``) as the table's own decimals instead, the exact values the custom checks would
        get back from the floats, without the round trip."""
        if any(c not in self._known for c in columns):
            return self.df
        key = (tuple(dict.fromkeys(columns)), exact)
        if key not in self._frames:  # the checks of a layer read the same columns (both hierarchy checks)
            frame = {c: self.column(c) for c in key[0]}
            if exact:
                frame.update({c: self._original(c) for c in frame if c in self.scales})
            self._frames[key] = self.assemble(frame)
        return self._frames[key]

    def assemble(self, columns: dict[str, pd.Series]) -> pd.DataFrame:
        """A frame of these positional columns (without pandas aligning their indexes, which all are 0..n-1)."""
        return pd.DataFrame({name: series.array for name, series in columns.items()},
                            index=pd.RangeIndex(self.rows), copy=False)

    def _original(self, name: str) -> pd.Series:
        series = self.table.df[name]
        return series if self._positional else series.reset_index(drop=True)

    @property
    def keys(self) -> KeyEncoder:
        """The hierarchy checks' key encoder, shared by the layer's checks."""
        if self._keys is None:
            self._keys = KeyEncoder(self.column, shared=self._text_codes)
        return self._keys

    def _text_codes(self, name: str) -> tuple[np.ndarray, int] | None:
        """A text column's ``codes`` with their count, for the key encoder (the same dictionary encoding of the
        same Arrow text, missing values one code): the uniqueness and hierarchy checks of a layer encode each
        key column once. None for other columns (the encoder encodes their text itself)."""
        column = self.column(name)
        if not (isinstance(column.dtype, pd.StringDtype) and isinstance(getattr(column.array, "_pa_array", None),
                                                                         (pa.Array, pa.ChunkedArray))):
            return None
        codes = self.codes(name)
        return codes, max(int(codes.max()) + 1 if len(codes) else 1, 1)

    def notnull(self, name: str) -> pd.Series:
        """``column.notnull()``, once per column."""
        if name not in self._notnull:
            self._notnull[name] = self.column(name).notnull()
        return self._notnull[name]

    def null_count(self, name: str) -> int:
        """Missing values in the column; a text column's Arrow storage knows it without a pass over the rows
        (pandas' ``isna`` of an Arrow string array is its validity: a text cell cannot hold NaN)."""
        if name not in self._nulls:
            column = self.column(name)
            storage = getattr(column.array, "_pa_array", None)
            if isinstance(column.dtype, pd.StringDtype) and isinstance(storage, (pa.Array, pa.ChunkedArray)):
                self._nulls[name] = storage.null_count
            else:
                self._nulls[name] = self.rows - int(np.count_nonzero(self.notnull(name).to_numpy()))
        return self._nulls[name]

    def surely_complete(self, name: str) -> bool:
        """The column has no missing value, known from its Arrow storage without building its GX column: a text,
        decimal or integer column (which cannot hold NaN, the other missing value GX's frame sees)."""
        if name in self._nulls:
            return self._nulls[name] == 0
        if not isinstance(name, str) or name not in self._known:
            return False
        dtype = self.table.df[name].dtype
        storage = getattr(self.table.df[name].array, "_pa_array", None)
        if not isinstance(storage, (pa.Array, pa.ChunkedArray)):
            return False
        arrow_type = storage.type
        if not (pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)
                or pa.types.is_decimal(arrow_type) or pa.types.is_integer(arrow_type)):
            return False
        if not isinstance(dtype, (pd.StringDtype, pd.ArrowDtype)):
            return False
        return storage.null_count == 0

    def domain(self, name: str) -> pd.Series:
        """The column without its missing values: a column map check's domain in GX."""
        column = self.column(name)
        return column if not self.null_count(name) else column[self.notnull(name)]

    def codes(self, name: str) -> np.ndarray:
        """An integer per row, equal where the values are equal and for every missing value, as pandas'
        ``factorize`` (``duplicated``) compares them; Arrow-backed columns are dictionary-encoded by Arrow, as
        pandas' factorize does for them."""
        if name not in self._codes:
            column = self.column(name)
            storage = getattr(column.array, "_pa_array", None)
            if (isinstance(storage, (pa.Array, pa.ChunkedArray)) and len(storage)
                    and not pa.types.is_dictionary(storage.type) and not pa.types.is_null(storage.type)):
                encoded = storage.dictionary_encode(null_encoding="encode")
                if isinstance(encoded, pa.ChunkedArray):
                    encoded = encoded.combine_chunks()  # one dictionary for every chunk
                codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
                self._dictionaries[name] = encoded.dictionary
            else:
                codes = pd.factorize(column)[0].astype(np.int64, copy=False)
            self._codes[name] = codes
        return self._codes[name]

    def distinct(self, name: str) -> tuple[np.ndarray, pd.Series] | None:
        """A text column's domain by distinct value: (for each non-missing row, its value's position in
        ``values``; ``values``: the distinct values, as text of GX's ``astype(str)`` type). A check whose answer
        depends only on the value (a regex, a value set) then runs once per distinct value, on the codes the
        uniqueness and hierarchy checks share. None for a column that is not Arrow text."""
        if self._text_codes(name) is None:
            return None
        codes, dictionary = self.codes(name), self._dictionaries.get(name)
        if dictionary is None:
            return None
        if self.null_count(name):
            codes = codes[self.notnull(name).to_numpy()]
        text_dtype = pd.Series([], dtype=self.column(name).dtype).astype(str).dtype
        values = pd.Series(pd.array(pc.fill_null(dictionary, ""), dtype=text_dtype))  # a missing value's entry
        return codes, values                                                          # is never looked up


__all__ = ["Batch", "MissingColumn", "Unsupported"]
