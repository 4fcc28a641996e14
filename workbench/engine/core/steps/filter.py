"""``filter``: keep only the rows that match a condition (see ``conditions.py`` for the forms)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from workbench.engine.core.steps.base import Step, StepContext
from workbench.engine.core.steps.conditions import Condition, take_rows
from workbench.engine.core.table import Table


class FilterStep(Step):
    """Keep the rows where ``where`` holds; the others are removed (their count goes to the timeline)."""

    type: Literal["filter"] = "filter"
    summary: ClassVar[str] = "Keep only the rows that match a condition."

    where: Condition = Field(description="The condition a row must meet to be kept.")

    def apply(self, table: Table, ctx: StepContext) -> Table:
        keep = self.where.evaluate(table, ctx).to_numpy()
        ctx.details["rows_removed"] = int((~keep).sum())
        return table.with_df(take_rows(table.df, keep))

    def describe(self) -> str:
        return f"filter({self.where.describe()})"


__all__ = ["FilterStep"]
