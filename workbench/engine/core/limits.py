"""Input limits: what a hostile or broken file may cost before it is refused, and clean user file names.

Workbooks (xlsx, xlsm, xlsb, ods) are zips, so a few KB can claim gigabytes (``zipcheck``). Their directory is inspected before
anything is decompressed (entry count, total size, compression ratio, methods), the parts a reader will
read are inflated once with a bound to prove their declared sizes true, and a sheet's used range is
measured from its XML before calamine allocates it (calamine builds one dense rows x columns array: two
cells at ``A1`` and ``XFD1048576`` in a 5 KB file asked for 512 GB and aborted the process). CSVs and
sheets are then bounded in rows, columns, cells and cell length, vectorised over Arrow columns.

Every refusal is a ``LimitError`` with a code, English and Spanish messages, the file name and, when
known, the sheet, row and column. The limits are settings (``WORKBENCH_MAX_*``, docs/security.md).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.engine.core.errors import WorkbookError, WorkbenchError
from workbench.engine.core.settings import get_settings
from workbench.engine.core.table import column_letter

MIB = 1024 * 1024
#: Longest file name kept (characters, extension included); longer names keep their extension.
MAX_FILENAME_CHARS = 180
MAX_EXTENSION_CHARS = 16


@dataclass(frozen=True)
class InputLimits:
    """The limits in force; ``from_settings`` reads them from the product's settings."""

    max_zip_uncompressed_bytes: int = 300 * MIB
    max_zip_entries: int = 10_000
    max_zip_ratio: int = 200
    max_xls_bytes: int = 64 * MIB
    max_rows: int = 2_000_000
    max_columns: int = 2_000
    max_cells: int = 10_000_000
    max_cell_chars: int = 32_767

    @classmethod
    def from_settings(cls, settings: Any = None) -> "InputLimits":
        settings = get_settings() if settings is None else settings
        return cls(**{name: getattr(settings, name) for name in cls.__dataclass_fields__})


def number(value: int, lang: str = "en") -> str:
    """``1,048,576`` in English messages, ``1.048.576`` in Spanish ones."""
    text = f"{value:,}"
    return text if lang == "en" else text.replace(",", ".")


# --- errors ------------------------------------------------------------------------------------------


class LimitError(WorkbenchError):
    """A file over one of the input limits: refused before it can cost the service memory or time."""

    code = "input-limit"
    title = "File over an input limit"
    template = "{message}"
    template_es = "{message_es}"

    def __init__(self, message: str, *, message_es: str, **details: Any) -> None:
        super().__init__(message, message_es=message_es, **details)


class ZipLimitError(LimitError, WorkbookError):
    """A workbook's zip over a limit (a zip bomb or something shaped like one)."""

    code = "workbook-zip-limit"
    title = "Workbook refused (zip limits)"


class WorkbookTooLargeError(LimitError, WorkbookError):
    code = "workbook-too-large"
    title = "Workbook too large"


class TooManyRowsError(LimitError):
    code = "too-many-rows"
    title = "Too many rows"


class TooManyColumnsError(LimitError):
    code = "too-many-columns"
    title = "Too many columns"


class TooManyCellsError(LimitError):
    code = "too-many-cells"
    title = "Too many cells"


class CellTooLongError(LimitError):
    code = "cell-too-long"
    title = "Cell too long"


# --- file names --------------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[<>:"|?*\\/]')


