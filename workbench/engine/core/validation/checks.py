"""Our custom checks by their spec name: the kwargs model each one takes (no GX import here)."""

from __future__ import annotations

from pydantic import BaseModel

from workbench.engine.core.validation.control_total import ControlTotalKwargs
from workbench.engine.core.validation.hierarchy import HierarchyKwargs

HIERARCHY = "expect_hierarchy_consistency"
CONTROL_TOTAL = "expect_control_total"
CUSTOM_KWARGS: dict[str, type[BaseModel]] = {HIERARCHY: HierarchyKwargs, CONTROL_TOTAL: ControlTotalKwargs}

__all__ = ["CONTROL_TOTAL", "CUSTOM_KWARGS", "HIERARCHY"]
