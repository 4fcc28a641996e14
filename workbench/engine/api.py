"""The engine's facade: the only engine module the adapters (the CLI, the REST API, the web app) and the process
plumbing (serving, web, asgi) import. Every name is curated: a use case, its read models and errors, or a core
helper an adapter shows (number formats, QA sentences).

Two kinds of names, and why:

- **Imported now**: the pure core (spec loading, preview, parameters, export, errors, settings, number formats,
  QA sentences) and ``access`` (roles and ``@requires``; no store). That is all ``workbench preview`` needs.
- **Loaded on first use** (``_LAZY``: module -> names): everything backed by the store, Redis or RQ. Importing
  those modules pulls in SQLAlchemy, SQLModel, redis and rq: about 0.9 s measured on ``workbench preview``, which
  never uses them (issue 15 budgets the whole command at 1.5 s). The module's ``__getattr__`` (PEP 562) imports
  a lazy name's module the first time the name is read.

The ``TYPE_CHECKING`` block imports every lazy name from its real module, so editors and type checkers see them;
``tests/unit/test_facade.py`` checks that it and ``_LAZY`` list the same names and that every name in
``__all__`` resolves.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.engine.app.access import (
    PERMISSIONS, ROLES, SYSTEM, AuthError, ForbiddenError, Principal, act_as, acting_as, acting_name, current,
    require, requires, set_process_default,
)
from workbench.engine.core.backfill_paths import BackfillPathError
from workbench.engine.core.drift import DriftReport, check_drift
from workbench.engine.core.errors import (
    ColumnNotFoundError, EmptyFileError, EncodingError, FileFormatError, HeaderNotFoundError, ParameterError,
    RedisUnavailableError, SheetNotFoundError, SpecError, SpecNotFoundError, StepError, UploadTooLargeError,
    WorkbenchError, WorkbookError,
)
from workbench.engine.core.export import EXPORT_FORMATS, ExportError, ExportFormatName, export_table
from workbench.engine.core.html_page import NO_ICON, html_document
from workbench.engine.core.inputs import InputFileError, read_input
from workbench.engine.core.limits import sanitize_filename
from workbench.engine.core.memory import SERVER_ENV
from workbench.engine.core.numfmt import DASH, as_decimal, fmt_int, fmt_number, fmt_percent, fmt_value
from workbench.engine.core.params import parse_assignments, resolve_params
from workbench.engine.core.preview import ENGINE_VERSION, Preview, preview_file
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.catalog import spec_sections, step_catalog
from workbench.engine.core.spec.loader import find_spec, load_all, load_spec, parse_spec
from workbench.engine.core.spec.yaml_doc import EditError
from workbench.engine.core.spec.models import Spec, json_schema as spec_json_schema
from workbench.engine.core.statuses import QA_STATUSES, QUEUES, RELEASE_STATUSES, RUN_STAGES, RUN_STATUSES
from workbench.engine.core.table import Table
from workbench.engine.core.validation.control_total import parse_control
from workbench.engine.core.validation.models import OWN_KEYS
from workbench.engine.core.validation.report import row_of
from workbench.engine.core.validation.results import mismatch_text
from workbench.engine.core.validation.sentences import sentence

if TYPE_CHECKING:  # the lazy names (below), for editors and type checkers
    from workbench.engine.app.accounts import (
        UserError, add_user, bootstrap, complete_setup, create_token, list_tokens, list_users, principal_of_user,
        revoke_token, set_disabled, set_password, set_role,
    )
    from workbench.engine.app.automation import (
        AutomationNotFoundError, InboxView, ScheduleInfo, automation_alerts, automation_triggers, inbox_contents,
        list_schedules, pause_schedule, resume_schedule, run_now, scheduler_leader,
    )
    from workbench.engine.app.scheduler import run_scheduler
    from workbench.engine.app.backfills import (
        BackfillPage, backfill_files, backfill_runs, backfill_status, cancel_backfill, expand_files, list_backfills,
        resume_backfill, start_backfill,
    )
    from workbench.engine.app.database import (
        database_location, schema_drift, schema_head, schema_revision, upgrade_schema,
    )
    from workbench.engine.app.datasets import (
        DatasetDetail, DatasetNotFoundError, DatasetPage, DatasetSort, DatasetSummary, MAX_PAGE, dataset_detail,
        list_datasets, store_version, sync_specs,
    )
    from workbench.engine.app.editor import (
        DraftConflictError, DraftInvalidError, DraftNotFoundError, DraftSummary, DraftView, PublishResult,
        create_draft, discard_draft, draft_sample_files, edit_draft, editor_catalog, get_draft, list_drafts,
        preview_draft_step, redo_draft, set_draft_sample, undo_draft,
    )
    from workbench.engine.app.editor_publish import draft_diff, publish_draft
    from workbench.engine.app.editor_sources import create_draft_from_file, draft_from_drift, propose_spec
    from workbench.engine.app.drift import ProposedSpecError, drift_of_stored, drift_report, write_proposed_spec
    from workbench.engine.app.events import latest_event_id, run_events, tail_events
    from workbench.engine.app.exports import ExportFile, ExportFormatError, export_run
    from workbench.engine.app.health import health
    from workbench.engine.app.lineage import lineage_graph
    from workbench.engine.app.dbt_export import dbt_export
    from workbench.engine.app.openlineage import openlineage_flush, openlineage_status
    from workbench.engine.app.publication import (
        ApprovalVoidError, DuplicateKeysError, PublicationError, ReasonRequiredError, ReleaseNotFoundError,
        SelfApprovalError, approve_release, grant_gold_reader, propose_release, publish_release, reject_release,
        rollback_release,
    )
    from workbench.engine.app.releases_read import (
        SNAPSHOT_FORMATS, ReleaseDetail, ReleasePage, changelog, get_release, list_releases, release_diff,
        release_snapshot,
    )
    from workbench.engine.app.previews import preview_cached, preview_failures, raw_window, table_after_step
    from workbench.engine.app.qa import QADocsMissingError, QAFailedError, ensure_publishable_preview
    from workbench.engine.app.queues import queues_overview
    from workbench.engine.app.runs import execute_run, recover_abandoned, run_file, submit_run
    from workbench.engine.app.runs_read import (
        RunNotFoundError, RunOutputMissingError, RunPage, RunView, build_run_docs, get_run, list_runs, raw_bytes,
        run_docs_path, run_failures, run_table, run_view,
    )
    from workbench.engine.app.sessions import (
        TooManyAttemptsError, authenticate, end_session, recently_resolved, resolve, start_session,
    )
    from workbench.engine.app.tasks import work
    from workbench.engine.app.uploads import (
        RateLimitedError, UploadLimiter, keep_upload, parameter_fields, suggest_datasets, upload_bytes, warm_validation,
        workbook_sheets,
    )
    from workbench.engine.infra.events import RUN_FAILED, RUN_STEP, RUN_SUCCEEDED
    from workbench.engine.infra.queue import forget_worker
    from workbench.engine.infra.redis_conn import owned_embedded, redis_url, state_db_url
    from workbench.engine.infra.redis_embedded import pdeathsig_preexec
    from workbench.engine.store.db import DatabaseNotMigratedError, DatabaseUnavailableError, get_engine
    from workbench.engine.store.models import ADMIN_TABLES, BackfillPublic, RunPublic
    from workbench.engine.store.automation import TriggerPublic
    from workbench.engine.store.prepare import prepare_store
    from workbench.engine.store.releases import ReleaseEventPublic, ReleasePublic

#: Names backed by the store, Redis or RQ, by module: imported on first use (see the module's docstring).
_LAZY_MODULES: dict[str, tuple[str, ...]] = {
    "workbench.engine.app.accounts": ("UserError", "add_user", "bootstrap", "complete_setup", "create_token",
                                      "list_tokens", "list_users", "principal_of_user", "revoke_token",
                                      "set_disabled", "set_password", "set_role"),
    "workbench.engine.app.automation": ("AutomationNotFoundError", "InboxView", "ScheduleInfo", "automation_alerts",
                                        "automation_triggers", "inbox_contents", "list_schedules", "pause_schedule",
                                        "resume_schedule", "run_now", "scheduler_leader"),
    "workbench.engine.app.scheduler": ("run_scheduler",),
    "workbench.engine.app.backfills": ("BackfillPage", "backfill_files", "backfill_runs", "backfill_status",
                                       "cancel_backfill", "expand_files", "list_backfills", "resume_backfill",
                                       "start_backfill"),
    "workbench.engine.app.database": ("database_location", "schema_drift", "schema_head", "schema_revision",
                                      "upgrade_schema"),
    "workbench.engine.app.datasets": ("DatasetDetail", "DatasetNotFoundError", "DatasetPage", "DatasetSort",
                                      "DatasetSummary", "MAX_PAGE", "dataset_detail", "list_datasets",
                                      "store_version", "sync_specs"),
    # the rule editor (issue 19): drafts, edits, undo/redo, the step preview, a new spec from a file, publication
    "workbench.engine.app.editor": ("DraftConflictError", "DraftInvalidError", "DraftNotFoundError", "DraftSummary",
                                    "DraftView", "PublishResult", "create_draft", "discard_draft",
                                    "draft_sample_files", "edit_draft", "editor_catalog", "get_draft", "list_drafts",
                                    "preview_draft_step", "redo_draft", "set_draft_sample", "undo_draft"),
    "workbench.engine.app.editor_publish": ("draft_diff", "publish_draft"),
    "workbench.engine.app.editor_sources": ("create_draft_from_file", "draft_from_drift", "propose_spec"),
    "workbench.engine.app.drift": ("ProposedSpecError", "drift_of_stored", "drift_report", "write_proposed_spec"),
    "workbench.engine.app.events": ("latest_event_id", "run_events", "tail_events"),
    "workbench.engine.app.exports": ("ExportFile", "ExportFormatError", "export_run"),
    "workbench.engine.app.health": ("health",),
    "workbench.engine.app.lineage": ("lineage_graph",),
    "workbench.engine.app.dbt_export": ("dbt_export",),
    "workbench.engine.app.openlineage": ("openlineage_flush", "openlineage_status"),
    "workbench.engine.app.previews": ("preview_cached", "preview_failures", "raw_window", "table_after_step"),
    "workbench.engine.app.qa": ("QADocsMissingError", "QAFailedError", "ensure_publishable_preview"),
    # publication (issue 17): releases of gold tables, four eyes, rollback, changelog
    "workbench.engine.app.publication": ("ApprovalVoidError", "DuplicateKeysError", "PublicationError",
                                         "ReasonRequiredError", "ReleaseNotFoundError", "SelfApprovalError",
                                         "approve_release", "grant_gold_reader", "propose_release",
                                         "publish_release", "reject_release", "rollback_release"),
    "workbench.engine.app.releases_read": ("SNAPSHOT_FORMATS", "ReleaseDetail", "ReleasePage", "changelog",
                                           "get_release", "list_releases", "release_diff", "release_snapshot"),
    "workbench.engine.store.releases": ("ReleaseEventPublic", "ReleasePublic"),
    "workbench.engine.app.queues": ("queues_overview",),
    "workbench.engine.app.runs": ("execute_run", "recover_abandoned", "run_file", "submit_run"),
    "workbench.engine.app.runs_read": ("RunNotFoundError", "RunOutputMissingError", "RunPage", "RunView",
                                       "build_run_docs", "get_run", "list_runs", "raw_bytes", "run_docs_path",
                                       "run_failures", "run_table", "run_view"),
    "workbench.engine.app.sessions": ("TooManyAttemptsError", "authenticate", "end_session", "recently_resolved",
                                      "resolve", "start_session"),
    "workbench.engine.app.tasks": ("work",),
    "workbench.engine.app.uploads": ("RateLimitedError", "UploadLimiter", "keep_upload", "parameter_fields",
                                     "suggest_datasets", "upload_bytes", "warm_validation", "workbook_sheets"),
    # the run page follows a run's events by type
    "workbench.engine.infra.events": ("RUN_FAILED", "RUN_STEP", "RUN_SUCCEEDED"),
    # process plumbing for `workbench serve`: the embedded Redis, children that die with their parent, workers
    "workbench.engine.infra.queue": ("forget_worker",),
    "workbench.engine.infra.redis_conn": ("owned_embedded", "redis_url", "state_db_url"),
    "workbench.engine.infra.redis_embedded": ("pdeathsig_preexec",),
    # the read-only admin dashboard (/admin) and the API's answer models
    "workbench.engine.store.db": ("DatabaseNotMigratedError", "DatabaseUnavailableError", "get_engine"),
    "workbench.engine.store.models": ("ADMIN_TABLES", "BackfillPublic", "RunPublic"),
    "workbench.engine.store.automation": ("TriggerPublic",),
    "workbench.engine.store.prepare": ("prepare_store",),
}
_LAZY: dict[str, str] = {name: module for module, names in _LAZY_MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    if name in _LAZY:  # read through each time: a test that replaces a use case in its module is seen here too
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@requires("preview")
def preview_path(path: str | Path, spec: Spec | None, *, params: dict[str, Any] | None = None,
                 sheet: int | str | None = None, sample_rows: int = 20) -> Preview:
    """``preview_file`` over a file on disk (its name feeds parameters taken from file names)."""
    return preview_file(read_input(path), spec, filename=Path(path).name, params=params, sheet=sheet,
                        sample_rows=sample_rows)


__all__ = [
    *_LAZY,
    # access: roles and the acting principal
    "AuthError", "ForbiddenError", "PERMISSIONS", "Principal", "ROLES", "SYSTEM", "act_as", "acting_as",
    "acting_name", "current", "require", "requires", "set_process_default",
    # errors
    "BackfillPathError", "ColumnNotFoundError", "EmptyFileError", "EncodingError", "ExportError", "FileFormatError",
    "HeaderNotFoundError", "InputFileError", "ParameterError", "RedisUnavailableError", "SheetNotFoundError",
    "SpecError", "SpecNotFoundError", "StepError", "UploadTooLargeError", "WorkbenchError", "WorkbookError",
    # specs, previews, parameters, export
    "ENGINE_VERSION", "EXPORT_FORMATS", "ExportFormatName", "Preview", "Spec", "Table", "export_table", "find_spec",
    "load_all", "load_spec", "parse_assignments", "parse_spec", "preview_file", "preview_path", "read_input",
    "resolve_params", "sanitize_filename", "spec_json_schema",
    # the rule editor's forms (pure): every step type and spec section, generated from the models
    "EditError", "spec_sections", "step_catalog",
    # layout drift (pure): a file compared with a spec and stored layouts (the scheduler's pre-run check)
    "DriftReport", "check_drift",
    # settings and status names
    "QA_STATUSES", "QUEUES", "RELEASE_STATUSES", "RUN_STAGES", "RUN_STATUSES", "Settings", "get_settings",
    # the environment a server process starts with (memory goes back after previews)
    "SERVER_ENV",
    # pages the server writes itself (Data Docs, /docs, /login): one HTML shell
    "NO_ICON", "html_document",
    # how numbers and QA results are shown
    "DASH", "OWN_KEYS", "as_decimal", "fmt_int", "fmt_number", "fmt_percent", "fmt_value", "mismatch_text",
    "parse_control", "row_of", "sentence",
]
