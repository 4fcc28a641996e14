"""What every step shares: its pydantic base model and the context it runs in.

A step is data (a pydantic model parsed from the spec, selected by its ``type``) with one method,
``apply(table, ctx) -> Table``. Steps never mutate their input table and never import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SerializationInfo, SerializerFunctionWrapHandler, model_serializer

from workbench.engine.core.errors import ColumnNotFoundError, StepError
from workbench.engine.core.notices import Notice
from workbench.engine.core.table import Table


@dataclass
class StepContext:
    """Everything a step may read or report besides its table.

    - ``params``: the run parameters, already validated and typed.
    - ``raw_header``: the RAW header labels as read (before any rename), for ``derive`` from a header.
    - ``preamble``: the text of each RAW row above the header (title rows), for ``derive`` from a title,
      as ``(raw_row_number, text)`` with the row's non-empty cells joined by `` | ``.
    - ``control_totals``: values captured from the RAW file (e.g. the ``RESULTADO`` footer) for the run.
    - ``details``: per-step facts the step wants shown in the timeline (reset before each step).
    - ``warnings``: messages for the user that do not stop the run, in English and Spanish (``warn``).
    """

    params: dict[str, Any] = field(default_factory=dict)
    raw_header: list[str] = field(default_factory=list)
    preamble: list[tuple[int, str]] = field(default_factory=list)
    control_totals: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    warnings: list[Notice] = field(default_factory=list)
    layer: str = "?"
    step_label: str = "?"
    source_file: str | None = None

    def warn(self, message: str, message_es: str) -> None:
        """A warning for the user: the run goes on."""
        self.warnings.append(Notice(message, message_es))

    def error(self, message: str, *, message_es: str | None = None, **details: Any) -> StepError:
        """A StepError located at the current layer/step (and file, when known)."""
        details.setdefault("file", self.source_file)
        return StepError(message, message_es=message_es, step=self.step_label, layer=self.layer, **details)


class Step(BaseModel):
    """Base of every step model. Subclasses declare ``type: Literal["name"]`` and implement ``apply``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: a one-line summary shown in docs and in the timeline.
    summary: ClassVar[str] = ""

    disabled: bool = Field(False, description="Keep the step in the spec but skip it (the rule editor's switch).")

    @model_serializer(mode="wrap")
    def _without_default_switch(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        """``disabled: false`` is never written out: a spec dumps (and hashes) as it did before the switch."""
        data = handler(self)
        if isinstance(data, dict) and not data.get("disabled"):
            data.pop("disabled", None)
        return data

    def apply(self, table: Table, ctx: StepContext) -> Table:  # pragma: no cover - abstract
        raise NotImplementedError

    def touched_columns(self, table: Table) -> list[str]:
        """Columns whose values this step may change in place (the timeline counts changed cells there)."""
        return []

    def describe(self) -> str:
        """A short human label for the timeline, e.g. ``strip(denominacion)``."""
        return self.type  # type: ignore[attr-defined]

    def derived_from(self, columns_in: list[str], columns_out: list[str]) -> dict[str, list[str]]:
        """Column lineage: each column this step makes (or overwrites from other columns) -> the input columns
        its values come from ([] for a constant). Columns it does not name keep their own lineage: a column
        present before and after is itself (transformed where the timeline counts changed cells)."""
        return {}


def require_columns(table: Table, columns: list[str], ctx: StepContext) -> None:
    """Raise a located ColumnNotFoundError if any of ``columns`` is missing."""
    missing = [c for c in columns if c not in table.df.columns]
    if missing:
        raise ColumnNotFoundError(
            step=ctx.step_label,
            layer=ctx.layer,
            missing=", ".join(repr(m) for m in missing),
            available=", ".join(repr(c) for c in table.data_columns),
            file=ctx.source_file,
        )


__all__ = ["Step", "StepContext", "require_columns"]
