"""``dedupe``: remove rows that repeat a key, or fail when a key must be unique.

Missing values count as equal to each other. The error names the first duplicates with their RAW rows and
the RAW row each one repeats, so the user can open the file right there.
"""

from __future__ import annotations

from typing import ClassVar, Literal, NoReturn

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from workbench.engine.core.steps.base import Step, StepContext, require_columns
from workbench.engine.core.table import RAW_ROW, Table, is_provenance

#: How many duplicates an error message lists.
SHOWN_DUPLICATES = 5


class DedupeStep(Step):
    """Rows with the same values in ``columns`` are duplicates; ``keep`` says which one survives."""

    type: Literal["dedupe"] = "dedupe"
    summary: ClassVar[str] = "Remove duplicate rows (or fail on them), comparing key columns."

    columns: list[str] | None = Field(
        default=None, min_length=1, description="Key columns; default: every data column."
    )
    keep: Literal["first", "last"] = Field(default="first", description="Which of the duplicates is kept.")
    on_duplicate: Literal["drop", "error"] = Field(
        default="drop", description="`drop` the other rows, or fail with the first duplicates listed (`error`)."
    )

    @field_validator("columns")
    @classmethod
    def _no_provenance(cls, columns: list[str] | None) -> list[str] | None:
        if columns and any(is_provenance(c) for c in columns):
            raise ValueError("provenance columns (_raw_*) are unique per row and cannot be keys")
        return list(dict.fromkeys(columns)) if columns else columns

    def apply(self, table: Table, ctx: StepContext) -> Table:
        keys = list(self.columns) if self.columns is not None else table.data_columns
        require_columns(table, keys, ctx)
        if not keys:
            return table.with_df(table.df)
        duplicated = table.df.duplicated(subset=keys, keep=self.keep).to_numpy()
        count = int(duplicated.sum())
        ctx.details["rows_removed" if self.on_duplicate == "drop" else "duplicates"] = count
        if count and self.on_duplicate == "error":
            self._fail(table, keys, duplicated, ctx)
        return table.with_df(table.df[~duplicated])  # index labels kept: the pipeline shows removed rows

    def _fail(self, table: Table, keys: list[str], duplicated: np.ndarray, ctx: StepContext) -> NoReturn:
        df = table.df
        group = df.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
        kept = np.flatnonzero(~duplicated)  # exactly one kept row per group
        kept_of_group = dict(zip(group[kept].tolist(), kept.tolist()))
        raw = df[RAW_ROW].to_numpy() if RAW_ROW in df.columns else np.arange(1, len(df) + 1)
        positions = np.flatnonzero(duplicated)
        shown_en, shown_es = [], []
        for position in positions[:SHOWN_DUPLICATES]:
            values = {k: df[k].iloc[position] for k in keys}
            key_en = ", ".join(f"{k}={'missing' if pd.isna(v) else repr(v)}" for k, v in values.items())
            key_es = ", ".join(f"{k}={'vacío' if pd.isna(v) else repr(v)}" for k, v in values.items())
            row, kept_row = int(raw[position]), int(raw[kept_of_group[group[position]]])
            shown_en.append(f"row {row} repeats row {kept_row} ({key_en})")
            shown_es.append(f"la fila {row} repite la fila {kept_row} ({key_es})")
        more = "; …" if len(positions) > SHOWN_DUPLICATES else ""
        keys_text = ", ".join(keys)
        raise ctx.error(
            f"{len(positions)} duplicate row(s) on ({keys_text}): {'; '.join(shown_en)}{more}",
            message_es=f"{len(positions)} fila(s) duplicada(s) en ({keys_text}): {'; '.join(shown_es)}{more}",
            row=int(raw[positions[0]]),
            column=", ".join(table.origins[k] for k in keys if k in table.origins) or None,
            duplicates=len(positions),
        )

    def describe(self) -> str:
        keys = ", ".join(self.columns) if self.columns else "todas las columnas"
        return f"dedupe({keys}{', conserva la última' if self.keep == 'last' else ''})"


__all__ = ["DedupeStep"]
