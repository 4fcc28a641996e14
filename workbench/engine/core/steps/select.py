"""``select``: keep only the listed data columns, in the listed order (provenance always kept)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator

from workbench.engine.core.steps.base import Step, StepContext, require_columns
from workbench.engine.core.table import Table, is_provenance


class SelectStep(Step):
    """Keep these data columns in this order; provenance columns (``_raw_*``) follow unchanged."""

    type: Literal["select"] = "select"
    summary: ClassVar[str] = "Keep only the listed columns, in the listed order."

    columns: list[str] = Field(min_length=1, description="The data columns to keep, in output order.")

    @field_validator("columns")
    @classmethod
    def _valid_names(cls, columns: list[str]) -> list[str]:
        repeated = sorted({c for c in columns if columns.count(c) > 1})
        if repeated:
            raise ValueError(f"columns listed more than once: {', '.join(repeated)}")
        provenance = [c for c in columns if is_provenance(c)]
        if provenance:
            raise ValueError(f"provenance columns are always kept, do not list them: {', '.join(provenance)}")
        return columns

    def apply(self, table: Table, ctx: StepContext) -> Table:
        require_columns(table, self.columns, ctx)
        dropped = [c for c in table.data_columns if c not in self.columns]
        ctx.details["columns_dropped"] = dropped
        return table.with_df(table.df[[*self.columns, *table.provenance_columns]])

    def describe(self) -> str:
        return f"select({', '.join(self.columns)})"


__all__ = ["SelectStep"]
