"""Quality gates: expectations declared per layer in the spec, in Great Expectations' vocabulary and result format.

The checks are evaluated as vectorised column operations (vectorised/), GX being their oracle; GX itself is
imported (by gx_runner) only for a check the vectorised path leaves to it, or with ``WORKBENCH_QA_ENGINE=gx``.
Importing this package and loading specs never import it. Public API: ``ExpectationSpec`` (the spec model),
``validate`` and ``QAReport``.
"""

from workbench.engine.core.validation.models import ExpectationSpec, ExpectationsByLayer, known_types
from workbench.engine.core.validation.report import ExpectationResult, QAReport
from workbench.engine.core.validation.runner import validate

__all__ = ["ExpectationResult", "ExpectationSpec", "ExpectationsByLayer", "QAReport", "known_types", "validate"]
