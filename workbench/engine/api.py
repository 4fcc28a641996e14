"""The engine's public API: the only names the CLI, web states, API routes and jobs import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.engine.app import auth
from workbench.engine.core.errors import (
    ColumnNotFoundError,
    EmptyFileError,
    EncodingError,
    FileFormatError,
    HeaderNotFoundError,
    ParameterError,
    SheetNotFoundError,
    SpecError,
    SpecNotFoundError,
    StepError,
    WorkbenchError,
    UploadTooLargeError,
    WorkbookError,
)
from workbench.engine.core.export import ExportError, export_table
from workbench.engine.core.inputs import InputFileError, read_input
from workbench.engine.core.params import parse_assignments, resolve_params
from workbench.engine.core.preview import ENGINE_VERSION, Preview, preview_file
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.loader import find_spec, load_all, load_spec, parse_spec
from workbench.engine.core.spec.models import Spec, json_schema as spec_json_schema
from workbench.engine.core.statuses import QA_STATUSES, RUN_STATUSES
from workbench.engine.core.table import Table

# The store and run use cases import SQLAlchemy: loaded on first use, so previews stay light.
_LAZY = {
    "run_file": "workbench.engine.app.services", "get_run": "workbench.engine.app.runs_read",
    "submit_run": "workbench.engine.app.services", "execute_run": "workbench.engine.app.services",
    "preview_cached": "workbench.engine.app.previews", "recover_abandoned": "workbench.engine.app.services",
    "start_backfill": "workbench.engine.app.backfill", "backfill_status": "workbench.engine.app.backfill",
    "cancel_backfill": "workbench.engine.app.backfill", "resume_backfill": "workbench.engine.app.backfill",
    "expand_files": "workbench.engine.app.backfill", "work": "workbench.engine.app.tasks",
    "list_runs": "workbench.engine.app.runs_read", "run_table": "workbench.engine.app.runs_read",
    "raw_bytes": "workbench.engine.app.runs_read", "sync_specs": "workbench.engine.app.services",
    "lineage_graph": "workbench.engine.app.runs_read", "prepare_store": "workbench.engine.store.prepare",
    "RunNotFoundError": "workbench.engine.app.runs_read", "RunOutputMissingError": "workbench.engine.app.runs_read",
    "DatasetNotFoundError": "workbench.engine.app.runs_read",
    "QAFailedError": "workbench.engine.app.qa", "QADocsMissingError": "workbench.engine.app.qa",
    "ensure_publishable_preview": "workbench.engine.app.qa", "run_failures": "workbench.engine.app.runs_read",
    "build_run_docs": "workbench.engine.app.runs_read", "run_docs_path": "workbench.engine.app.runs_read",
    "DatabaseUnavailableError": "workbench.engine.store.db", "DatabaseNotMigratedError": "workbench.engine.store.db",
    "run_view": "workbench.engine.app.runview", "list_backfills": "workbench.engine.app.runview",
    "backfill_runs": "workbench.engine.app.runview", "backfill_files": "workbench.engine.app.runview",
    "BackfillPathError": "workbench.engine.app.runview",
    # the upload page: dataset suggestion, parameter fields, the table after a step, RAW windows, run events
    "suggest_datasets": "workbench.engine.app.stepview", "parameter_fields": "workbench.engine.app.stepview",
    "table_after_step": "workbench.engine.app.stepview", "raw_window": "workbench.engine.app.stepview",
    "run_events": "workbench.engine.app.stepview", "warm_validation": "workbench.engine.app.stepview",
    "keep_upload": "workbench.engine.app.stepview", "upload_bytes": "workbench.engine.app.stepview",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@auth.requires("preview")
def preview_path(path: str | Path, spec: Spec | None, *, params: dict[str, Any] | None = None,
                 sheet: int | str | None = None, sample_rows: int = 20) -> Preview:
    """``preview_file`` over a file on disk (its name feeds parameters taken from file names)."""
    return preview_file(read_input(path), spec, filename=Path(path).name, params=params, sheet=sheet,
                        sample_rows=sample_rows)


__all__ = [
    *_LAZY,
    "ENGINE_VERSION",
    "QA_STATUSES",
    "RUN_STATUSES",
    "read_input",
    "ColumnNotFoundError",
    "EmptyFileError",
    "EncodingError",
    "ExportError",
    "FileFormatError",
    "HeaderNotFoundError",
    "InputFileError",
    "ParameterError",
    "Preview",
    "Settings",
    "SheetNotFoundError",
    "Spec",
    "SpecError",
    "SpecNotFoundError",
    "StepError",
    "Table",
    "WorkbenchError",
    "UploadTooLargeError",
    "WorkbookError",
    "export_table",
    "find_spec",
    "get_settings",
    "load_all",
    "load_spec",
    "parse_assignments",
    "parse_spec",
    "preview_file",
    "preview_path",
    "resolve_params",
    "spec_json_schema",
]