def sanitize_filename(name: str | None, default: str = "upload") -> str:
    """A user-supplied file name made safe to store, show, log and put in a path or a header.

    Keeps only the base name (``../../etc/passwd`` -> ``passwd``, ``C:\\x\\a.csv`` -> ``a.csv``), drops control
    and format characters (NUL, CR/LF, bidi overrides that fake an extension), replaces the characters
    Windows and HTTP headers cannot carry (``<>:"|?*``) with ``_``, trims dots and spaces at the ends and
    caps the length keeping the extension. Idempotent; never empty."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co"))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _UNSAFE.sub("_", text).strip(" .")
    if len(text) > MAX_FILENAME_CHARS:
        stem, dot, ext = text.rpartition(".")
        if dot and stem and 0 < len(ext) <= MAX_EXTENSION_CHARS:
            text = f"{stem[: MAX_FILENAME_CHARS - len(ext) - 1].rstrip(' .')}.{ext}"
        else:
            text = text[:MAX_FILENAME_CHARS].rstrip(" .")
    return text or default


# --- grids -------------------------------------------------------------------------------------------


def check_shape(rows: int, columns: int, limits: InputLimits, *, filename: str | None, sheet: str | None = None,
                row_of_width: int | None = None, row_of_rows: int | None = None) -> None:
    """Rows, columns and cells of a grid (or of a sheet's used range, before it is read)."""
    where = {"file": filename, "sheet": sheet}
    if rows > limits.max_rows:
        raise TooManyRowsError(
            f"it has {number(rows)} rows; the limit is {number(limits.max_rows)}: split the file",
            message_es=f"tiene {number(rows, 'es')} filas; el máximo es {number(limits.max_rows, 'es')}: divida el archivo",
            rows=rows, limit=limits.max_rows, **where, row=row_of_rows)
    if columns > limits.max_columns:
        raise TooManyColumnsError(
            f"it has {number(columns)} columns (up to {column_letter(columns - 1)}); the limit is {number(limits.max_columns)}",
            message_es=f"tiene {number(columns, 'es')} columnas (hasta {column_letter(columns - 1)}); el máximo es "
            f"{number(limits.max_columns, 'es')}", columns=columns, limit=limits.max_columns, **where, row=row_of_width)
    if rows * columns > limits.max_cells:
        raise TooManyCellsError(
            f"it spans {number(rows)} rows x {number(columns)} columns = {number(rows * columns)} cells; the limit is "
            f"{number(limits.max_cells)} (a sheet with a few cells far apart spans them all)",
            message_es=f"abarca {number(rows, 'es')} filas x {number(columns, 'es')} columnas = {number(rows * columns, 'es')} "
            f"celdas; el máximo es {number(limits.max_cells, 'es')}", cells=rows * columns, limit=limits.max_cells,
            **where)


def check_cells(columns: list[pa.Array], row_numbers: Any, letters: list[str], limits: InputLimits, *,
                filename: str | None, sheet: str | None = None) -> None:
    """No text cell longer than ``max_cell_chars``: byte lengths first (one pass, no decoding), characters
    only for a column that has a cell with more bytes than the limit allows characters."""
    for j, column in enumerate(columns):
        if len(column) == 0 or column.null_count == len(column):
            continue
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        if pc.max(pc.binary_length(column)).as_py() <= limits.max_cell_chars:
            continue
        lengths = pc.fill_null(pc.utf8_length(column), 0).to_numpy(zero_copy_only=False)
        over = np.flatnonzero(lengths > limits.max_cell_chars)
        if len(over):
            i = int(over[0])
            row = int(row_numbers[i]) if row_numbers is not None else i + 1
            chars = int(lengths[i])
            raise CellTooLongError(
                f"a cell holds {number(chars)} characters; the limit is {number(limits.max_cell_chars)}",
                message_es=f"una celda tiene {number(chars, 'es')} caracteres; el máximo es "
                f"{number(limits.max_cell_chars, 'es')}", chars=chars, limit=limits.max_cell_chars, file=filename,
                sheet=sheet, row=row, column=letters[j] if j < len(letters) else str(j + 1))


__all__ = ["CellTooLongError", "InputLimits", "LimitError", "TooManyCellsError", "TooManyColumnsError", "TooManyRowsError", "WorkbookTooLargeError", "ZipLimitError", "check_cells", "check_shape", "number", "sanitize_filename"]
