"""derive: add a text column from exactly one source: a run parameter, a constant, a template over other
columns, or a regex capture over a column, the RAW header labels or the RAW title rows above the header.

The header and title sources exist because DIPRES puts facts outside the table: the period in a column name
(``Ejecución Acumulada al ABRIL``, gone once ``rename`` makes it ``ejecucion_acumulada``), the program code and
currency in title rows (``120101 : SECRETARÍA ...``, ``Moneda Nacional``).
"""

from __future__ import annotations

import re
import string
from typing import Any, ClassVar, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from workbench.engine.core.steps.base import Step, StepContext, require_columns
from workbench.engine.core.table import Table, is_provenance

SOURCES = ("param", "value", "template", "from_column", "from_header", "from_title")


class DeriveStep(Step):
    type: Literal["derive"] = "derive"
    summary: ClassVar[str] = "Add a text column from a parameter, a constant, a template, or a regex capture."

    column: str = Field(description="Name of the column to create (an existing column is overwritten).")
    param: str | None = Field(None, description="Source: the value of this run parameter, on every row.")
    value: str | None = Field(None, description="Source: this constant text, on every row.")
    template: str | None = Field(None, description="Source: '{anio}-{mes:0>2}'; fields name columns or parameters.")
    from_column: str | None = Field(None, description="Source: the regex capture over this column's values.")
    from_header: bool = Field(False, description="Source: the regex capture over the RAW header labels (a constant).")
    from_title: bool = Field(False, description="Source: the regex capture over the RAW title rows above the header.")
    regex: str | None = Field(None, description="With from_column/_header/_title: the named group, else group 1.")

    @model_validator(mode="after")
    def _one_source(self) -> "DeriveStep":
        given = [s for s in SOURCES if getattr(self, s) not in (None, False)]
        if len(given) != 1:
            raise ValueError(f"give exactly one source among {', '.join(SOURCES)} (got {', '.join(given) or 'none'})")
        if (self.regex is not None) != bool(self.from_column or self.from_header or self.from_title):
            raise ValueError("'regex' is required with from_column/from_header/from_title and only allowed with them")
        if self.regex is not None:
            try:
                compiled = re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"invalid regex {self.regex!r}: {exc}") from None
            if len(compiled.groupindex) > 1:
                raise ValueError(f"regex has {len(compiled.groupindex)} named groups; use at most one")
        if self.template is not None:
            _ = self.fields  # raises ValueError on a malformed template
        if is_provenance(self.column):
            raise ValueError(f"column {self.column!r} is a provenance column name (_raw_*)")
        return self

    def derived_from(self, columns_in: list[str], columns_out: list[str]) -> dict[str, list[str]]:
        """A template reads the columns it names (its other fields are parameters); a capture reads its column;
        a parameter, a constant, the header or the title rows are constants."""
        if self.template is not None:
            sources = [name for _, name, _ in self.fields if name and name in columns_in]
        else:
            sources = [self.from_column] if self.from_column is not None and self.from_column in columns_in else []
        return {self.column: list(dict.fromkeys(sources))}

    @property
    def fields(self) -> list[tuple[str, str, str]]:
        """(literal text, field name, format spec) of the template; a trailing literal has an empty name."""
        try:
            parts = list(string.Formatter().parse(self.template or ""))
        except ValueError as exc:
            raise ValueError(f"invalid template {self.template!r}: {exc}") from None
        for _, name, spec, conv in parts:
            if name is not None and (not name.isidentifier() or conv or "{" in (spec or "")):
                got = name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "")
                raise ValueError(f"template fields must be plain names like {{anio}} or {{mes:0>2}}, got {{{got}}}")
        return [(lit, name or "", spec or "") for lit, name, spec, _ in parts]

    def _group(self, match: re.Match[str]) -> str | None:
        groups = match.re.groupindex
        return match.group(next(iter(groups))) if groups else match.group(1 if match.re.groups else 0)

    def touched_columns(self, table: Table) -> list[str]:
        return [self.column] if self.column in table.df.columns else []

    def describe(self) -> str:
        source = next(s for s in SOURCES if getattr(self, s) not in (None, False))
        return f"derive({self.column} <- {source})"

    def apply(self, table: Table, ctx: StepContext) -> Table:
        df, origins = table.df.copy(deep=False), dict(table.origins)
        origins.pop(self.column, None)
        if self.template is not None:
            result = self._template(table, ctx)
        elif self.from_column is not None:
            require_columns(table, [self.from_column], ctx)
            result = self._extract(table.df[self.from_column], ctx)
            if self.from_column in table.origins:
                origins[self.column] = table.origins[self.from_column]
        else:
            result = pd.Series(self._constant(ctx), index=df.index, dtype="str")
        df[self.column] = result.astype("str")
        return table.with_df(df, origins)

    def _constant(self, ctx: StepContext) -> str:
        if self.value is not None:
            return self.value
        if self.param is not None:
            return str(self._param(self.param, ctx))
        compiled = re.compile(self.regex or "")
        lines = [(row, str(text)) for row, text in ctx.preamble] if self.from_title else [
            (None, str(label)) for label in ctx.raw_header]  # fmt: skip
        for row, text in lines:
            if (match := compiled.search(text)) is not None and (found := self._group(match)) is not None:
                ctx.details.update({"title_row": row, "title": text} if self.from_title else {"header": text})
                ctx.details["value"] = found
                return found
        what, what_es = ("title row", "fila de título") if self.from_title else (
            "header label", "etiqueta de encabezado")  # fmt: skip
        listed = "; ".join(repr(t) if r is None else f"row {r}: {t!r}" for r, t in lines) or "(none)"
        raise ctx.error(
            f"no RAW {what} matches {self.regex!r}; they are: {listed}",
            message_es=f"ninguna {what_es} RAW coincide con {self.regex!r}; son: {listed.replace('row ', 'fila ')}",
            regex=self.regex, searched=[t for _, t in lines],
        )  # fmt: skip

    def _param(self, name: str, ctx: StepContext, template: bool = False) -> Any:
        if name not in ctx.params:
            known = ", ".join(sorted(ctx.params)) or "(none)"
            what, what_es = ("neither a column nor a run parameter", "no es columna ni parámetro") if template else (
                "a run parameter that is not set", "un parámetro no definido")  # fmt: skip
            raise ctx.error(
                f"{name!r} (for column {self.column!r}) is {what}; parameters given: {known}",
                message_es=f"{name!r} (para la columna {self.column!r}) es {what_es}; parámetros dados: {known}",
                parameter=name,
            )
        return ctx.params[name]

    def _format(self, value: Any, name: str, spec: str, ctx: StepContext) -> str:
        try:
            return format(value, spec)
        except (TypeError, ValueError) as exc:
            raise ctx.error(
                f"template field {{{name}:{spec}}} cannot format {value!r}: {exc}",
                message_es=f"el campo {{{name}:{spec}}} de la plantilla no puede formatear {value!r}: {exc}",
                value=str(value),
            ) from None

    def _extract(self, source: pd.Series, ctx: StepContext) -> pd.Series:
        """Python-regex semantics (Unicode \\w, as validated), run once per distinct value."""
        encoded = pc.dictionary_encode(pa.array(source.astype("str")))
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.unify_dictionaries().combine_chunks()
        compiled = re.compile(self.regex or "")
        found = [(self._group(m) if (m := compiled.search(v)) else None) for v in encoded.dictionary.to_pylist()]
        result = pc.take(pa.array(found, pa.large_string()), encoded.indices)
        ctx.details.update(matched=len(result) - result.null_count, no_match=result.null_count - encoded.null_count)
        return pd.Series(pd.array(result, dtype="str"), index=source.index)

    def _template(self, table: Table, ctx: StepContext) -> pd.Series:
        """Literal parts and plain fields are joined by pyarrow; formatted fields are formatted per distinct value."""
        df, pieces = table.df, []
        for literal, name, spec in self.fields:
            if literal:
                pieces.append(literal)
            if not name:
                continue
            if name not in df.columns:
                pieces.append(self._format(self._param(name, ctx, template=True), name, spec, ctx))
                continue
            if spec:  # format each distinct value once; values keep their type (e.g. {anio:04d} on Int64)
                codes, uniq = pd.factorize(df[name])
                formatted = pa.array([self._format(v, name, spec, ctx) for v in uniq], pa.large_string())
                pieces.append(pc.take(formatted, pa.array(codes, mask=codes < 0)))
            else:
                pieces.append(pc.cast(pa.array(df[name].astype("str")), pa.large_string()))
        arrays = [p for p in pieces if not isinstance(p, str)]
        if not arrays:
            return pd.Series("".join(pieces), index=df.index, dtype="str")
        typ = pa.large_string()
        parts = [pa.scalar(p, typ) if isinstance(p, str) else p for p in pieces]
        joined = pc.binary_join_element_wise(*parts, pa.scalar("", typ))
        ctx.details["missing_inputs"] = joined.null_count
        return pd.Series(pd.array(joined, dtype="str"), index=df.index)
