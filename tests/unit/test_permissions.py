"""Roles are checked in the engine's use cases, so the web app, the API and the CLI cannot disagree: every
function of ``workbench.engine.api`` (the only engine module the adapters import, import-linter checks that)
declares the permission it needs, or is listed here as needing none, with the reason."""

from __future__ import annotations

import inspect

import pytest

from workbench.engine import api
from workbench.engine.app import access

#: Functions that need no permission, and why.
EXEMPT = {
    # pure functions of what the caller already holds (no store, no files, no queue)
    "api.export_table", "api.parse_assignments", "api.resolve_params", "api.preview_file", "api.find_spec",
    "api.load_all", "api.load_spec", "api.parse_spec", "api.spec_json_schema", "api.ensure_publishable_preview",
    "api.sanitize_filename", "api.as_decimal", "api.fmt_int", "api.fmt_number", "api.fmt_percent", "api.fmt_value",
    "api.mismatch_text", "api.parse_control", "api.row_of", "api.sentence", "api.html_document",
    "api.check_drift", "api.step_catalog", "api.spec_sections",
    # reads a file the caller names: only the CLI's `workbench preview FILE` (via the guarded preview_path) and
    # backfills (guarded, with their folders checked) call it
    "api.read_input",
    # process plumbing, not a use case: schema check, importing GX in the background, a worker's loop
    # (its jobs run as the local operator), the cache marker; what `workbench serve` starts and supervises
    "api.prepare_store", "api.warm_validation", "api.work", "api.store_version", "api.forget_worker",
    "api.owned_embedded", "api.redis_url", "api.state_db_url", "api.pdeathsig_preexec",
    # the access machinery itself: who is acting, and the check every use case makes
    "api.act_as", "api.acting_as", "api.acting_name", "api.current", "api.require", "api.requires",
    "api.set_process_default",
    # signing in establishes who is acting: a password, a session cookie or a token is the credential
    "api.authenticate", "api.start_session", "api.end_session", "api.resolve", "api.recently_resolved",
    # the first admin: from settings on the server, or with the one-time setup secret it checks itself
    "api.bootstrap", "api.complete_setup",
    # the health endpoint answers load balancers without credentials; it says only up/down per dependency
    "api.health",
}

EXPECTED = {
    "api.preview_cached": "preview", "api.drift_report": "preview", "api.drift_of_stored": "preview",
    "api.write_proposed_spec": "sync_specs", "api.submit_run": "run", "api.run_file": "run", "api.execute_run": "run",
    "api.start_backfill": "backfill", "api.cancel_backfill": "backfill", "api.resume_backfill": "backfill",
    "api.sync_specs": "sync_specs", "api.get_run": "read", "api.list_runs": "read", "api.raw_bytes": "read",
    "api.keep_upload": "upload", "api.preview_path": "preview", "api.add_user": "manage_users",
    "api.recover_abandoned": "admin", "api.list_datasets": "read", "api.export_run": "read",
    "api.queues_overview": "read", "api.create_token": "manage_users", "api.upgrade_schema": "admin",
    # publication: analysts propose, publishers (or admins) decide, admins grant BI access
    "api.propose_release": "propose", "api.approve_release": "publish", "api.publish_release": "publish",
    "api.reject_release": "publish", "api.rollback_release": "publish", "api.grant_gold_reader": "admin",
    "api.list_releases": "read", "api.get_release": "read", "api.release_diff": "read", "api.changelog": "read",
    "api.release_snapshot": "read", "api.principal_of_user": "manage_users",
    # the rule editor: analysts edit, preview and publish specs (the issue: "analyst role, or admin"); viewers read
    "api.create_draft": "edit_specs", "api.edit_draft": "edit_specs", "api.undo_draft": "edit_specs",
    "api.redo_draft": "edit_specs", "api.discard_draft": "edit_specs", "api.set_draft_sample": "edit_specs",
    "api.preview_draft_step": "edit_specs", "api.propose_spec": "edit_specs",
    "api.create_draft_from_file": "edit_specs", "api.publish_draft": "publish_specs", "api.get_draft": "read",
    "api.list_drafts": "read", "api.draft_diff": "read", "api.draft_sample_files": "read",
    "api.editor_catalog": "read", "api.draft_from_drift": "edit_specs",
}


def test_publisher_sits_between_analyst_and_admin() -> None:
    publisher = access.Principal("p", "publisher")
    assert publisher.can("run") and publisher.can("propose") and publisher.can("publish")
    assert not publisher.can("manage_users")
    assert not access.Principal("a", "analyst").can("publish")


def _use_cases() -> dict[str, object]:
    """Every function the facade offers (its lazy names included)."""
    return {f"api.{name}": value for name in api.__all__ if inspect.isfunction(value := getattr(api, name))}


def test_every_use_case_declares_its_permission_or_why_it_needs_none() -> None:
    cases = _use_cases()
    undeclared = sorted(name for name, fn in cases.items()
                        if not hasattr(fn, "__permission__") and name not in EXEMPT)
    assert not undeclared, f"use cases without @requires(...) nor a reason in EXEMPT: {undeclared}"
    stale = sorted(name for name in EXEMPT if name not in cases)
    assert not stale, f"EXEMPT names no function: {stale}"
    for name, permission in EXPECTED.items():
        assert getattr(cases[name], "__permission__", None) == permission, name


@pytest.mark.parametrize("role", access.ROLES)
def test_guarded_use_cases_refuse_nobody_and_too_low_roles_before_doing_anything(role: str, tmp_path) -> None:
    """With nobody acting (a web request without a session) every guarded use case refuses at once; with a
    role below its permission, it refuses with ``forbidden`` (the settings point nowhere: nothing is touched)."""
    access.set_process_default(None)
    principal = access.Principal(f"u-{role}", role)
    try:
        for name, fn in _use_cases().items():
            permission = getattr(fn, "__permission__", None)
            if permission is None:
                continue
            with pytest.raises(access.AuthError):
                fn()  # type: ignore[operator]
            if principal.can(permission):
                continue
            with access.acting_as(principal), pytest.raises(access.ForbiddenError) as refused:
                fn()  # type: ignore[operator]
            assert refused.value.details["permission"] == permission, name
    finally:
        access.set_process_default(access.SYSTEM)
