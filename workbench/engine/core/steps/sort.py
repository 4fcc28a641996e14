"""``sort``: order rows by one or more columns; stable, missing values last.

Text sorts by Unicode code point (``'B' < 'a' < 'Á'``); DIPRES codes are zero-padded text, so they sort
in code order. Sort numbers after ``type_cast`` if they are not zero-padded.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from workbench.engine.core.steps.base import Step, StepContext, require_columns
from workbench.engine.core.table import Table


class SortStep(Step):
    """Sort by ``by`` (first column first); rows that tie keep their order."""

    type: Literal["sort"] = "sort"
    summary: ClassVar[str] = "Order rows by columns (stable; missing values last)."

    by: list[str] = Field(min_length=1, description="Columns to sort by, most significant first.")
    descending: bool | list[bool] = Field(
        default=False, description="Descending order: one flag for all columns, or one per column of `by`."
    )

    @field_validator("by", mode="before")
    @classmethod
    def _one_column(cls, by: object) -> object:
        return [by] if isinstance(by, str) else by

    @model_validator(mode="after")
    def _matching_flags(self) -> "SortStep":
        if len(set(self.by)) != len(self.by):
            raise ValueError("a column is listed more than once in `by`")
        if isinstance(self.descending, list) and len(self.descending) != len(self.by):
            raise ValueError(
                f"`descending` has {len(self.descending)} flags but `by` has {len(self.by)} columns"
            )
        return self

    def _ascending(self) -> list[bool]:
        flags = self.descending if isinstance(self.descending, list) else [self.descending] * len(self.by)
        return [not flag for flag in flags]

    def apply(self, table: Table, ctx: StepContext) -> Table:
        require_columns(table, self.by, ctx)
        df = table.df.sort_values(self.by, ascending=self._ascending(), kind="stable", na_position="last")
        return table.with_df(df)  # index labels travel with their rows

    def describe(self) -> str:
        return "sort(" + ", ".join(c if up else f"{c} desc" for c, up in zip(self.by, self._ascending())) + ")"


__all__ = ["SortStep"]
