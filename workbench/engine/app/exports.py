"""Exports: one layer of a succeeded run in an export format (``core.export.EXPORT_FORMATS``: CSV, Parquet, xlsx),
through the export cache.

The cache: a run's layer written once per (run, output sha256, layer, format, provenance, engine version) under
``<data_dir>/exports/``, content-addressed, and never deleted or overwritten by a request. Why: an export used
to be written to a fresh temporary folder that a background task deleted after the answer. With Granian's
``pathsend`` the server opens the path itself after the handler returned, so the delete often won the race and
the client got a bare ``404 Not found`` (3–35 % of exports under load). A file here is published with
``os.link`` from a private temporary name: it appears complete or not at all, the first writer wins and a
concurrent writer of the same key serves the winner's bytes (an xlsx build embeds its time, so two builds
differ; every answer for a key must be the same bytes).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbench.engine.app import qa
from workbench.engine.app.access import requires
from workbench.engine.app.runs_read import get_run, run_table
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.export import EXPORT_FORMATS, ExportError, table_frame
from workbench.engine.core.preview import ENGINE_VERSION
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.store.objects import StorageFullError, output_objects

#: The cache's folder under the data directory.
EXPORTS_DIR = "exports"


class ExportFormatError(WorkbenchError):
    code = "export-format"
    title = "Unknown export format"
    template = "unknown export format {format!r}; use one of {formats}"
    template_es = "formato de exportación desconocido {format!r}; use uno de {formats}"


@dataclass(frozen=True)
class ExportFile:
    path: Path
    filename: str
    media_type: str
    #: The export cache key (run, output sha256, layer, format, provenance, engine version): the answer's ETag.
    key: str


# --- the export cache ---------------------------------------------------------------------------------


def export_key(*, run_id: int, output_sha256: str, layer: str, fmt: str, provenance: bool, engine: str) -> str:
    """The cache key: everything the exported bytes depend on."""
    material = json.dumps({"run": run_id, "sha256": output_sha256, "layer": layer, "format": fmt,
                           "provenance": provenance, "engine": engine}, sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()


def cache_path(data_dir: Path, key: str, fmt: str) -> Path:
    return data_dir / EXPORTS_DIR / key[:2] / f"{key}.{fmt}"


def cached(path: Path, write: Callable[[Path], object]) -> Path:
    """``path`` if it is there; else ``write`` a private temporary file beside it and publish it atomically."""
    if path.is_file():
        return path
    temporary = path.with_name(f".{secrets.token_hex(8)}.{path.name}")  # same suffix: writers pick the format by it
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(temporary)
        try:
            os.link(temporary, path)  # atomic, and never replaces: the first complete file wins
        except FileExistsError:
            pass
    except OSError as exc:  # the message names no path: it reaches clients
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFullError("the disk is full: the export was not written; free space or ask the administrator",
                                   message_es="el disco está lleno: no se generó la exportación; libere espacio o "
                                   "avise al administrador") from exc
        reason = exc.strerror or type(exc).__name__
        raise ExportError(f"cannot write the export: {reason}",
                          message_es=f"no se puede escribir la exportación: {reason}") from exc
    finally:
        temporary.unlink(missing_ok=True)
    return path


# --- a run's layer as a file -------------------------------------------------------------------------


@requires("read")
def export_run(run_id: int, layer: str, fmt: str, settings: Settings | None = None, *,
               provenance: bool = False) -> ExportFile:
    """One layer of a succeeded run as a file in the export cache: built on the first ask, then the same file,
    never deleted by a request, so every answer for it carries the same bytes.
    A run whose QA failed is never exported: publication is blocked (``qa-failed``)."""
    settings = settings or get_settings()
    export_format = EXPORT_FORMATS.get(fmt)
    if export_format is None:
        raise ExportFormatError(format=fmt, formats=", ".join(EXPORT_FORMATS))
    run = get_run(run_id, settings)
    filename = f"{run.dataset_slug}-run{run_id}-{layer}.{fmt}"
    meta = ((run.outputs or {}).get("layers") or {}).get(layer) or {}
    path, key = _cache_entry(run_id, meta.get("sha256"), layer, fmt, provenance, settings)
    if path is not None and run.status == "succeeded" and path.is_file():
        qa.ensure_publishable(run)  # what run_table(publish=True) checks, without reading the table again
    else:  # run_table refuses a missing, failed, modified or unpublishable output with its typed error
        table = run_table(run_id, layer, settings, publish=True)
        if path is None:  # a run recorded before outputs carried their sha256: key on the stored file's bytes
            digest = hashlib.sha256(output_objects(settings).get_bytes(meta["path"])).hexdigest()
            path, key = _cache_entry(run_id, digest, layer, fmt, provenance, settings)
        assert path is not None
        df = table_frame(table, provenance=provenance)
        cached(path, lambda p: export_format.write(df, p, sheet=layer))
    return ExportFile(path=path, filename=filename, media_type=export_format.media_type, key=key)


def _cache_entry(run_id: int, sha: str | None, layer: str, fmt: str, provenance: bool,
                 settings: Settings) -> tuple[Path | None, str]:
    if not sha:
        return None, ""
    key = export_key(run_id=run_id, output_sha256=sha, layer=layer, fmt=fmt, provenance=provenance,
                     engine=ENGINE_VERSION)
    return cache_path(settings.data_dir, key, fmt), key


__all__ = ["EXPORTS_DIR", "ExportFile", "ExportFormatError", "cache_path", "cached", "export_key", "export_run"]
