"""Errors carry a kind, not an HTTP status: every error class has one of the engine's kinds, the API maps each kind
to a status, and an error code names one error (a status can no longer drift from a code string)."""

import importlib
import pkgutil

import workbench
from workbench.api.problems import STATUS_BY_KIND, status_for
from workbench.engine.core.errors import KINDS, WorkbenchError
from workbench.engine.infra.queue import QueueUnavailableError
from workbench.engine.store.migrate import MigrationError

#: Modules that build the web app (importing them compiles Reflex pages); their errors live in imported modules.
NOT_IMPORTED = ("workbench.asgi", "workbench.workbench", "workbench.web")


def error_classes() -> list[type[WorkbenchError]]:
    for module in pkgutil.walk_packages(workbench.__path__, "workbench."):
        if not module.name.startswith(NOT_IMPORTED):
            importlib.import_module(module.name)
    found, todo = [], [WorkbenchError]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("workbench."):
                found.append(sub)
            todo.append(sub)
    return found


def test_every_error_class_has_a_known_kind_and_every_kind_a_status():
    assert set(KINDS) == set(STATUS_BY_KIND)
    assert [(c.__qualname__, c.kind) for c in error_classes() if c.kind not in KINDS] == []


def test_an_error_code_names_one_error():
    """Two classes share a code only when one refines the other with the same meaning (and so the same kind)."""
    by_code: dict[str, list[type[WorkbenchError]]] = {}
    for cls in error_classes():
        by_code.setdefault(cls.code, []).append(cls)
    clashes = [(code, sorted(c.__qualname__ for c in classes)) for code, classes in by_code.items()
               if len(classes) > 1 and not all(issubclass(c, classes[0]) or issubclass(classes[0], c) for c in classes)
               or len({c.kind for c in classes}) > 1]
    assert clashes == []


def test_statuses_follow_kinds():
    assert status_for(MigrationError("x")) == 500  # was 422: the map named "migration-failed", raised "database-migration"
    assert status_for(QueueUnavailableError(run_id=1, filename="a.csv")) == 503
    assert status_for(WorkbenchError("x")) == 422
