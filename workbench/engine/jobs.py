"""Persisted name only: RQ jobs queued before the engine moved to floors name ``workbench.engine.jobs.run_job``
(RQ stores the function's dotted path in Redis). New jobs name ``workbench.engine.app.tasks.run_job``; this keeps
jobs already waiting in a queue runnable across the upgrade. Nothing in the project imports this module."""

from workbench.engine.app.tasks import run_job

__all__ = ["run_job"]
