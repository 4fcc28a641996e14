"""The frame GX validates, and exact Arrow columns back from it for the custom checks.

GX's core checks are vectorised only on numpy numbers: on Arrow decimals ``expect_column_values_to_be_between``
falls back to a Python call per row (0.6 s on 200k rows). So the GX frame holds each decimal column as float64
*when that is lossless* (every value round-trips float64 -> decimal at the column's scale, checked vectorised),
and remembers the scale; the custom checks turn such a column back into the exact decimals. A column that
would lose digits stays decimal (slower core checks, never a wrong sum). The index is positional (0..n-1), so
GX's ``unexpected_index_list`` are row positions in the layer's table.
"""

from __future__ import annotations

from decimal import Context

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.engine.core.table import Table


#: Python-side decimal arithmetic on sums: the default context (28 digits) would round a decimal256 sum.
EXACT = Context(prec=160)


class MissingColumnsError(ValueError):
    """A check names columns the table does not have (columns are known only after the steps ran)."""

    def __init__(self, check: str, missing: list[str], available: list[str]) -> None:
        self.missing = missing
        super().__init__(f"{check}: columna(s) inexistente(s) {', '.join(map(repr, missing))}; "
                         f"disponibles: {', '.join(available)}")


def require(df: pd.DataFrame, columns: list[str], check: str) -> None:
    missing = [c for c in dict.fromkeys(columns) if c not in df.columns]
    if missing:
        raise MissingColumnsError(check, missing, [str(c) for c in df.columns])


def gx_frame(table: Table) -> tuple[pd.DataFrame, dict[str, int]]:
    """(data columns with a positional index, {column: decimal scale} of the columns turned into float64)."""
    df = table.df[table.data_columns].reset_index(drop=True)
    scales: dict[str, int] = {}
    converted: dict[str, pd.Series] = {}
    for name, series in df.items():
        column, scale = gx_column(series)
        if column is not series:
            converted[str(name)] = column
        if scale is not None:
            scales[str(name)] = scale
    if converted:
        df = df.assign(**converted)
    return df, scales


def gx_column(series: pd.Series) -> tuple[pd.Series, int | None]:
    """One column (positional index) as the GX frame holds it, and its decimal scale when it was turned into
    float64: Arrow decimals that round-trip float64 exactly, Arrow integers and floats as numpy."""
    dtype = series.dtype
    if not isinstance(dtype, pd.ArrowDtype):
        return series, None
    arrow_type = dtype.pyarrow_dtype
    if pa.types.is_decimal(arrow_type):
        values = pa.array(series)
        floats = pc.cast(values, pa.float64())
        if pc.all(pc.equal(pc.cast(floats, arrow_type), values)).as_py() in (True, None):
            return pd.Series(floats.to_numpy(zero_copy_only=False), name=series.name), arrow_type.scale
    elif pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        return pd.Series(series.to_numpy(dtype="float64", na_value=float("nan"))
                         if series.isna().any() or pa.types.is_floating(arrow_type)
                         else series.to_numpy(dtype="int64"), name=series.name), None
    return series, None


def scales_of(scales: dict[str, int], columns: list[str]) -> dict[str, int]:
    """The scales of the columns a check reads (GX copies an expectation's kwargs many times: keep them small)."""
    return {c: scales[c] for c in columns if c in scales}


def arrow_column(series: pd.Series, scale: int | None = None) -> pa.Array:
    """A column as Arrow; a float64 column converted by gx_frame (``scale`` given) back to exact decimals."""
    values = pa.array(series, from_pandas=True)
    if scale is not None and pa.types.is_floating(values.type):
        return pc.cast(values, pa.decimal128(38, scale))
    return values


def exact(column: pa.Array, wide: pa.DataType) -> pa.Array:
    """Decimal or integer amounts as ``wide`` decimals, nulls as 0. Floats are refused: sums must be exact."""
    if not (pa.types.is_decimal(column.type) or pa.types.is_integer(column.type)):
        raise TypeError(f"amounts must be decimal or integer to be added exactly, not {column.type}")
    return pc.fill_null(pc.cast(column, wide), pa.scalar(0, wide))


__all__ = ["EXACT", "MissingColumnsError", "arrow_column", "exact", "gx_column", "gx_frame", "require", "scales_of"]
