"""Roles are checked in the engine's use cases, so the web app, the API and the CLI cannot disagree: every
function the adapters import from ``workbench.engine.api`` (and the catalog, queues and account modules they
also use) declares the permission it needs, or is listed here as needing none, with the reason."""

from __future__ import annotations

import importlib
import inspect

import pytest

from workbench.engine import api

from workbench.engine.app import auth

#: Functions that need no permission, and why.
EXEMPT = {
    # pure functions of what the caller already holds (no store, no files, no queue)
    "api.export_table", "api.parse_assignments", "api.resolve_params", "api.preview_file", "api.find_spec",
    "api.load_all", "api.load_spec", "api.parse_spec", "api.spec_json_schema", "api.ensure_publishable_preview",
    "runview.spec_diff", "runview.backfill_roots",
    # reads a file the caller names: only the CLI's `workbench preview FILE` (via the guarded preview_path) and
    # backfills (guarded, with their folders checked) call it
    "api.read_input",
    # process plumbing, not a use case: schema check, importing GX in the background, a worker's loop
    # (its jobs run as the local operator), the cache marker
    "api.prepare_store", "api.warm_validation", "api.work", "catalog.store_version", "catalog.write_xlsx",
    # the first admin: from settings on the server, or with the one-time setup secret it checks itself
    # the health endpoint answers load balancers without credentials; it says only up/down per dependency
    "health.health",
    "accounts.bootstrap", "accounts.complete_setup", "accounts.check_password_rules", "accounts.check_username",
}

MODULES = {"catalog": "workbench.engine.app.catalog", "queues_info": "workbench.engine.app.queues_info",
           "accounts": "workbench.engine.app.accounts", "runview": "workbench.engine.app.runview",
           "health": "workbench.engine.app.health"}

EXPECTED = {
    "api.preview_cached": "preview", "api.submit_run": "run", "api.run_file": "run", "api.execute_run": "run",
    "api.start_backfill": "backfill", "api.cancel_backfill": "backfill", "api.resume_backfill": "backfill",
    "api.sync_specs": "sync_specs", "api.get_run": "read", "api.list_runs": "read", "api.raw_bytes": "read",
    "api.keep_upload": "upload", "api.preview_path": "preview", "accounts.add_user": "manage_users", "api.recover_abandoned": "admin",
    "catalog.list_datasets": "read", "catalog.export_run": "read", "queues_info.overview": "read",
}


def _use_cases() -> dict[str, object]:
    found: dict[str, object] = {}
    for name in dir(api):
        value = getattr(api, name)
        if inspect.isfunction(value) and not name.startswith("_"):
            found[f"api.{name}"] = value
    for name in api._LAZY:
        value = getattr(api, name)
        if inspect.isfunction(value):
            found[f"api.{name}"] = value
    for short, module_name in MODULES.items():
        module = importlib.import_module(module_name)
        for name, value in vars(module).items():
            if inspect.isfunction(value) and not name.startswith("_") and value.__module__ == module_name:
                found[f"{short}.{name}"] = value
    return found


def test_every_use_case_declares_its_permission_or_why_it_needs_none() -> None:
    cases = _use_cases()
    undeclared = sorted(name for name, fn in cases.items()
                        if not hasattr(fn, "__permission__") and name not in EXEMPT)
    assert not undeclared, f"use cases without @auth.requires(...) nor a reason in EXEMPT: {undeclared}"
    stale = sorted(name for name in EXEMPT if name not in cases)
    assert not stale, f"EXEMPT names no function: {stale}"
    for name, permission in EXPECTED.items():
        assert getattr(cases[name], "__permission__", None) == permission, name


@pytest.mark.parametrize("role", auth.ROLES)
def test_guarded_use_cases_refuse_nobody_and_too_low_roles_before_doing_anything(role: str, tmp_path) -> None:
    """With nobody acting (a web request without a session) every guarded use case refuses at once; with a
    role below its permission, it refuses with ``forbidden`` (the settings point nowhere: nothing is touched)."""
    auth.set_process_default(None)
    principal = auth.Principal(f"u-{role}", role)
    try:
        for name, fn in _use_cases().items():
            permission = getattr(fn, "__permission__", None)
            if permission is None:
                continue
            with pytest.raises(auth.AuthError):
                fn()  # type: ignore[operator]
            if principal.can(permission):
                continue
            with auth.acting_as(principal), pytest.raises(auth.ForbiddenError) as refused:
                fn()  # type: ignore[operator]
            assert refused.value.details["permission"] == permission, name
    finally:
        auth.set_process_default(auth.SYSTEM)
