"""RAW readers: file bytes -> a grid of text cells with their RAW addresses -> a Table.

    grid = read_raw(data, options, filename="ley2017.csv")    # sniff, decode, parse; nothing is typed
    table, labels, warnings = build_table(grid, options)       # header, column names, data rows

The format comes from the bytes, never from the name. Every cell is text exactly as in the file.
"""

from __future__ import annotations

import hashlib

from workbench.engine.readers.base import RawGrid, SourceInfo
from workbench.engine.readers.csv_reader import detect_encoding, read_csv, sniff_delimiter
from workbench.engine.readers.excel_reader import list_sheets as _list_sheets
from workbench.engine.readers.excel_reader import read_workbook
from workbench.engine.readers.header import build_table, header_row, normalize_label, title_rows
from workbench.engine.readers.sniff import reject_disguised, sniff_format
from workbench.engine.spec.source import SourceOptions

WORKBOOK_FORMATS = ("xlsx", "xlsm", "xls", "ods")


def read_raw(data: bytes, options: SourceOptions, *, filename: str | None = None) -> RawGrid:
    """Read one CSV or one workbook sheet as text. ``options.format`` other than ``auto`` skips sniffing,
    but an empty file, an HTML page or a PDF is rejected whatever the spec says."""
    if options.format == "auto":
        fmt = sniff_format(data, filename)
    else:
        reject_disguised(data, filename)
        fmt = options.format
    source = SourceInfo(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), format=fmt, filename=filename)
    if fmt == "csv":
        return read_csv(data, options, source)
    return read_workbook(data, options, source)


def list_sheets(data: bytes, *, filename: str | None = None) -> list[str]:
    """Sheet names of a workbook, in order (hidden ones included); a CSV has none."""
    fmt = sniff_format(data, filename)
    return [] if fmt == "csv" else _list_sheets(data, fmt=fmt, filename=filename)


__all__ = [
    "WORKBOOK_FORMATS",
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
