"""Column aggregate checks (a statistic of one column against a range or a set)."""

from __future__ import annotations

from typing import Callable

from workbench.engine.core.validation.vectorised.batch import Batch
from workbench.engine.core.validation.vectorised.gxdoc import Outcome
from workbench.engine.core.validation.vectorised.kwargs import GxKwargs

AGGREGATE: dict[str, Callable[[Batch, GxKwargs], Outcome]] = {}

__all__ = ["AGGREGATE"]
