"""A RAW file on disk read as bytes, bounded by the configured maximum size."""

from __future__ import annotations

from pathlib import Path

from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.settings import get_settings


class InputFileError(WorkbenchError):
    code = "file-unavailable"
    title = "File cannot be opened"
    template = "{message}"
    template_es = "{message_es}"


def read_input(path: str | Path, *, max_bytes: int | None = None) -> bytes:
    """The bytes of a RAW file on disk, bounded by the configured maximum size."""
    path = Path(path)
    limit = max_bytes or get_settings().max_upload_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputFileError(
                f"{path.name} is {size:,} bytes; the limit is {limit:,}",
                message_es=f"{path.name} pesa {size:,} bytes; el máximo es {limit:,}",
                file=path.name,
            )
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise InputFileError(
            f"cannot open {path}: {exc.strerror}", message_es=f"no se puede abrir {path}: {exc.strerror}", file=str(path)
        ) from exc
