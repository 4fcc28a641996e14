"""Write a layer's full table to CSV or Parquet, safely (no spreadsheet formula injection in CSV)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.table import Table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportError(WorkbenchError):
    code = "export-failed"
    title = "Export failed"
    template = "{message}"
    template_es = "{message_es}"


def neutralise_formulas(series: pd.Series) -> pd.Series:
    """Prefix a quote to text cells that a spreadsheet would run as a formula (=, +, -, @ at the start)."""
    text = series.astype("str")
    risky = text.str.startswith(FORMULA_START).fillna(False)
    return series.where(~risky, "'" + text)


def export_table(table: Table, path: str | Path, *, provenance: bool = False) -> Path:
    """Write ``table`` to ``path``; the format follows the suffix (.csv, .parquet)."""
    path = Path(path)
    try:
        write_frame(table_frame(table, provenance=provenance), path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ExportError(f"cannot write {path}: {reason}", message_es=f"no se puede escribir {path}: {reason}") from exc
    return path


def table_frame(table: Table, *, provenance: bool = False) -> pd.DataFrame:
    """The columns an export carries: the data, and the ``_raw_*`` provenance columns when asked."""
    return table.df[table.data_columns + (table.provenance_columns if provenance else [])]


def write_frame(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` in the format of ``path``'s suffix; OSError (a full disk) is left to the caller."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        df = df.copy()
        for col in df.columns:
            if df[col].dtype == "str":
                df[col] = neutralise_formulas(df[col])
        # CRLF (RFC 4180): the writer quotes a field holding any line-terminator character, so a lone CR inside
        # a cell ("x\r=cmd|...") cannot start a new row in a spreadsheet (with "\n" it was written unquoted)
        df.to_csv(path, index=False, encoding="utf-8", lineterminator="\r\n")
    elif suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        raise ExportError(
            f"cannot export to {path.name}: use a .csv or .parquet file name",
            message_es=f"no se puede exportar a {path.name}: use un nombre de archivo .csv o .parquet",
        )
