"""``drop``: remove data columns by name (provenance columns cannot be dropped)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator

from workbench.engine.core.steps.base import Step, StepContext, require_columns
from workbench.engine.core.table import Table, is_provenance


class DropStep(Step):
    """Remove the listed data columns. ``missing: ignore`` tolerates columns a file version lacks."""

    type: Literal["drop"] = "drop"
    summary: ClassVar[str] = "Remove the listed columns."

    columns: list[str] = Field(min_length=1, description="The data columns to remove.")
    missing: Literal["error", "ignore"] = Field(
        default="error", description="What to do when a listed column is absent: `error` or `ignore`."
    )

    @field_validator("columns")
    @classmethod
    def _no_provenance(cls, columns: list[str]) -> list[str]:
        provenance = [c for c in columns if is_provenance(c)]
        if provenance:
            raise ValueError(f"provenance columns cannot be dropped: {', '.join(provenance)}")
        return list(dict.fromkeys(columns))

    def apply(self, table: Table, ctx: StepContext) -> Table:
        if self.missing == "error":
            require_columns(table, self.columns, ctx)
        dropped = [c for c in self.columns if c in table.df.columns]
        absent = [c for c in self.columns if c not in table.df.columns]
        ctx.details["columns_dropped"] = dropped
        if absent:
            ctx.details["columns_absent"] = absent
        return table.with_df(table.df.drop(columns=dropped))

    def describe(self) -> str:
        return f"drop({', '.join(self.columns)})"


__all__ = ["DropStep"]
