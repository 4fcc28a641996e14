"""Fuzzing with hypothesis, bounded for CI: derandomized (the same examples on every run), a fixed number
of examples per test and a per-example deadline. Longer runs (docs/security.md):

    WORKBENCH_FUZZ_EXAMPLES=20000 WORKBENCH_FUZZ_RANDOM=1 .venv/bin/python -m pytest tests/fuzz -n 2

``WORKBENCH_FUZZ_RANDOM=1`` explores new inputs on every run (add ``--hypothesis-seed=N`` to repeat one).
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "workbench-fuzz",
    max_examples=int(os.environ.get("WORKBENCH_FUZZ_EXAMPLES", "300")),
    deadline=timedelta(seconds=5),
    derandomize=not os.environ.get("WORKBENCH_FUZZ_RANDOM"),
    database=None,  # no .hypothesis/ directory in the repository; a failure prints its reproducing example
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("workbench-fuzz")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: hypothesis fuzzing, bounded for CI (docs/security.md)")
