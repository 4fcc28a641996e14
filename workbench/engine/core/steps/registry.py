"""The explicit step registry. Adding a step = its module + one line in STEPS + docs/steps.md + tests."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from workbench.engine.core.steps.base import Step, StepContext
from workbench.engine.core.steps.dedupe import DedupeStep
from workbench.engine.core.steps.derive import DeriveStep
from workbench.engine.core.steps.drop import DropStep
from workbench.engine.core.steps.drop_rows import DropRowsStep
from workbench.engine.core.steps.fill_down import FillDownStep
from workbench.engine.core.steps.filter import FilterStep
from workbench.engine.core.steps.hierarchy_level import HierarchyLevelStep
from workbench.engine.core.steps.map_categories import MapCategoriesStep
from workbench.engine.core.steps.melt import MeltStep
from workbench.engine.core.steps.rename import RenameStep
from workbench.engine.core.steps.select import SelectStep
from workbench.engine.core.steps.sort import SortStep
from workbench.engine.core.steps.split import SplitStep
from workbench.engine.core.steps.strip import StripStep
from workbench.engine.core.steps.type_cast import TypeCastStep

#: Every step, in documentation order. The ``type`` literal of each class is its name in specs.
STEPS: list[type[Step]] = [
    SelectStep,
    RenameStep,
    DropStep,
    StripStep,
    DropRowsStep,
    FillDownStep,
    FilterStep,
    MeltStep,
    MapCategoriesStep,
    TypeCastStep,
    DeriveStep,
    HierarchyLevelStep,
    SplitStep,
    DedupeStep,
    SortStep,
]

AnyStep = Annotated[Union[tuple(STEPS)], Field(discriminator="type")]  # type: ignore[valid-type]


def step_names() -> list[str]:
    return [cls.model_fields["type"].default for cls in STEPS]


__all__ = ["STEPS", "AnyStep", "step_names"]
