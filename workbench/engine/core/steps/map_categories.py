"""map_categories: recode a column through an explicit table (``P`` -> ``CLP``, ``ABRIL`` -> ``04``).

Keys are compared after stripping whitespace (DIPRES pads labels to a fixed width). Missing or blank cells
stay missing and are never "unmapped"; what to do with a present value that has no key is the spec's choice.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, field_validator, model_validator

from workbench.engine.core.steps.base import Step, StepContext, require_columns
from workbench.engine.core.table import RAW_COL, RAW_ROW, Table, is_provenance

MAX_LISTED = 5  # distinct unmapped values quoted in a message
MAX_DETAILED = 50  # distinct unmapped values counted in the timeline details


class MapCategoriesStep(Step):
    type: Literal["map_categories"] = "map_categories"
    summary: ClassVar[str] = "Recode a column's values through an explicit mapping (e.g. P -> CLP, ABRIL -> 04)."

    column: str = Field(description="Column whose values are looked up.")
    mapping: dict[str, str | None] = Field(min_length=1, description="Source text -> new text (null: missing).")
    unmapped: Literal["error", "keep", "null"] = Field(
        "error", description="A present value with no key: fail, keep it unchanged, or make it missing."
    )
    target: str | None = Field(None, description="Write the result to this column (default: replace in place).")
    case_insensitive: bool = Field(False, description="Compare keys ignoring letter case.")

    @field_validator("mapping", mode="before")
    @classmethod
    def _texts_only(cls, value: Any) -> Any:
        for key, new in value.items() if isinstance(value, dict) else ():
            if not isinstance(key, str) or not (new is None or isinstance(new, str)):
                bad = key if not isinstance(key, str) else new
                raise ValueError(f"mapping entries must be text; quote {bad!r} in the YAML (e.g. '01', 'true')")
        return value

    @model_validator(mode="after")
    def _keys_distinct(self) -> "MapCategoriesStep":
        seen: dict[str, tuple[str, str | None]] = {}
        for key, new in self.mapping.items():
            norm = self._norm(key)
            if norm == "":
                raise ValueError("a mapping key is empty; missing values are never mapped")
            if norm in seen and seen[norm][1] != new:
                raise ValueError(f"keys {seen[norm][0]!r} and {key!r} are the same after stripping/case folding")
            seen[norm] = (key, new)
        if self.target is not None and is_provenance(self.target):
            raise ValueError(f"target {self.target!r} is a provenance column name (_raw_*)")
        return self

    def _norm(self, text: str) -> str:
        return text.strip().lower() if self.case_insensitive else text.strip()

    def touched_columns(self, table: Table) -> list[str]:
        target = self.target or self.column
        return [target] if target in table.df.columns else []

    def describe(self) -> str:
        arrow = f" -> {self.target}" if self.target else ""
        return f"map_categories({self.column}{arrow}, {len(self.mapping)} {'clave' if len(self.mapping) == 1 else 'claves'})"

    def apply(self, table: Table, ctx: StepContext) -> Table:
        require_columns(table, [self.column], ctx)
        source = table.df[self.column]
        raw = pa.array(source.astype("str"))
        raw = raw.combine_chunks() if isinstance(raw, pa.ChunkedArray) else raw
        text = pc.utf8_trim_whitespace(raw)
        text = pc.utf8_lower(text) if self.case_insensitive else text
        keys = {self._norm(k): v for k, v in self.mapping.items()}
        index = pc.index_in(text, value_set=pa.array(list(keys), text.type))
        mapped = pc.take(pa.array(list(keys.values()), pa.large_string()), index)
        present = pc.fill_null(pc.not_equal(text, ""), False).to_numpy(zero_copy_only=False)
        missed = present & pc.is_null(index).to_numpy(zero_copy_only=False)
        ctx.details["mapped"] = int((present & ~missed).sum())
        if missed.any():
            self._unmapped(table, source, missed, ctx)
            if self.unmapped == "keep":
                mapped = pc.if_else(pa.array(missed), pc.cast(raw, pa.large_string()), mapped)
        df = table.df.copy(deep=False)
        target = self.target or self.column
        df[target] = pd.Series(pd.array(mapped, dtype="str"), index=df.index)
        origins = dict(table.origins)
        if self.column in table.origins:
            origins[target] = table.origins[self.column]
        return table.with_df(df, origins)

    def _unmapped(self, table: Table, source: pd.Series, missed: np.ndarray, ctx: StepContext) -> None:
        """Count distinct unmapped values (by their stripped text) with the RAW cell of their first row."""
        pos = np.flatnonzero(missed)
        values = source.iloc[pos].astype("str").str.strip()
        first = ~values.duplicated().to_numpy()
        counts = values.value_counts(sort=False)
        rows = table.df[RAW_ROW].iloc[pos] if RAW_ROW in table.df else pd.Series([None] * len(pos))
        letter = table.origins.get(self.column)
        cols = table.df[RAW_COL].iloc[pos] if letter is None and RAW_COL in table.df else pd.Series([letter] * len(pos))
        found = [
            {"value": v, "count": int(counts[v]), "row": None if pd.isna(r) else int(r), "column": c}
            for v, r, c in zip(values[first], rows.to_numpy()[first], cols.to_numpy()[first])
        ]
        ctx.details["unmapped"] = {f["value"]: f["count"] for f in found[:MAX_DETAILED]}
        shown, n_rows = found[:MAX_LISTED], int(missed.sum())
        listed = "; ".join(
            f"{f['value']!r} ×{f['count']} (first at row {f['row']} column {f['column']})" for f in shown)
        listed_es = "; ".join(
            f"{f['value']!r} ×{f['count']} (primera en fila {f['row']} columna {f['column']})" for f in shown)
        extra = len(found) - len(shown)
        more, more_es = (f" and {extra} more", f" y {extra} más") if extra else ("", "")
        message = f"column '{self.column}': {len(found)} value(s) not in the mapping ({n_rows} rows): {listed}{more}"
        message_es = (f"columna '{self.column}': {len(found)} valor(es) sin equivalencia ({n_rows} filas): "
                      f"{listed_es}{more_es}")
        if self.unmapped == "null":
            ctx.warn(f"{message} (set to missing)", f"{message_es} (quedaron vacíos)")
        if self.unmapped != "error":
            return
        raise ctx.error(
            message,
            message_es=message_es,
            row=found[0]["row"], column=found[0]["column"], value=found[0]["value"], column_name=self.column,
            count=len(found), unmapped_rows=n_rows, examples=shown,
        )  # fmt: skip
