"""``drop_rows``: remove the rows that match a condition, optionally keeping a value from them.

DIPRES execution files end with ``;;;;;;;RESULTADO;;;-10253120970``: a footer that is not data but is the
program balance. ``capture`` stores the dropped rows' value into ``ctx.control_totals`` with the RAW cell
it came from, so validation can check the data against it later.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from workbench.engine.core.steps.base import Step, StepContext, require_columns
from workbench.engine.core.steps.conditions import Condition, take_rows
from workbench.engine.core.table import RAW_ROW, Table


class Capture(BaseModel):
    """Keep the value of ``column`` in the dropped rows as the control total ``name``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="Control total name, e.g. `resultado`.")
    column: str = Field(min_length=1, description="The column whose value is kept.")


class DropRowsStep(Step):
    """Drop the rows where ``where`` holds (footers, section headers, separator rows)."""

    type: Literal["drop_rows"] = "drop_rows"
    summary: ClassVar[str] = "Remove the rows that match a condition; optionally keep a value as a control total."

    where: Condition = Field(description="Rows meeting this condition are removed.")
    capture: Capture | None = Field(
        default=None, description="Store the removed rows' value of a column as a control total."
    )

    def apply(self, table: Table, ctx: StepContext) -> Table:
        drop = self.where.evaluate(table, ctx).to_numpy()
        if self.capture is not None:
            self._capture(table, drop, ctx)
        ctx.details["rows_removed"] = int(drop.sum())
        return table.with_df(take_rows(table.df, ~drop))

    def _capture(self, table: Table, drop: np.ndarray, ctx: StepContext) -> None:
        name, column = self.capture.name, self.capture.column  # type: ignore[union-attr]
        require_columns(table, [column], ctx)
        if name in ctx.control_totals:
            raise ctx.error(f"control total {name!r} is already captured by an earlier step",
                            message_es=f"el total de control {name!r} ya fue capturado por un paso anterior")
        removed = table.df.loc[drop]
        if removed.empty:
            ctx.warn(f"drop_rows: no row matched {self.where.describe()}; control total {name!r} not captured",
                     f"drop_rows: ninguna fila cumple {self.where.describe()}; no se capturó el total de control "
                     f"{name!r}")
            return
        values = [None if pd.isna(v) else v for v in removed[column].tolist()]
        raw_rows = removed[RAW_ROW].astype(int).tolist() if RAW_ROW in removed.columns else [None] * len(values)
        ctx.control_totals[name] = {
            "value": values[0] if len(values) == 1 else values,
            "row": raw_rows[0] if len(raw_rows) == 1 else raw_rows,
            "column": table.origins.get(column),
        }
        ctx.details["captured"] = {name: ctx.control_totals[name]["value"]}

    def describe(self) -> str:
        return f"drop_rows({self.where.describe()})"


__all__ = ["Capture", "DropRowsStep"]
