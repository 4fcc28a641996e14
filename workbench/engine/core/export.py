"""Write a layer's full table to CSV, Parquet or xlsx, safely (no spreadsheet formula injection in CSV or xlsx).

``EXPORT_FORMATS`` is the one list of export formats: the API's ``format`` choices, the CLI's ``--to`` suffixes,
the run page's download buttons and the export cache read it. Adding one is a writer here + one entry +
its value in ``ExportFormatName`` (a test names the missing value).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Protocol

import pandas as pd

from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.table import Table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The export formats' names, for typed choices (API query parameters); pinned to ``EXPORT_FORMATS`` by a test.
ExportFormatName = Literal["csv", "parquet", "xlsx"]
#: Longest sheet name a workbook allows.
XLSX_SHEET_CHARS = 31


class ExportError(WorkbenchError):
    code = "export-failed"
    title = "Export failed"
    template = "{message}"
    template_es = "{message_es}"


class Writer(Protocol):
    """Write ``df`` to ``path`` (``sheet`` names the sheet of formats that have one); OSError is the caller's."""

    def __call__(self, df: pd.DataFrame, path: Path, *, sheet: str = "data") -> Path: ...


@dataclass(frozen=True)
class ExportFormat:
    """One export format: its name (the API's ``format``), the label the UI shows, the media type it is served
    with, its file extension (the CLI picks the format by the ``--to`` suffix) and its writer."""

    name: str
    label: str
    media_type: str
    extension: str
    write: Writer


def neutralise_formulas(series: pd.Series) -> pd.Series:
    """Prefix a quote to text cells that a spreadsheet would run as a formula (=, +, -, @ at the start)."""
    text = series.astype("str")
    risky = text.str.startswith(FORMULA_START).fillna(False)
    return series.where(~risky, "'" + text)


def write_csv(df: pd.DataFrame, path: Path, *, sheet: str = "data") -> Path:
    """UTF-8 CSV, formula-like text quoted; CRLF (RFC 4180): the writer quotes a field holding any
    line-terminator character, so a lone CR inside a cell ("x\\r=cmd|...") cannot start a new row in a
    spreadsheet (with "\\n" it was written unquoted)."""
    df = df.copy()
    for col in df.columns:
        if df[col].dtype == "str":
            df[col] = neutralise_formulas(df[col])
    df.to_csv(path, index=False, encoding="utf-8", lineterminator="\r\n")
    return path


def write_parquet(df: pd.DataFrame, path: Path, *, sheet: str = "data") -> Path:
    """Parquet with the table's types (exact decimals stay decimals)."""
    df.to_parquet(path, index=False)
    return path


def write_xlsx(df: pd.DataFrame, path: Path, *, sheet: str = "data") -> Path:
    """A workbook with one sheet (openpyxl write-only: rows stream to disk). Text cells that a spreadsheet
    would run as a formula are neutralised as in the CSV export; numbers and dates stay typed."""
    from openpyxl import Workbook  # lazy: ~70 ms to import, and only xlsx exports need it (workers start faster)

    book = Workbook(write_only=True)
    ws = book.create_sheet(title=sheet[:XLSX_SHEET_CHARS] or "data")
    ws.append([str(c) for c in df.columns])
    columns = [[_cell(v) for v in df[name].tolist()] for name in df.columns]
    for row in zip(*columns):
        ws.append(list(row))
    book.save(path)
    return path


def _cell(value: Any) -> Any:
    """A value openpyxl writes natively: missing -> empty, formula-like text quoted, numpy scalars -> Python,
    Decimals stay exact numbers, aware datetimes become naive UTC (Excel has no time zones)."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    if hasattr(value, "item") and not isinstance(value, Decimal):
        return value.item()
    return value


EXPORT_FORMATS: dict[str, ExportFormat] = {fmt.name: fmt for fmt in (
    ExportFormat("csv", "CSV", "text/csv; charset=utf-8", ".csv", write_csv),
    ExportFormat("parquet", "Parquet", "application/vnd.apache.parquet", ".parquet", write_parquet),
    ExportFormat("xlsx", "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx",
                 write_xlsx),
)}


def export_table(table: Table, path: str | Path, *, provenance: bool = False, sheet: str = "data") -> Path:
    """Write ``table`` to ``path``; the format follows the suffix (``.csv``, ``.parquet``, ``.xlsx``)."""
    path = Path(path)
    try:
        write_frame(table_frame(table, provenance=provenance), path, sheet=sheet)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ExportError(f"cannot write {path}: {reason}", message_es=f"no se puede escribir {path}: {reason}") from exc
    return path


def table_frame(table: Table, *, provenance: bool = False) -> pd.DataFrame:
    """The columns an export carries: the data, and the ``_raw_*`` provenance columns when asked."""
    return table.df[table.data_columns + (table.provenance_columns if provenance else [])]


def write_frame(df: pd.DataFrame, path: Path, *, sheet: str = "data") -> None:
    """Write ``df`` in the export format of ``path``'s suffix; OSError (a full disk) is left to the caller."""
    suffix = path.suffix.lower()
    fmt = next((f for f in EXPORT_FORMATS.values() if f.extension == suffix), None)
    if fmt is None:
        extensions = [f.extension for f in EXPORT_FORMATS.values()]
        listed, listed_es = (f"{', '.join(extensions[:-1])} {word} {extensions[-1]}" for word in ("or", "o"))
        raise ExportError(
            f"cannot export to {path.name}: use a {listed} file name",
            message_es=f"no se puede exportar a {path.name}: use un nombre de archivo {listed_es}",
        )
    fmt.write(df, path, sheet=sheet)


__all__ = ["EXPORT_FORMATS", "ExportError", "ExportFormat", "ExportFormatName", "FORMULA_START", "Writer",
           "export_table", "neutralise_formulas", "table_frame", "write_csv", "write_frame", "write_parquet",
           "write_xlsx"]
