"""``split``: break one text column into several, by a regex with named groups or by a separator.

The DIPRES Excel title cell ``120101 : SECRETARÍA Y ADMINISTRACIÓN GENERAL`` becomes ``codigo`` and
``nombre``. New columns come from the same RAW cell, so they take the source column's origin. Values that
do not match give missing values; they are counted, not fatal, and their RAW rows are shown.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from workbench.engine.core.steps.base import Step, StepContext, require_columns
from workbench.engine.core.steps.conditions import arrow_text
from workbench.engine.core.table import RAW_ROW, Table, is_provenance

#: How many RAW rows of unmatched values the timeline shows.
SHOWN_UNMATCHED = 5


class SplitStep(Step):
    """Either ``pattern`` (each named group becomes a column) or ``separator`` + ``into``."""

    type: Literal["split"] = "split"
    summary: ClassVar[str] = "Split a text column into new columns by regex groups or a separator."

    column: str = Field(description="The text column to split.")
    pattern: str | None = Field(default=None, description="Python regex (re.search); named groups become columns.")
    separator: str | None = Field(default=None, min_length=1, description="Literal separator text, e.g. ' : '.")
    into: list[str] | None = Field(default=None, min_length=2, description="New column names for the parts.")
    maxsplit: int | None = Field(
        default=None, ge=1, description="Split at most this many times (the last part keeps the rest)."
    )
    keep_source: bool = Field(default=True, description="Keep the source column next to the new ones.")

    @model_validator(mode="after")
    def _one_form(self) -> "SplitStep":
        if (self.pattern is None) == (self.separator is None):
            raise ValueError("give either `pattern` or `separator` (with `into`)")
        if self.pattern is not None:
            if self.into is not None or self.maxsplit is not None:
                raise ValueError("`into` and `maxsplit` go with `separator`; a `pattern` names columns by its groups")
            try:
                groups = list(re.compile(self.pattern).groupindex)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {self.pattern!r}: {exc}") from None
            if not groups:
                raise ValueError("the pattern has no named group, e.g. (?P<codigo>\\d{6})")
        elif self.into is None:
            raise ValueError("`separator` needs `into`, the names of the parts")
        elif self.maxsplit is not None and self.maxsplit + 1 < len(self.into):
            raise ValueError(f"maxsplit {self.maxsplit} gives at most {self.maxsplit + 1} parts, not {len(self.into)}")
        names = self.new_columns
        if len(set(names)) != len(names) or any(is_provenance(n) for n in names):
            raise ValueError(f"new column names must be distinct and not start with _raw_: {names}")
        return self

    @property
    def new_columns(self) -> list[str]:
        return list(re.compile(self.pattern).groupindex) if self.pattern else list(self.into or [])

    def apply(self, table: Table, ctx: StepContext) -> Table:
        require_columns(table, [self.column], ctx)
        clash = [c for c in self.new_columns if c in table.df.columns and (c != self.column or self.keep_source)]
        if clash:
            raise ctx.error(f"split would overwrite existing column(s) {clash}",
                            message_es=f"split sobrescribiría la(s) columna(s) existente(s) {clash}",
                            column=table.origins.get(self.column))
        source = table.df[self.column]
        parts, matched = self._regex_parts(source) if self.pattern else self._separator_parts(source)
        unmatched = ~matched & source.notna().to_numpy()
        ctx.details["unmatched"] = int(unmatched.sum())
        if unmatched.any() and RAW_ROW in table.df.columns:
            ctx.details["unmatched_rows"] = table.df[RAW_ROW].to_numpy()[unmatched][:SHOWN_UNMATCHED].tolist()
        df = table.df.drop(columns=[] if self.keep_source else [self.column])
        at = table.df.columns.get_loc(self.column) + (1 if self.keep_source else 0)
        for offset, name in enumerate(self.new_columns):
            df.insert(at + offset, name, pd.Series(parts[name], index=df.index))
        origin = table.origins.get(self.column)
        origins = {**table.origins, **({n: origin for n in self.new_columns} if origin else {})}
        return table.with_df(df, {c: origins[c] for c in df.columns if c in origins})

    def _regex_parts(self, source: pd.Series) -> tuple[dict[str, pd.arrays.ArrowStringArray], np.ndarray]:
        """Python ``re`` (the semantics the spec was validated with), run once per distinct value."""
        regex = re.compile(self.pattern or "")
        codes, uniques = pd.factorize(source.astype("str"))
        found = list(map(regex.search, uniques.tolist()))
        rows = np.where(codes < 0, len(found), codes)  # code -1 (missing) points at an extra no-match slot
        matched = np.array([m is not None for m in found] + [False])[rows]
        parts = {}
        for name in self.new_columns:
            values = pd.array([m.group(name) if m else None for m in found] + [None], dtype="str")
            parts[name] = values.take(rows)
        return parts, matched

    def _separator_parts(self, source: pd.Series) -> tuple[dict[str, pd.arrays.ArrowStringArray], np.ndarray]:
        """Arrow split; a value matches when it has exactly ``len(into)`` parts."""
        into = self.into or []
        lists = pc.split_pattern(arrow_text(source), pattern=self.separator, max_splits=self.maxsplit)
        ok = pc.fill_null(pc.equal(pc.list_value_length(lists), len(into)), False)
        lists = pc.if_else(ok, lists, pa.scalar(None, lists.type))
        parts = {name: _str_array(pc.list_element(lists, i)) for i, name in enumerate(into)}
        return parts, ok.to_numpy(zero_copy_only=False)

    def derived_from(self, columns_in: list[str], columns_out: list[str]) -> dict[str, list[str]]:
        """Every part is cut from the source column."""
        made = [c for c in columns_out if c not in columns_in or c in (self.into or [])]
        return {c: [self.column] for c in made if c != self.column}

    def describe(self) -> str:
        return f"split({self.column} → {', '.join(self.new_columns)})"


def _str_array(text: pa.ChunkedArray) -> pd.arrays.ArrowStringArray:
    return pd.arrays.ArrowStringArray(text, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


__all__ = ["SplitStep"]
