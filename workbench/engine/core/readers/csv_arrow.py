"""The CSV parser for regular files: Arrow's C++ CSV reader, quoting off, every field as text.

A DIPRES export has no quoted field and the same number of fields on every line. For such a file Arrow's reader
builds the text columns directly (~0.1 s of CPU for 50 MB), where splitting the bytes with numpy and taking each
column out of one array of fields costs ~0.6 s. Its answer is the grid the other parsers give: the same cells,
empty fields missing, the same RAW line numbers (computed here from the line breaks, since Arrow does not give
them) and whitespace-only lines skipped and reported. Whatever else a file holds (a ragged row, one column, a
line Arrow counts differently) makes it answer ``None``, and the general parsers of ``csv_reader`` read the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

_LF, _CR = 10, 13
#: Arrow parses the file in blocks of this many bytes, one after another in the calling thread: its scratch
#: memory stays small (a single 50 MB block took twice the CPU and 3x the memory), each column one chunk per block.
BLOCK_BYTES = 4 * 2**20


@dataclass
class Regular:
    """Columns (text, missing = null), the RAW line of each record, the whitespace-only lines skipped."""

    columns: list[pa.ChunkedArray]
    rows: np.ndarray
    whitespace_lines: list[int]


def byte_positions(raw: np.ndarray, value: int) -> np.ndarray:
    """Where ``value`` occurs in ``raw``, compared one block at a time: the comparison's scratch stays small and
    in cache instead of a fresh array as large as the file (50 MB of new pages on a 50 MB file)."""
    parts = [np.flatnonzero(raw[at : at + BLOCK_BYTES] == value) + at for at in range(0, len(raw), BLOCK_BYTES)]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def line_bounds(buf: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Where each line's text starts and ends (byte offsets; LF, CR and CRLF end a line, as in the other
    parsers). ``buf`` ends with a line break, so every line is terminated."""
    raw = np.frombuffer(buf, np.uint8)
    lf = byte_positions(raw, _LF)
    if b"\r" not in buf:
        ends, nexts = lf, lf + 1
    else:
        cr = byte_positions(raw, _CR)
        after = raw[np.minimum(cr + 1, len(raw) - 1)]
        crlf = (after == _LF) & (cr + 1 < len(raw))
        lone_lf = lf[(lf == 0) | (raw[np.maximum(lf - 1, 0)] != _CR)]  # an LF right after a CR ends no line
        ends = np.concatenate([cr, lone_lf])
        width = np.concatenate([1 + crlf, np.ones(len(lone_lf), np.int64)])
        order = np.argsort(ends, kind="stable")
        ends = ends[order]
        nexts = ends + width[order]
    starts = np.empty(len(ends), np.int64)
    starts[:1] = 0
    starts[1:] = nexts[:-1]
    return starts, ends


def _is_blank(text: str) -> bool:
    """Whitespace only, by the kernel the numpy parser uses (so both skip the same lines)."""
    return bool(pc.utf8_is_space(pa.array([text], pa.string()))[0].as_py())


def parse_regular(buf: bytes, delimiter: str, check: Callable[[np.ndarray, np.ndarray], None]) -> Regular | None:
    """The grid of ``buf`` (UTF-8, ends with a line break, no field opening with a quote), or None when the
    file is not regular. ``check(rows, counts)`` is the limits' shape check, called before Arrow builds any
    column (with the first line's width) and once the records are known."""
    starts, ends = line_bounds(buf)
    lines = np.flatnonzero(ends > starts)  # empty lines hold no record
    if not len(lines):
        return None
    first = int(lines[0])
    width = buf.count(delimiter.encode(), int(starts[first]), int(ends[first])) + 1
    if width < 2:  # one column: a whitespace-only line would be a record to Arrow
        return None
    check(lines[:1] + 1, np.array([width]))
    blank: list[tuple[int, str]] = []

    def invalid(row: Any) -> str:
        if row.actual_columns == 1 and row.number is not None and _is_blank(row.text):
            blank.append((row.number, row.text))
            return "skip"
        return "error"  # a ragged row: the general parser reports it and keeps it

    names = [f"f{j}" for j in range(width)]
    try:
        table = pcsv.read_csv(
            pa.BufferReader(buf),
            read_options=pcsv.ReadOptions(column_names=names, use_threads=False, block_size=BLOCK_BYTES),
            parse_options=pcsv.ParseOptions(delimiter=delimiter, quote_char=False, escape_char=False,
                                            newlines_in_values=False, ignore_empty_lines=True,
                                            invalid_row_handler=invalid),
            convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(names, pa.large_string()),
                                                null_values=[""], strings_can_be_null=True, check_utf8=False),
        )
    except pa.ArrowInvalid:
        return None
    keep = np.ones(len(lines), bool)
    for number, text in blank:  # Arrow numbers the non-empty lines from 1: check it is the line meant
        line = lines[number - 1] if 0 < number <= len(lines) else None
        if line is None or buf[int(starts[line]) : int(ends[line])] != text.encode():
            return None
        keep[number - 1] = False
    if table.num_rows != int(keep.sum()):
        return None
    rows = lines[keep] + 1
    check(rows, np.full(len(rows), width))
    return Regular(table.columns, rows, whitespace_lines=[int(lines[n - 1]) + 1 for n, _ in sorted(blank)])


__all__ = ["BLOCK_BYTES", "Regular", "byte_positions", "line_bounds", "parse_regular"]
