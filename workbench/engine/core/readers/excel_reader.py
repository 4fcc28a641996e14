"""Workbook bytes (xlsx, xlsm, xlsb, xls, ods) -> RawGrid, through calamine (fastexcel), every cell as text.

fastexcel renders each cell as text in Rust and hands Arrow columns over, 25x faster than openpyxl. With
``header_row=None`` and ``skip_rows=0`` grid row i is RAW row i+1, and each column knows its absolute index,
so every cell keeps its address. Merged ranges (only when ``fill_merged`` asks) come from the sheet XML
(xlsx/xlsm) or python-calamine (xls/ods).

calamine is only handed a workbook the input limits of its format allow (``guard.py``, driven by the format's
registry entry): ``read_raw`` checks the file first (a zip whose parts are what they declare, an ods whose
repeated cells fit, an xls of bounded size), and the reader checks the used range of the sheet it is about to
read (xlsx/xlsm from its XML, xlsb from its records). An xls is parsed in a capped child process
(``read_xls``). A panic inside calamine is a damaged workbook, never a crashed worker.
"""

from __future__ import annotations

import io
from typing import Any

import fastexcel
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import python_calamine

from workbench.engine.core import limits as lim
from workbench.engine.core.errors import CorruptWorkbookError, SheetNotFoundError
from workbench.engine.core.readers import guard, isolated
from workbench.engine.core.readers.base import RawGrid, SourceInfo
from workbench.engine.core.readers.format import InputFormat
from workbench.engine.core.readers.xlsx_merged import xlsx_merged_ranges
from workbench.engine.core.spec.source import SourceOptions
from workbench.engine.core.table import column_letter

_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00$"  # a date cell: drop the midnight time
_ISO_T = r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)$"  # ods datetimes: same shape as xlsx ones


def _is_panic(exc: BaseException) -> bool:
    """pyo3 turns a Rust panic into ``PanicException``, a BaseException (not an Exception)."""
    return type(exc).__name__ == "PanicException"


def _open(data: bytes, fmt: InputFormat, filename: str | None) -> fastexcel.ExcelReader:
    try:
        return fastexcel.read_excel(data)
    except fastexcel.FastExcelError as exc:
        raise CorruptWorkbookError(format=fmt.name, reason=_first_line(exc), file=filename) from exc
    except BaseException as exc:
        if _is_panic(exc):
            raise CorruptWorkbookError(format=fmt.name, reason=f"calamine: {_first_line(exc)}", file=filename) from None
        raise


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def list_sheets(data: bytes, fmt: InputFormat, filename: str | None, limits: lim.InputLimits) -> list[str]:
    """Every sheet name, in workbook order (hidden sheets included)."""
    return list(_open(data, fmt, filename).sheet_names)


def xls_sheets(data: bytes, fmt: InputFormat, filename: str | None, limits: lim.InputLimits) -> list[str]:
    """``list_sheets`` for ``.xls``: parsed in the capped child process (``isolated``)."""
    return isolated.load(data, filename, mode="names").names


def _resolve_sheet(wanted: int | str, names: list[str], filename: str | None) -> str:
    if isinstance(wanted, int) and 0 <= wanted < len(names):
        return names[wanted]
    if isinstance(wanted, str) and wanted in names:
        return wanted
    available = ", ".join(f"{i}: {name!r}" for i, name in enumerate(names)) or "(none)"
    raise SheetNotFoundError(wanted=wanted, available=available, file=filename)


def _text(column: pa.Array, fmt: str) -> pa.Array:
    """Calamine's text for one column, with dates as YYYY-MM-DD and empty strings as missing."""
    if fmt == "ods" and pc.any(pc.match_substring(column, "T")).as_py():
        column = pc.replace_substring_regex(column, _ISO_T, r"\1 \2")
    if pc.any(pc.ends_with(column, " 00:00:00")).as_py():
        column = pc.replace_substring_regex(column, _MIDNIGHT, r"\1")
    if pc.any(pc.equal(column, "")).as_py():
        column = pc.if_else(pc.equal(column, ""), pa.scalar(None, column.type), column)
    return column


Loaded = tuple[list[str], str, pa.RecordBatch, list[int], list | None]


def _load(data: bytes, options: SourceOptions, source: SourceInfo, limits: lim.InputLimits,
          fmt: InputFormat) -> Loaded:
    """(sheet names, the sheet read, its cells as Arrow text, absolute column positions, no merged ranges)."""
    reader = _open(data, fmt, source.filename)
    names = list(reader.sheet_names)
    sheet = _resolve_sheet(options.sheet, names, source.filename)
    guard.check_sheet(data, fmt, sheet, source.filename, limits)
    try:
        loaded = reader.load_sheet(sheet, header_row=None, dtypes="string", skip_rows=0, n_rows=limits.max_rows + 1)
        batch = loaded.to_arrow()
    except fastexcel.FastExcelError as exc:
        raise CorruptWorkbookError(format=source.format, reason=_first_line(exc), file=source.filename,
                                   sheet=sheet) from exc
    except BaseException as exc:
        if _is_panic(exc):
            raise CorruptWorkbookError(format=source.format, reason=f"calamine: {_first_line(exc)}",
                                       file=source.filename, sheet=sheet) from None
        raise
    return names, sheet, batch, [info.absolute_index for info in loaded.available_columns()], None


