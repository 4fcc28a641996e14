"""hierarchy_level: name the level of each row of an implicit code hierarchy.

DIPRES mixes aggregates and leaves in one table: a subtítulo row has ``Item``/``Asignación`` empty (2009-2017)
or zero (``00``/``000``, 2027 format). Summing every row double counts, so the level of each row must be
explicit before anything is aggregated. A row whose deeper code is set while a shallower one is empty is a
gap: probably a shifted or broken row, so it is counted, and warned about or refused.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from workbench.engine.core.steps.base import Step, StepContext, require_columns
from workbench.engine.core.table import RAW_ROW, Table, is_provenance

MAX_LISTED = 5


class HierarchyLevelStep(Step):
    type: Literal["hierarchy_level"] = "hierarchy_level"
    summary: ClassVar[str] = "Name each row's level: its deepest non-empty code column (subtitulo/item/asignacion)."

    columns: list[str] = Field(min_length=1, description="Code columns from the top level to the deepest.")
    levels: list[str] | None = Field(None, description="Level name per column, same length (default: the names).")
    target: str = Field("nivel", description="Column receiving the level name.")
    zero_as_empty: bool = Field(True, description="Treat all-zero codes ('00', '000') as empty (2027 format).")
    on_gap: Literal["warn", "error"] = Field("warn", description="A deeper code set under an empty one: warn or fail.")

    @model_validator(mode="after")
    def _check(self) -> "HierarchyLevelStep":
        if self.levels is not None and len(self.levels) != len(self.columns):
            raise ValueError(f"levels has {len(self.levels)} names but columns has {len(self.columns)}; give one each")
        if len(set(self.columns)) != len(self.columns):
            raise ValueError(f"columns lists a column twice: {self.columns}")
        if self.target in self.columns:
            raise ValueError(f"target {self.target!r} is one of the code columns; choose another name")
        if is_provenance(self.target):
            raise ValueError(f"target {self.target!r} is a provenance column name (_raw_*)")
        return self

    def touched_columns(self, table: Table) -> list[str]:
        return [self.target] if self.target in table.df.columns else []

    def derived_from(self, columns_in: list[str], columns_out: list[str]) -> dict[str, list[str]]:
        """The level is read off which code columns are filled."""
        return {self.target: [c for c in self.columns if c in columns_in]}

    def describe(self) -> str:
        return f"hierarchy_level({' > '.join(self.columns)} -> {self.target})"

    def apply(self, table: Table, ctx: StepContext) -> Table:
        require_columns(table, self.columns, ctx)
        levels = self.levels or self.columns
        filled = [self._filled(table.df[c]) for c in self.columns]  # column-wise: k is tiny, n is not
        deepest = np.full(len(table.df), -1, dtype=np.int64)
        count = np.zeros(len(table.df), dtype=np.int64)
        for level, mask in enumerate(filled):
            deepest[mask] = level
            count += mask
        has_code = deepest >= 0
        gap = has_code & (count != deepest + 1)  # some level above the deepest one is empty
        index = pa.array(deepest, mask=~has_code)
        df = table.df.copy(deep=False)
        names = pc.take(pa.array(levels, pa.large_string()), index)
        df[self.target] = pd.Series(pd.array(names, dtype="str"), index=df.index)
        counts = np.bincount(deepest[has_code], minlength=len(levels))
        ctx.details.update(levels=dict(zip(levels, map(int, counts))), no_code=int((~has_code).sum()))
        if gap.any():
            self._gaps(table, filled, gap, ctx)
        return table.with_df(df, {k: v for k, v in table.origins.items() if k != self.target})

    def _filled(self, column: pd.Series) -> np.ndarray:
        text = pc.utf8_trim_whitespace(pa.array(column.astype("str")))
        if self.zero_as_empty:
            text = pc.utf8_trim(text, "0")  # `00`, `000` -> ""
        return pc.fill_null(pc.not_equal(text, ""), False).to_numpy(zero_copy_only=False)

    def _gaps(self, table: Table, filled: list[np.ndarray], gap: np.ndarray, ctx: StepContext) -> None:
        count, pos = int(gap.sum()), np.flatnonzero(gap)[:MAX_LISTED]
        found = []
        for p in pos:
            empty = next(c for c, mask in zip(self.columns, filled) if not mask[p])  # first empty level
            row = int(table.df[RAW_ROW].iloc[p]) if RAW_ROW in table.df else None
            found.append({"row": row, "column": table.origins.get(empty), "empty": empty})
        listed = "; ".join(f"row {f['row']} ({f['empty']} empty, column {f['column']})" for f in found)
        listed_es = "; ".join(f"fila {f['row']} ({f['empty']} vacío, columna {f['column']})" for f in found)
        message = f"{count} row(s) have a deeper code under an empty level ({' > '.join(self.columns)}): {listed}"
        message_es = (f"{count} fila(s) tienen un código más profundo bajo un nivel vacío "
                      f"({' > '.join(self.columns)}): {listed_es}")
        ctx.details["gaps"] = count
        if self.on_gap == "warn":
            ctx.warn(message, message_es)
            return
        raise ctx.error(
            message,
            message_es=message_es,
            row=found[0]["row"], column=found[0]["column"], count=count, examples=found,
        )  # fmt: skip
