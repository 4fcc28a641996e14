"""Workbook bytes (xlsx, xlsm, xlsb, xls, ods) -> RawGrid, through calamine (fastexcel), every cell as text.

fastexcel renders each cell as text in Rust and hands Arrow columns over, 25x faster than openpyxl. With
``header_row=None`` and ``skip_rows=0`` grid row i is RAW row i+1, and each column knows its absolute index,
so every cell keeps its address. Merged ranges (only when ``fill_merged`` asks) come from the sheet XML
(xlsx/xlsm) or python-calamine (xls/ods).

calamine is only handed a workbook the input limits allow (``_guard``, engine/core/limits.py): a zip whose parts
are what they declare, a sheet whose used range fits (xlsx/xlsm from its XML, xlsb from its records), an ods whose repeated cells fit, an xls of bounded
size. A panic inside calamine is a damaged workbook, never a crashed worker.
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
from workbench.engine.core import zipcheck
from workbench.engine.core.errors import CorruptWorkbookError, SheetNotFoundError
from workbench.engine.core.readers import isolated, xlsb
from workbench.engine.core.readers.base import RawGrid, SourceInfo
from workbench.engine.core.readers.ole import check_xls
from workbench.engine.core.readers.xlsx_merged import sheet_part, xlsx_merged_ranges
from workbench.engine.core.spec.source import SourceOptions
from workbench.engine.core.table import column_letter

_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00$"  # a date cell: drop the midnight time
_ISO_T = r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)$"  # ods datetimes: same shape as xlsx ones


_WORKSHEET = "xl/worksheets/"


def _is_panic(exc: BaseException) -> bool:
    """pyo3 turns a Rust panic into ``PanicException``, a BaseException (not an Exception)."""
    return type(exc).__name__ == "PanicException"


def _guard(data: bytes, fmt: str, filename: str | None, limits: lim.InputLimits) -> None:
    """What calamine may be handed: an xls of bounded size; a zip within limits whose parts (but the
    worksheets, measured when one is read) hold no more than they declare; an ods whose repeats fit."""
    if fmt == "xls" or not data.startswith(b"PK"):
        if len(data) > limits.max_xls_bytes:
            raise lim.WorkbookTooLargeError(
                f"the xls workbook is {lim.number(len(data))} bytes; the limit for .xls files is "
                f"{lim.number(limits.max_xls_bytes)} (save it as .xlsx or CSV)",
                message_es=f"el libro xls pesa {lim.number(len(data), 'es')} bytes; el máximo para archivos .xls es "
                f"{lim.number(limits.max_xls_bytes, 'es')} (guárdelo como .xlsx o CSV)", file=filename,
                bytes=len(data), limit=limits.max_xls_bytes)
        check_xls(data, limits, filename)
        return
    entries = zipcheck.zip_entries(data, limits, filename, fmt)
    zipcheck.verify_entries(data, entries, filename, fmt,
                       skip=lambda name: name.startswith(_WORKSHEET) or (fmt == "ods" and name == "content.xml"))
    if fmt == "ods":
        content = next((e for e in entries if e.name == "content.xml"), None)
        cells = zipcheck.ods_expanded_cells(data, content, filename) if content else 0
        if cells > limits.max_cells:
            raise lim.TooManyCellsError(
                f"its repeated cells expand to {lim.number(cells)} cells; the limit is {lim.number(limits.max_cells)}",
                message_es=f"sus celdas repetidas se expanden a {lim.number(cells, 'es')} celdas; el máximo es "
                f"{lim.number(limits.max_cells, 'es')}", cells=cells, limit=limits.max_cells, file=filename)


def _sheet_extent(data: bytes, fmt: str, sheet: str, filename: str | None, limits: lim.InputLimits) -> None:
    """The used range of the sheet about to be read, from its XML, before calamine allocates it densely."""
    entries = {e.name: e for e in zipcheck.zip_entries(data, limits, filename, fmt)}
    part = xlsb.sheet_part(data, sheet) if fmt == "xlsb" else sheet_part(data, sheet)
    parts = [entries[part]] if part in entries else [e for n, e in entries.items() if n.startswith(_WORKSHEET)]
    for entry in parts:
        if fmt == "xlsb":
            rows, columns = xlsb.sheet_extent(data, entry, filename)
        else:
            rows, columns = zipcheck.xlsx_sheet_extent(data, entry, filename, fmt)
        lim.check_shape(rows, columns, limits, filename=filename, sheet=sheet)


def _open(data: bytes, fmt: str, filename: str | None, limits: lim.InputLimits | None = None) -> fastexcel.ExcelReader:
    _guard(data, fmt, filename, limits or lim.InputLimits.from_settings())
    try:
        return fastexcel.read_excel(data)
    except fastexcel.FastExcelError as exc:
        raise CorruptWorkbookError(format=fmt, reason=_first_line(exc), file=filename) from exc
    except BaseException as exc:
        if _is_panic(exc):
            raise CorruptWorkbookError(format=fmt, reason=f"calamine: {_first_line(exc)}", file=filename) from None
        raise


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def list_sheets(data: bytes, *, fmt: str = "workbook", filename: str | None = None,
                limits: lim.InputLimits | None = None) -> list[str]:
    """Every sheet name, in workbook order (hidden sheets included)."""
    if fmt == "xls":
        _guard(data, fmt, filename, limits or lim.InputLimits.from_settings())
        return isolated.load(data, filename, mode="names").names
    return list(_open(data, fmt, filename, limits).sheet_names)


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


def _load(data: bytes, options: SourceOptions, source: SourceInfo,
          limits: lim.InputLimits) -> tuple[list[str], str, pa.RecordBatch, list[int], list | None]:
    """(sheet names, the sheet read, its cells as Arrow text, absolute column positions, merged ranges when
    the isolated .xls reader fetched them)."""
    if source.format == "xls":
        _guard(data, "xls", source.filename, limits)
        got = isolated.load(data, source.filename, sheet=options.sheet, n_rows=limits.max_rows + 1,
                            merged=options.fill_merged)
        sheet = _resolve_sheet(options.sheet, got.names, source.filename)
        merged = [tuple(map(tuple, r)) for r in got.merged] if got.merged is not None else None
        return got.names, sheet, got.batch, got.positions, merged
    reader = _open(data, source.format, source.filename, limits)
    names = list(reader.sheet_names)
    sheet = _resolve_sheet(options.sheet, names, source.filename)
    if source.format in ("xlsx", "xlsm", "xlsb"):
        _sheet_extent(data, source.format, sheet, source.filename, limits)
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


def read_workbook(data: bytes, options: SourceOptions, source: SourceInfo,
                  limits: lim.InputLimits | None = None) -> RawGrid:
    limits = limits or lim.InputLimits.from_settings()
    names, sheet, batch, positions, xls_merged = _load(data, options, source, limits)
    lim.check_shape(batch.num_rows, batch.num_columns, limits, filename=source.filename, sheet=sheet)
    texts = [_text(col, source.format) for col in batch.columns]
    letters = [column_letter(p) for p in positions]
    lim.check_cells(texts, None, letters, limits, filename=source.filename, sheet=sheet)
    df = pd.DataFrame({j: pd.array(col, dtype="str") for j, col in enumerate(texts)}, copy=False)
    issues: list[dict[str, Any]] = []
    if options.fill_merged:
        # xlsx/xlsm: read <mergeCells> from the sheet XML (~0.1 s on 5 MB) instead of a second calamine parse
        # (~1 s). Run in a thread beside calamine it was slower: calamine already keeps both cores busy.
        ranges = xlsx_merged_ranges(data, sheet) if source.format in ("xlsx", "xlsm") else xls_merged
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
                       "message": f"merged cells cannot be read from {source.format} files; nothing was filled"})
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
