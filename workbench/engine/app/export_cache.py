"""The export cache: a run's layer written once per (run, output sha256, layer, format, provenance, engine
version) under ``<data_dir>/exports/``, content-addressed, and never deleted or overwritten by a request.

Why: an export used to be written to a fresh temporary folder that a background task deleted after the
answer. With Granian's ``pathsend`` the server opens the path itself after the handler returned, so the delete
often won the race and the client got a bare ``404 Not found`` (3–35 % of exports under load). A file here is
published with ``os.link`` from a private temporary name: it appears complete or not at all, the first writer
wins and a concurrent writer of the same key serves the winner's bytes (an xlsx build embeds its time, so two
builds differ; every answer for a key must be the same bytes).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from workbench.engine.core.export import ExportError
from workbench.engine.store.files import StorageFullError

#: The cache's folder under the data directory.
EXPORTS_DIR = "exports"


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


__all__ = ["EXPORTS_DIR", "cache_path", "cached", "export_key"]
