"""Spec expectations evaluated as vectorised pandas/pyarrow column operations, without GX.

GX stays the vocabulary (types and kwargs), the result format and the Data Docs; this package computes what
GX's pandas engine computes, with GX 1.24's own pandas operations, minus its per-expectation machinery
(metric graphs, pydantic copies, JSON round trips): one pass over the layer's checks, null masks and the row
count shared. ``evaluate`` returns None for what it does not reproduce (a type it does not know, GX-only
arguments such as ``row_condition``, arguments GX would refuse, a dtype GX treats specially): those checks go to
GX. ``tests/unit/validation/test_differential.py`` runs every type through both and requires equal results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from workbench.engine.core.validation.models import ExpectationSpec
from workbench.engine.core.validation.vectorised.aggregates import AGGREGATE
from workbench.engine.core.validation.vectorised.batch import Batch, Unsupported
from workbench.engine.core.validation.vectorised.column_map import COLUMN_MAP
from workbench.engine.core.validation.vectorised.custom import CUSTOM
from workbench.engine.core.validation.vectorised.gxdoc import Outcome, config_doc
from workbench.engine.core.validation.vectorised.kwargs import GxKwargs, gx_kwargs
from workbench.engine.core.validation.vectorised.multicolumn import MULTICOLUMN
from workbench.engine.core.validation.vectorised.refusals import refused
from workbench.engine.core.validation.vectorised.table import TABLE

#: GX core type -> its vectorised check
CORE: dict[str, Callable[[Batch, GxKwargs], Outcome]] = {**COLUMN_MAP, **MULTICOLUMN, **AGGREGATE, **TABLE}
#: every type the vectorised path evaluates
SUPPORTED = frozenset([*CORE, *CUSTOM])


@dataclass
class Evaluated:
    """One check done without GX: its stored configuration (GX's document) and its outcome. ``refused``: GX's
    runner would not have built the check (its message); it then has no GX document."""

    config: dict[str, Any] | None
    outcome: Outcome | None = None
    refused: str | None = None


def evaluate(batch: Batch, item: ExpectationSpec, layer: str) -> Evaluated | None:
    """The check's outcome, or None when GX must evaluate it."""
    try:
        if item.type in CUSTOM:
            try:
                stored, run = CUSTOM[item.type](batch, item)
            except ValueError as exc:  # the runner refuses it before GX sees it (e.g. a control total's text)
                return Evaluated(None, refused=str(exc))
            return Evaluated(_config(item, layer, stored), run())
        check = CORE.get(item.type)
        if check is None:
            return None
        kw = gx_kwargs(item)
        if refused(item.type, kw):
            return None
        return Evaluated(_config(item, layer, kw.stored), check(batch, kw))
    except Unsupported:
        return None


def _config(item: ExpectationSpec, layer: str, stored: dict[str, Any]) -> dict[str, Any]:
    return config_doc(item.type, stored, layer=layer, item_id=item.id or "?", severity=item.severity,
                      description=item.description)


__all__ = ["Batch", "Evaluated", "SUPPORTED", "evaluate"]
