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
from workbench.engine.core.readers.csv_reader import detect_encoding, sniff_delimiter
from workbench.engine.core.readers.guard import check_input
from workbench.engine.core.readers.header import build_table, header_row, normalize_label, title_rows
from workbench.engine.core.readers.registry import described, family_formats, input_format, reads
from workbench.engine.core.readers.sniff import sniff_format
from workbench.engine.core.spec.source import SourceOptions

#: The workbook formats (a spec naming one reads them all); ``registry.reads`` answers that question directly.
WORKBOOK_FORMATS = family_formats("workbook")


def read_raw(data: bytes, options: SourceOptions, *, filename: str | None = None,
             limits: InputLimits | None = None) -> RawGrid:
    """Read one CSV or one workbook sheet as text. The content is always sniffed; a spec that names a
    format gets a clear error when the file is something else (a workbook given to a CSV spec, ...).
    The input ``limits`` (default: the settings', docs/security.md) are checked before reading (the format's
    own, ``guard.check_input``) and while reading; the file name only labels messages and is sanitised first."""
    limits = limits or InputLimits.from_settings()
    filename = sanitize_filename(filename) if filename is not None else None
    name = sniff_format(data, filename, limits=limits)
    wanted = options.format
    if not reads(wanted, name):
        raise FileFormatError(
            f"this file is {described(name)}, but the spec reads {described(wanted)}; upload the {wanted} version "
            "of the report or use the dataset whose spec reads this format",
            message_es=f"este archivo es {described(name, 'es')}, pero la especificación lee {described(wanted, 'es')}; "
            f"suba la versión {wanted} del informe o use el conjunto de datos que lee este formato",
            file=filename, detected=name)
    fmt = input_format(name)
    check_input(data, fmt, filename, limits)
    source = SourceInfo(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), format=name, filename=filename)
    return fmt.read(data, options, source, limits, fmt)


def list_sheets(data: bytes, *, filename: str | None = None, limits: InputLimits | None = None) -> list[str]:
    """Sheet names of a workbook, in order (hidden ones included); a format without sheets (CSV) has none."""
    limits = limits or InputLimits.from_settings()
    filename = sanitize_filename(filename) if filename is not None else None
    fmt = input_format(sniff_format(data, filename, limits=limits))
    if fmt.sheets is None:
        return []
    check_input(data, fmt, filename, limits)
    return fmt.sheets(data, fmt, filename, limits)


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
