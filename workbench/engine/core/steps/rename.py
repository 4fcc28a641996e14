"""``rename``: give columns stable names, whatever the file version calls them.

DIPRES headers drift (``Capítulo``/``Capitulo``, ``Ítem``/``Item``) and embed the period in a name
(``Ejecución Acumulada al ABRIL``), so besides an exact ``mapping`` the step takes regex ``patterns`` and
an ASCII ``snake_case`` pass. Origins follow the renames, so every value stays traceable to its RAW column.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import ClassVar, Literal, NoReturn

from pydantic import Field, field_validator

from workbench.engine.core.steps.base import Step, StepContext
from workbench.engine.core.table import Table, is_provenance


def snake_case(name: str) -> str:
    """``Subtítulo`` -> ``subtitulo``, ``Monto Dólar`` -> ``monto_dolar``, ``Subt.`` -> ``subt``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", ascii_name)
    return re.sub(r"[^0-9a-zA-Z]+", "_", ascii_name).strip("_").lower()


def _names(columns: Iterable[str], table: Table | None = None) -> str:
    """``'Capítulo' [B], 'Capitulo' [C]``: names with their RAW column letters when known."""
    origins = table.origins if table is not None else {}
    return ", ".join(f"{c!r} [{origins[c]}]" if c in origins else repr(c) for c in columns)


class RenameStep(Step):
    """Rename by exact ``mapping``, then by ``patterns`` (re.search on the names), then ``snake_case``
    every column not renamed explicitly."""

    type: Literal["rename"] = "rename"
    summary: ClassVar[str] = "Rename columns: exact names, regex patterns, then optional snake_case."

    mapping: dict[str, str] = Field(default_factory=dict, description="Exact old name -> new name.")
    patterns: dict[str, str] = Field(
        default_factory=dict,
        description="Regex (re.search on the column name) -> new name; the name may use groups (\\1, \\g<name>).",
    )
    snake_case: bool = Field(default=False, description="Turn every other column name into ASCII snake_case.")
    missing: Literal["error", "ignore"] = Field(
        default="error", description="A mapped name absent, or a pattern matching no column: `error` or `ignore`."
    )

    @field_validator("mapping", "patterns")
    @classmethod
    def _valid_names(cls, names: dict[str, str]) -> dict[str, str]:
        for old, new in names.items():
            if not new.strip():
                raise ValueError(f"the new name for {old!r} is empty")
            if is_provenance(old) or is_provenance(new):
                raise ValueError(f"provenance columns (_raw_*) cannot be renamed: {old!r} -> {new!r}")
        return names

    @field_validator("patterns")
    @classmethod
    def _valid_patterns(cls, patterns: dict[str, str]) -> dict[str, str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        return patterns

    def apply(self, table: Table, ctx: StepContext) -> Table:
        columns = table.data_columns
        absent = [old for old in self.mapping if old not in columns]
        if absent and self.missing == "error":
            self._fail(ctx, table, f"no column named {_names(absent)}", f"no existe la columna {_names(absent)}")
        explicit = {old: new for old, new in self.mapping.items() if old in columns}
        for pattern, new in self.patterns.items():
            hits = {old: m for old in columns if old not in explicit and (m := re.search(pattern, str(old)))}
            if not hits and self.missing == "error":
                self._fail(ctx, table, f"pattern {pattern!r} matches no column",
                           f"el patrón {pattern!r} no coincide con ninguna columna")
            if len(hits) > 1 and len({m.expand(new) for m in hits.values()}) == 1:
                found = _names(hits, table)
                self._fail(ctx, table, f"pattern {pattern!r} matches {len(hits)} columns: {found}",
                           f"el patrón {pattern!r} coincide con {len(hits)} columnas: {found}")
            explicit.update({old: m.expand(new) for old, m in hits.items()})
        names = {c: explicit[c] if c in explicit else snake_case(str(c)) if self.snake_case else c for c in columns}
        self._check_result(names, table, ctx)
        renamed = {old: new for old, new in names.items() if old != new}
        ctx.details["renamed"] = renamed
        origins = {renamed.get(col, col): letter for col, letter in table.origins.items()}
        return table.with_df(table.df.rename(columns=renamed), origins)

    def _check_result(self, names: dict[str, str], table: Table, ctx: StepContext) -> None:
        nameless = [old for old, new in names.items() if not new.strip()]
        if nameless:
            self._fail(ctx, table, f"column {_names(nameless[:1], table)} would get an empty name",
                       f"la columna {_names(nameless[:1], table)} quedaría sin nombre")
        targets = list(names.values())
        for new in dict.fromkeys(t for t in targets if targets.count(t) > 1):
            sources = _names([old for old, n in names.items() if n == new], table)
            self._fail(ctx, table, f"columns {sources} would all be named {new!r}",
                       f"las columnas {sources} quedarían todas con el nombre {new!r}")

    @staticmethod
    def _fail(ctx: StepContext, table: Table, message: str, message_es: str) -> NoReturn:
        available = _names(table.data_columns)
        raise ctx.error(f"{message} (columns: {available})", message_es=f"{message_es} (columnas: {available})")

    def derived_from(self, columns_in: list[str], columns_out: list[str]) -> dict[str, list[str]]:
        """A rename keeps the columns' order and count: the i-th column out is the i-th column in."""
        if len(columns_in) != len(columns_out):
            return {}
        return {new: [old] for old, new in zip(columns_in, columns_out) if old != new}

    def describe(self) -> str:
        parts = [f"{old}→{new}" for old, new in self.mapping.items()]
        parts += [f"/{pattern}/→{new}" for pattern, new in self.patterns.items()]
        parts += ["snake_case"] if self.snake_case else []
        return f"rename({', '.join(parts[:3])}{', …' if len(parts) > 3 else ''})"


__all__ = ["RenameStep", "snake_case"]
