"""RawGrid -> Table: locate the header (by row number or by labels), name the columns, keep the data rows.

Column names are the header text stripped; a blank header becomes the RAW column letter and a repeated one
gets ``_2``, ``_3``. Cells stay as read (whitespace included): cleaning is a later, explicit step.
"""

from __future__ import annotations

import bisect
import unicodedata
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from workbench.engine.core.errors import HeaderNotFoundError, HeaderRowError
from workbench.engine.core.notices import Notice
from workbench.engine.core.readers.base import RawGrid
from workbench.engine.core.spec.source import SourceOptions
from workbench.engine.core.table import RAW_ROW, Table, is_provenance


def normalize_label(text: str) -> str:
    """Case, accents and runs of whitespace do not count when matching header labels."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def find_header_row(grid: RawGrid, labels: list[str], search_rows: int) -> int:
    """Grid position of the first row (within RAW rows 1..search_rows) holding every label as a whole cell."""
    wanted = {normalize_label(label) for label in labels}
    limit = bisect.bisect_right(grid.rows, search_rows)
    for position, values in enumerate(grid.df.head(limit).itertuples(index=False, name=None)):
        cells = {normalize_label(v) for v in values if isinstance(v, str)}
        if wanted <= cells:
            return position
    raise HeaderNotFoundError(searched=search_rows, labels=", ".join(repr(label) for label in labels),
                              file=grid.source.filename, sheet=grid.source.sheet)


def _header_position(grid: RawGrid, options: SourceOptions) -> int | None:
    """The header row's position in the grid (memoised on the grid: build_table, header_row and title_rows
    all ask for it)."""
    key = options.header.model_dump_json()
    if key not in grid.memo:
        grid.memo[key] = _find_header_position(grid, options)
    return grid.memo[key]


def _find_header_position(grid: RawGrid, options: SourceOptions) -> int | None:
    header = options.header
    if header.none:
        return None
    if header.find is not None:
        return find_header_row(grid, header.find, header.search_rows)
    wanted = header.row or 1
    position = bisect.bisect_left(grid.rows, wanted)
    if position == len(grid.rows) or grid.rows[position] != wanted:
        if grid.rows:
            first, last = grid.rows[0], grid.rows[-1]
            extent, extent_es = f"its rows go from {first} to {last}", f"sus filas van de {first} a {last}"
        else:
            extent, extent_es = "it has no rows", "no tiene filas"
        raise HeaderRowError(wanted=wanted, extent=extent, extent_es=extent_es, file=grid.source.filename,
                             sheet=grid.source.sheet)
    return position


def header_row(grid: RawGrid, options: SourceOptions) -> int | None:
    """The RAW row number of the (first) header row, however it was given (row or labels); None without one."""
    position = _header_position(grid, options)
    return None if position is None else grid.rows[position]


def _labels(grid: RawGrid, position: int, count: int) -> list[str]:
    """One label per column: the non-empty header cells top to bottom, stripped, joined by one space.

    A part equal to the one just above it is left out: that is a vertically merged (and filled) cell,
    not a repeated word.
    """
    block = grid.df.iloc[position : position + count].astype(object)
    labels = []
    for j in range(grid.df.shape[1]):
        parts: list[str] = []
        for value in block.iloc[:, j]:
            part = " ".join(value.splitlines()).strip() if isinstance(value, str) else ""
            if part and (not parts or parts[-1] != part):
                parts.append(part)
        labels.append(" ".join(parts))
    return labels


def _names(labels: list[str], letters: list[str], warnings: list[Notice]) -> list[str]:
    names: list[str] = []
    taken: set[str] = set()
    seen: dict[str, int] = {}
    for label, letter in zip(labels, letters):
        name = label or letter
        if is_provenance(name):
            warnings.append(Notice(f"column {letter}: header {name!r} is reserved for provenance; renamed",
                                   f"columna {letter}: el encabezado {name!r} está reservado para la "
                                   "procedencia; se cambió su nombre"))
            name = name.lstrip("_")
        base, n = name, seen.get(name, 1)
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        if name != base:
            warnings.append(Notice(f"column {letter}: duplicate header {base!r} renamed to {name!r}",
                                   f"columna {letter}: el encabezado {base!r} está repetido; se llama {name!r}"))
        seen[base] = n
        taken.add(name)
        names.append(name)
    return names


def _blank_rows(df: pd.DataFrame) -> np.ndarray:
    """Positions whose cells are all missing or whitespace; checks only rows still blank so far."""
    candidates = np.arange(len(df))
    for j in range(df.shape[1]):
        if not len(candidates):
            break
        column = df.iloc[:, j] if len(candidates) == len(df) else _cells(df.iloc[:, j], candidates)
        blank = column.isna().to_numpy() | column.str.isspace().fillna(False).to_numpy(bool)
        candidates = candidates[blank]
    return candidates


def _cells(column: pd.Series, positions: np.ndarray) -> pd.Series:
    """``column.iloc[positions]`` (ascending positions), taken chunk by chunk from an Arrow column: Arrow's take
    on a chunked array first joins its chunks (a 50 MB CSV read in 4 MB blocks: 12 ms a column, to look at the
    one footer row still blank)."""
    if not (isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"):
        return column.iloc[positions]
    chunked = pa.chunked_array(column)
    bounds = np.cumsum([0] + [len(chunk) for chunk in chunked.chunks])
    which = np.searchsorted(bounds, positions, side="right") - 1
    parts = [chunked.chunk(k).take(pa.array(positions[which == k] - bounds[k])) for k in np.unique(which)]
    return pd.Series(pd.array(pa.chunked_array(parts, chunked.type), dtype=column.dtype))


def title_rows(grid: RawGrid, options: SourceOptions) -> list[tuple[int, str]]:
    """The non-empty RAW rows above the header as ``(row number, text)``: report titles such as
    ``120101 : SECRETARÍA ...`` or ``Moneda Nacional``, which carry facts the table itself lacks. A row's
    cells are joined by `` | ``; a value repeated in the next cell (a filled merged range) counts once."""
    position = _header_position(grid, options)
    titles = []
    for raw_row, values in zip(grid.rows, grid.df.head(position or 0).itertuples(index=False, name=None)):
        cells: list[str] = []
        for value in values:
            text = value.strip() if isinstance(value, str) else ""
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            titles.append((raw_row, " | ".join(cells)))
    return titles


def build_table(grid: RawGrid, options: SourceOptions) -> tuple[Table, list[str], list[Notice]]:
    """(table, raw header labels, warnings). Labels are the joined header text before naming fixes; warnings
    are about naming (duplicates, reserved names). Reading problems stay in ``grid.issues``."""
    position = _header_position(grid, options)
    warnings: list[Notice] = []
    if position is None:
        labels: list[str] = []
        names = _names([""] * len(grid.letters), grid.letters, warnings)
        start = 0
    else:
        labels = _labels(grid, position, options.header.rows)
        names = _names(labels, grid.letters, warnings)
        start = position + options.header.rows
    data = grid.df.iloc[start:]
    rows = np.asarray(grid.rows[start:], dtype=np.int64)
    if options.skip_blank_rows and len(data):
        blank = _blank_rows(data)
        if len(blank):
            keep = np.ones(len(data), bool)
            keep[blank] = False
            data, rows = data.iloc[keep], rows[keep]
    columns: dict[str, Any] = {name: data.iloc[:, j].array for j, name in enumerate(names)}
    columns[RAW_ROW] = pd.array(rows, dtype="int64")
    df = pd.DataFrame(columns, copy=False)
    table = Table(df=df, origins=dict(zip(names, grid.letters)), sheet=grid.source.sheet)
    return table, labels, warnings
