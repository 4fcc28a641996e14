"""The explicit step registry. Adding a step = its module + one line in STEPS + docs/steps.md + tests."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from workbench.engine.steps.base import Step, StepContext
from workbench.engine.steps.dedupe import DedupeStep
from workbench.engine.steps.derive import DeriveStep
from workbench.engine.steps.drop import DropStep
from workbench.engine.steps.drop_rows import DropRowsStep
from workbench.engine.steps.fill_down import FillDownStep
from workbench.engine.steps.filter import FilterStep
from workbench.engine.steps.hierarchy_level import HierarchyLevelStep
from workbench.engine.steps.map_categories import MapCategoriesStep
from workbench.engine.steps.melt import MeltStep
from workbench.engine.steps.rename import RenameStep
from workbench.engine.steps.select import SelectStep
from workbench.engine.steps.sort import SortStep
from workbench.engine.steps.split import SplitStep
from workbench.engine.steps.strip import StripStep
from workbench.engine.steps.type_cast import TypeCastStep

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


__all__ = ["STEPS", "AnyStep", "Step", "StepContext", "step_names"]
