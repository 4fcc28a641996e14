"""RAW readers: file bytes -> a grid of text cells with their RAW addresses -> a Table.

    grid = read_raw(data, options, filename="ley2017.csv")    # sniff, decode, parse; nothing is typed
    table, labels, warnings = build_table(grid, options)       # header, column names, data rows

The format comes from the bytes, never from the name. Every cell is text exactly as in the file.
"""

from __future__ import annotations

import hashlib

from workbench.engine.core.errors import FileFormatError
from workbench.engine.core.limits import InputLimits, sanitize_filename
from workbench.engine.core.readers.base import RawGrid, SourceInfo
from workbench.engine.core.readers.csv_reader import detect_encoding, read_csv, sniff_delimiter
from workbench.engine.core.readers.excel_reader import list_sheets as _list_sheets
from workbench.engine.core.readers.excel_reader import read_workbook
from workbench.engine.core.readers.header import build_table, header_row, normalize_label, title_rows
from workbench.engine.core.readers.sniff import sniff_format
from workbench.engine.core.spec.source import SourceOptions

WORKBOOK_FORMATS = ("xlsx", "xlsm", "xlsb", "xls", "ods")


def read_raw(data: bytes, options: SourceOptions, *, filename: str | None = None,
             limits: InputLimits | None = None) -> RawGrid:
    """Read one CSV or one workbook sheet as text. The content is always sniffed; a spec that names a
    format gets a clear error when the file is something else (a workbook given to a CSV spec, ...).
    The input ``limits`` (default: the settings', docs/security.md) are checked before and while reading;
    the file name only labels messages and is sanitised first."""
    limits = limits or InputLimits.from_settings()
    filename = sanitize_filename(filename) if filename is not None else None
    fmt = sniff_format(data, filename, limits=limits)
    wanted = options.format
    if wanted != "auto" and fmt != wanted and not (wanted in WORKBOOK_FORMATS and fmt in WORKBOOK_FORMATS):
        raise FileFormatError(
            f"this file is {_described(fmt)}, but the spec reads {_described(wanted)}; upload the {wanted} version "
            "of the report or use the dataset whose spec reads this format",
            message_es=f"este archivo es {_described(fmt, 'es')}, pero la especificación lee {_described(wanted, 'es')}; "
            f"suba la versión {wanted} del informe o use el conjunto de datos que lee este formato",
            file=filename, detected=fmt)
    source = SourceInfo(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), format=fmt, filename=filename)
    if fmt == "csv":
        return read_csv(data, options, source, limits=limits)
    return read_workbook(data, options, source, limits)


def _described(fmt: str, lang: str = "en") -> str:
    if fmt == "csv":
        return "a CSV text file" if lang == "en" else "un archivo de texto CSV"
    return f"an {fmt} workbook" if lang == "en" else f"un libro {fmt}"


def list_sheets(data: bytes, *, filename: str | None = None, limits: InputLimits | None = None) -> list[str]:
    """Sheet names of a workbook, in order (hidden ones included); a CSV has none."""
    limits = limits or InputLimits.from_settings()
    filename = sanitize_filename(filename) if filename is not None else None
    fmt = sniff_format(data, filename, limits=limits)
    return [] if fmt == "csv" else _list_sheets(data, fmt=fmt, filename=filename, limits=limits)


__all__ = [
    "WORKBOOK_FORMATS",
    "InputLimits",
    "RawGrid",
    "SourceInfo",
    "build_table",
    "detect_encoding",
    "header_row",
    "list_sheets",
    "normalize_label",
    "read_raw",
    "sniff_delimiter",
    "sniff_format",
    "title_rows",
]
