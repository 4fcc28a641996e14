"""Quality gates: expectations declared per layer in the spec, run with Great Expectations.

Importing this package (and loading specs) never imports great_expectations: the runner imports it inside
``validate``. Public API: ``ExpectationSpec`` (the spec model), ``validate`` and ``QAReport``.
"""

from workbench.engine.core.validation.models import ExpectationSpec, ExpectationsByLayer, known_types
from workbench.engine.core.validation.report import ExpectationResult, QAReport
from workbench.engine.core.validation.runner import validate

__all__ = ["ExpectationResult", "ExpectationSpec", "ExpectationsByLayer", "QAReport", "known_types", "validate"]
