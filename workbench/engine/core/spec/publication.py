"""The spec's ``publication:`` block: the dataset's published (gold) table.

A release replaces whole partitions (``partition_by``) of one table that accumulates the rest; rows are told
apart by the business ``key`` (the diff before approval compares by it, and duplicate keys stop a proposal).
Column types are not declared here: they come from the layer's own types (``type_cast``), so the published
table cannot disagree with the run's Parquet output.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Columns the publisher adds to every gold table (names a spec's columns may not take).
RELEASE_COLUMN = "_release_id"


class PublicationTotals(BaseModel):
    """Totals shown before and after in the diff (e.g. per partida and medida, the sum of monto)."""

    model_config = ConfigDict(extra="forbid")

    by: list[str] = Field(min_length=1, description="Columns the totals are grouped by (e.g. partida, medida).")
    value: str = Field(description="The numeric column summed (e.g. monto).")


class Publication(BaseModel):
    """The published table: its columns (with their comments), business key and partitions."""

    model_config = ConfigDict(extra="forbid")

    layer: Literal["silver", "gold"] = Field(default="silver", description="The layer published.")
    table: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{1,62}$",
                              description="Table name in the publication schema; default: the dataset's slug.")
    columns: dict[str, str] = Field(
        min_length=1, description="Published columns in order, each with its comment (the table's column comment).")
    key: list[str] = Field(min_length=1, description="The business key: one row per key value in a release.")
    partition_by: list[str] = Field(
        min_length=1, description="A release replaces these partitions whole; the table keeps the others.")
    totals: PublicationTotals | None = Field(default=None, description="Totals shown before and after in the diff.")

    @field_validator("key", "partition_by", mode="before")
    @classmethod
    def _words(cls, value: object) -> object:
        return value.split() if isinstance(value, str) else value  # `key: periodo partida ...` is a list too

    @model_validator(mode="after")
    def _consistent(self) -> "Publication":
        for name in self.columns:
            if name.startswith("_"):
                raise ValueError(f"column {name!r}: names starting with '_' are reserved ({RELEASE_COLUMN})")
        for field in ("key", "partition_by"):
            values = getattr(self, field)
            if len(set(values)) != len(values):
                raise ValueError(f"`{field}` repeats a column")
            missing = [c for c in values if c not in self.columns]
            if missing:
                raise ValueError(f"`{field}` names columns not in `columns`: {', '.join(missing)}")
        if not set(self.partition_by) <= set(self.key):
            raise ValueError("`partition_by` must be part of `key` (a row belongs to one partition)")
        if self.totals:
            missing = [c for c in (*self.totals.by, self.totals.value) if c not in self.columns]
            if missing:
                raise ValueError(f"`totals` names columns not in `columns`: {', '.join(missing)}")
        return self

    @property
    def values(self) -> list[str]:
        """The columns that are not part of the key (what a changed row differs in)."""
        return [c for c in self.columns if c not in self.key]


__all__ = ["Publication", "PublicationTotals", "RELEASE_COLUMN"]
