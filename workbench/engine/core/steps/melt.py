"""melt: wide -> long (one row per source row and measure), keeping every value traceable.

DIPRES execution files carry three measures side by side (``Presupuesto Inicial``, ``Presupuesto Vigente``,
``Ejecución Acumulada al ABRIL``); a tidy table has one ``medida``/``monto`` pair per row. The RAW column a
value came from is no longer a property of the column, so it moves into a ``_raw_col`` column, row by row.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from workbench.engine.core.parallel import map_columns
from workbench.engine.core.steps.base import Step, StepContext, require_columns
from workbench.engine.core.table import RAW_COL, Table, is_provenance


class MeltStep(Step):
    type: Literal["melt"] = "melt"
    summary: ClassVar[str] = "Unpivot measure columns into a variable/value pair: one row per source row and measure."

    value_columns: list[str] = Field(min_length=1, description="Columns whose values become rows, in output order.")
    id_columns: list[str] | None = Field(
        None, description="Columns repeated on every output row (default: every other data column, in order)."
    )
    variable: str = Field("variable", description="New column holding the source column's name.")
    value: str = Field("value", description="New column holding the value (keeps the value columns' dtype).")
    drop_empty: bool = Field(False, description="Drop output rows whose value is missing or blank.")

    @model_validator(mode="after")
    def _check_names(self) -> "MeltStep":
        ids = self.id_columns or []
        for label, names in (("value_columns", self.value_columns), ("id_columns", ids)):
            if len(set(names)) != len(names):
                raise ValueError(f"{label} lists a column twice: {names}")
        if both := sorted(set(ids) & set(self.value_columns)):
            raise ValueError(f"columns both in id_columns and value_columns: {both}")
        if self.variable == self.value:
            raise ValueError(f"variable and value must be different column names (both are {self.value!r})")
        if prov := [c for c in (*self.value_columns, *ids, self.variable, self.value) if is_provenance(c)]:
            raise ValueError(f"provenance columns (_raw_*) cannot be melted or named: {prov}")
        return self

    def derived_from(self, columns_in: list[str], columns_out: list[str]) -> dict[str, list[str]]:
        """The value column holds the melted columns' values, the variable column their names."""
        melted = [c for c in self.value_columns if c in columns_in]
        return {self.value: melted, self.variable: melted}

    def describe(self) -> str:
        shown = ", ".join(self.value_columns[:3]) + (", …" if len(self.value_columns) > 3 else "")
        return f"melt({shown} -> {self.variable}/{self.value})"

    def apply(self, table: Table, ctx: StepContext) -> Table:
        ids = self.id_columns
        if ids is None:
            ids = [c for c in table.data_columns if c not in self.value_columns]
        require_columns(table, [*ids, *self.value_columns], ctx)
        if RAW_COL in table.df.columns:
            raise ctx.error(
                "the table was already melted (it has a _raw_col column); melt all measures in one step",
                message_es="la tabla ya fue despivotada (tiene _raw_col); despivote todas las medidas en un paso",
            )
        if clash := [c for c in (self.variable, self.value) if c in ids]:
            raise ctx.error(
                f"output column {clash[0]!r} is also an id column; choose another variable/value name",
                message_es=f"la columna de salida {clash[0]!r} también es columna id; elija otro nombre",
            )
        df, n, k = table.df, len(table.df), len(self.value_columns)
        stacked = pd.concat([df[c] for c in self.value_columns], ignore_index=True)  # column-major, n*k long
        if stacked.dtype == object and any(df[c].dtype != object for c in self.value_columns):
            kinds = ", ".join(f"{c}: {df[c].dtype}" for c in self.value_columns)
            raise ctx.error(
                f"value columns have incompatible types ({kinds}); cast them to one type first",
                message_es=f"las columnas de valores tienen tipos incompatibles ({kinds}); conviértalas antes",
            )
        # row-major: output row i*k + j is source row i, measure j, i.e. stacked value j*n + i
        source, measure = np.repeat(np.arange(n), k), np.tile(np.arange(k), n)
        flat = measure * n + source
        if self.drop_empty:
            empty = stacked.isna().to_numpy(copy=True)
            if pd.api.types.is_string_dtype(stacked.dtype):
                empty |= stacked.str.strip().eq("").fillna(False).to_numpy(dtype=bool)
            keep = ~empty[flat]
            source, measure, flat = source[keep], measure[keep], flat[keep]
            ctx.details["dropped_empty"] = int(n * k - len(flat))
        names = pa.array(self.value_columns, pa.large_string())
        letters = pa.array([table.origins.get(c) for c in self.value_columns], pa.large_string())
        repeated = map_columns(lambda c: df[c].array.take(source), ids, rows=len(source))
        data = dict(zip(ids, repeated))
        data[self.variable] = pd.array(pc.take(names, measure), dtype="str")
        data[self.value] = stacked.array.take(flat)
        data.update({c: df[c].array.take(source) for c in table.provenance_columns})
        data[RAW_COL] = pd.array(pc.take(letters, measure), dtype="str")
        out = pd.DataFrame(data)
        return table.with_df(out, {c: table.origins[c] for c in ids if c in table.origins})