def _load_isolated(data: bytes, options: SourceOptions, source: SourceInfo, limits: lim.InputLimits,
                   fmt: InputFormat) -> Loaded:
    """``_load`` in the capped child process (``isolated``), which also fetches the merged ranges."""
    got = isolated.load(data, source.filename, sheet=options.sheet, n_rows=limits.max_rows + 1,
                        merged=options.fill_merged)
    sheet = _resolve_sheet(options.sheet, got.names, source.filename)
    merged = [tuple(map(tuple, r)) for r in got.merged] if got.merged is not None else None
    return got.names, sheet, got.batch, got.positions, merged


def read_workbook(data: bytes, options: SourceOptions, source: SourceInfo, limits: lim.InputLimits,
                  fmt: InputFormat) -> RawGrid:
    """One sheet of an xlsx, xlsm, xlsb or ods workbook, parsed by calamine in this process."""
    return _grid(_load(data, options, source, limits, fmt), data, options, source, limits)


def read_xls(data: bytes, options: SourceOptions, source: SourceInfo, limits: lim.InputLimits,
             fmt: InputFormat) -> RawGrid:
    """One sheet of an ``.xls``, parsed by calamine in a capped child process (its BIFF parser is not safe on
    hostile bytes)."""
    return _grid(_load_isolated(data, options, source, limits, fmt), data, options, source, limits)


def _grid(loaded: Loaded, data: bytes, options: SourceOptions, source: SourceInfo,
          limits: lim.InputLimits) -> RawGrid:
    names, sheet, batch, positions, loaded_merged = loaded
    lim.check_shape(batch.num_rows, batch.num_columns, limits, filename=source.filename, sheet=sheet)
    texts = [_text(col, source.format) for col in batch.columns]
    letters = [column_letter(p) for p in positions]
    lim.check_cells(texts, None, letters, limits, filename=source.filename, sheet=sheet)
    df = pd.DataFrame({j: pd.array(col, dtype="str") for j, col in enumerate(texts)}, copy=False)
    issues: list[dict[str, Any]] = []
    if options.fill_merged:
        # xlsx/xlsm: read <mergeCells> from the sheet XML (~0.1 s on 5 MB) instead of a second calamine parse
        # (~1 s). Run in a thread beside calamine it was slower: calamine already keeps both cores busy.
        ranges = xlsx_merged_ranges(data, sheet) if source.format in ("xlsx", "xlsm") else loaded_merged
        if ranges is None:
            ranges = _merged_ranges(data, sheet, source, issues)
        _check_merged(ranges, len(df), positions, limits, source.filename, sheet)
        df, positions = _fill_merged(df, positions, ranges)
    source.sheet, source.sheets = sheet, names
    return RawGrid(
        df=df,
        rows=list(range(1, len(df) + 1)),
        letters=[column_letter(p) for p in positions],
        source=source,
        issues=issues,
    )


def _merged_ranges(data: bytes, sheet: str, source: SourceInfo, issues: list[dict[str, Any]]) -> list:
    try:
        ranges = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(
            sheet
        ).merged_cell_ranges
    except python_calamine.CalamineError as exc:
        raise CorruptWorkbookError(format=source.format, reason=_first_line(exc), file=source.filename,
                                   sheet=sheet) from exc
    if ranges is None:
        issues.append({"row": None, "kind": "merged-unavailable",
                       "message": f"merged cells cannot be read from {source.format} files; nothing was filled",
                       "message_es": f"las celdas combinadas no se pueden leer en archivos {source.format}; no se "
                                     "rellenó ninguna"})
    return ranges or []


def _check_merged(ranges: list, rows: int, positions: list[int], limits: lim.InputLimits, filename: str | None,
                  sheet: str) -> None:
    """Filling grows the grid to every range's corner: a range such as ``A1:XFD1048576`` is refused first."""
    if not ranges:
        return
    bottom = max(max(r[1][0] for r in ranges) + 1, rows)
    right = max(max(r[1][1] for r in ranges) + 1, (positions[-1] + 1) if positions else 0)
    lim.check_shape(bottom, right, limits, filename=filename, sheet=sheet)


def _fill_merged(df: pd.DataFrame, positions: list[int], ranges: list) -> tuple[pd.DataFrame, list[int]]:
    """Copy each merged range's top-left value into all its cells, growing the grid where a range sticks out."""
    col_of = {p: j for j, p in enumerate(positions)}
    for (top, left), (bottom, right) in ranges:
        if left not in col_of or top >= len(df):
            continue
        value = df.iat[top, col_of[left]]
        if pd.isna(value):
            continue
        if bottom >= len(df):
            df = df.reindex(range(bottom + 1))
        for absolute in range(left, right + 1):
            if absolute not in col_of:
                df, positions, col_of = _widen(df, positions, absolute)
            df.iloc[top : bottom + 1, col_of[absolute]] = value
    return df, positions


def _widen(df: pd.DataFrame, positions: list[int], absolute: int) -> tuple[pd.DataFrame, list[int], dict[int, int]]:
    """Add empty columns up to RAW column ``absolute`` (ranges only stick out to the right)."""
    for p in range(positions[-1] + 1 if positions else absolute, absolute + 1):
        df[len(positions)] = pd.array([None] * len(df), dtype="str")
        positions = positions + [p]
    return df, positions, {p: j for j, p in enumerate(positions)}
