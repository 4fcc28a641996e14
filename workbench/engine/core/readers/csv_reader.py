"""CSV bytes -> RawGrid: encoding and delimiter detection, then every field as text with its line number.

Three parsers give the same grid. When no field starts with a quote (every DIPRES file: a mid-field ``"`` is
literal, as in Python's csv) a regular file (same field count on every line) is read by Arrow's CSV reader
(``csv_arrow``) and any other by splitting the bytes with numpy and Arrow; files that really quote fields
(quoted delimiters, quoted newlines) go to Python's csv module. All skip empty lines, skip and report
whitespace-only lines, and report ragged rows instead of failing.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.engine.core import limits as lim
from workbench.engine.core.errors import EncodingError, FileFormatError, SpecError
from workbench.engine.core.readers.base import RawGrid, SourceInfo
from workbench.engine.core.readers.csv_arrow import byte_positions, parse_regular
from workbench.engine.core.readers.format import InputFormat
from workbench.engine.core.spec.source import SourceOptions
from workbench.engine.core.table import column_letter

DELIMITERS = (";", ",", "\t", "|")  # candidates, in order of preference on ties
DEFAULT_DELIMITER = ","
SNIFF_LINES = 200  # the delimiter is judged on this many records...
SNIFF_CHARS = 131_072  # ...read from at most this many leading characters
MAX_ISSUES_PER_KIND = 1000  # beyond this many ragged/whitespace lines, one summary issue says how many more
CP1252_UNDEFINED = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LF, _CR = 10, 13
_NOT_C1 = bytes(range(0x80)) + bytes(range(0xA0, 0x100))


@dataclass
class _Parsed:
    """Records as Arrow text columns (missing = null) plus where each record starts."""

    columns: list[pa.Array] | list[pa.ChunkedArray]
    rows: np.ndarray  # 1-based line where each record starts
    counts: np.ndarray  # fields in each record
    whitespace_lines: list[int] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)


# --- encoding --------------------------------------------------------------------------------------


def detect_encoding(data: bytes) -> str:
    """BOM, else strict UTF-8, else cp1252 when its 0x80-0x9F bytes are all defined there, else latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _is_utf8(data):
        return "utf-8"
    c1 = set(data.translate(None, _NOT_C1))  # the bytes 0x80..0x9F present
    if c1 and not CP1252_UNDEFINED.intersection(c1):
        return "cp1252"
    return "latin-1"


def _is_utf8(data: bytes) -> bool:
    """Arrow's validator, on the bytes in place: faster than ``bytes.decode`` and allocates nothing."""
    offsets = pa.py_buffer(np.array([0, len(data)], np.int64))
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _to_utf8(data: bytes, encoding: str, filename: str | None) -> tuple[bytes, str]:
    """The file re-encoded as UTF-8 without BOM, and the encoding name to report."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as exc:
        raise SpecError(
            f"unknown text encoding {encoding!r}",
            message_es=f"codificación de texto desconocida {encoding!r}",
            path="source.encoding",
        ) from exc
    if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
        encoding, codec = "utf-8-sig", "utf-8-sig"  # a BOM is never content
    if codec == "utf-8" and _is_utf8(data):
        return data, encoding
    if codec == "utf-8-sig" and _is_utf8(data[3:]):
        return data[3:] if data.startswith(codecs.BOM_UTF8) else data, encoding
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise _decode_error(data, encoding, exc, filename) from exc
    return text.removeprefix("\ufeff").encode("utf-8"), encoding


def _decode_error(data: bytes, encoding: str, exc: UnicodeDecodeError, filename: str | None) -> EncodingError:
    before = data[: exc.start].decode(encoding, errors="replace")
    line = len(_LINE_BREAK.findall(before)) + 1
    byte = f"0x{data[exc.start]:02X}"
    return EncodingError(
        encoding=encoding, reason=f"byte {byte} (offset {exc.start})", file=filename, row=line, byte=byte,
        offset=exc.start,
    )


# --- delimiter -------------------------------------------------------------------------------------


def sniff_delimiter(text: str, quotechar: str = '"') -> str:
    """The candidate whose per-record count (outside quotes) is the most consistent over the first records."""
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS:
        cut = max(sample.rfind("\n"), sample.rfind("\r"))
        sample = sample[: cut + 1] if cut > 0 else sample
    best, best_score = DEFAULT_DELIMITER, (0.0, 0)
    for delimiter in DELIMITERS:
        if delimiter not in sample:
            continue
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, quotechar=quotechar)
        counts = []
        for record in reader:
            if record and not (len(record) == 1 and record[0].isspace()):
                counts.append(len(record) - 1)
            if len(counts) >= SNIFF_LINES:
                break
        if not counts:
            continue
        modal, _ = max(Counter(counts).items(), key=lambda kv: (kv[1], kv[0]))
        score = (counts.count(modal) / len(counts) if modal else 0.0, modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best


# --- parsers ---------------------------------------------------------------------------------------


def _fast_path_ok(buf: bytes, delimiter: str, quotechar: str) -> bool:
    """True when no field starts with the quote char, so splitting on bytes is exactly csv-module parsing.
    Quotes are rare: the bytes before each are looked at (numpy), not every delimiter-quote pair searched."""
    if not (delimiter.isascii() and quotechar.isascii()) or delimiter in "\r\n" or quotechar in "\r\n":
        return False
    quote = quotechar.encode()
    if buf.startswith(quote):
        return False
    if quote not in buf:
        return True
    raw = np.frombuffer(buf, np.uint8)
    quotes = byte_positions(raw, ord(quote))
    before = raw[quotes[quotes > 0] - 1]  # the byte before each quote
    return not np.isin(before, np.array([ord(delimiter), _LF, _CR], np.uint8)).any()


def _split(buf: bytes, delimiter: str) -> tuple[pa.Array, np.ndarray, np.ndarray, np.ndarray]:
    """Every field of the file as one Arrow array, with each line's first field index and field count.

    ``buf`` ends with a line break. Every delimiter, CR and LF byte ends a field; deleting them all
    (``bytes.translate``) leaves the fields back to back, so offsets alone describe them. A CRLF thus makes an
    empty phantom field between CR and LF, which the line's count leaves out.
    """
    raw = np.frombuffer(buf, np.uint8)
    is_cut, scratch = np.equal(raw, ord(delimiter)), np.empty(len(raw), bool)  # in place: no 5 MB temporaries
    is_cut |= np.equal(raw, _LF, out=scratch)
    is_cut |= np.equal(raw, _CR, out=scratch)
    cuts = np.flatnonzero(is_cut)
    offsets = np.empty(len(cuts) + 1, np.int64)
    offsets[0] = 0
    np.subtract(cuts, np.arange(len(cuts)), out=offsets[1:])
    compact = buf.translate(None, delimiter.encode() + b"\r\n")
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(compact)]
    fields = pa.Array.from_buffers(pa.large_string(), len(cuts), buffers)
    at_cut = raw[cuts]
    last = np.flatnonzero(at_cut == _LF)  # index of the field each line break ends
    phantom = np.zeros(len(last), bool)
    if b"\r" in buf:
        cr = np.flatnonzero(at_cut == _CR)
        next_byte = raw[np.minimum(cuts[cr] + 1, len(raw) - 1)]
        lone = cr[(next_byte != _LF) | (cuts[cr] + 1 == len(raw))]  # a CR not followed by LF ends a line
        before = np.maximum(last - 1, 0)  # the cut just before each LF: a CR right next to it makes a CRLF
        phantom = (last > 0) & (at_cut[before] == _CR) & (cuts[before] + 1 == cuts[last])
        if len(lone):
            last = np.concatenate([last, lone])
            phantom = np.concatenate([phantom, np.zeros(len(lone), bool)])
            order = np.argsort(last, kind="stable")
            last, phantom = last[order], phantom[order]
    first = np.empty(len(last), np.int64)
    first[:1] = 0
    first[1:] = last[:-1] + 1
    return fields, offsets, first, last - first + 1 - phantom


def _no_check(rows: np.ndarray, counts: np.ndarray) -> None:
    return None


def _parse_fast(buf: bytes, delimiter: str, check: Any = _no_check) -> _Parsed:
    """Split UTF-8 bytes on the delimiter and CR/LF/CRLF with numpy; no Python loop over lines or cells."""
    if not buf.endswith((b"\n", b"\r")):
        buf += b"\n"
    fields, offsets, first, counts = _split(buf, delimiter)
    single = np.flatnonzero(counts == 1)
    empty = offsets[first[single] + 1] == offsets[first[single]]
    keep = np.ones(len(first), bool)
    keep[single[empty]] = False  # empty lines
    filled = single[~empty]
    spaces = np.zeros(0, np.int64)
    if filled.size:
        blank = pc.utf8_is_space(fields.take(pa.array(first[filled]))).to_numpy(zero_copy_only=False)
        spaces = filled[blank]
        keep[spaces] = False
    kept = np.flatnonzero(keep)
    first, counts = first[kept], counts[kept]
    check(kept + 1, counts)
    columns = _columns(fields, offsets, first, counts)
    return _Parsed(columns, kept + 1, counts, whitespace_lines=(spaces + 1).tolist())


def _parse_regular(buf: bytes, delimiter: str, check: Any = _no_check) -> _Parsed | None:
    """Arrow's CSV reader for a regular file (``csv_arrow``); None for any other file."""
    if not buf.endswith((b"\n", b"\r")):
        buf += b"\n"
    regular = parse_regular(buf, delimiter, check)
    if regular is None:
        return None
    counts = np.full(len(regular.rows), len(regular.columns), np.int64)
    return _Parsed(regular.columns, regular.rows, counts, whitespace_lines=regular.whitespace_lines)


def _columns(fields: pa.Array, offsets: np.ndarray, first: np.ndarray, counts: np.ndarray) -> list[pa.Array]:
    """Column j = field ``first + j`` of every record (missing when the record is shorter or the field empty)."""
    width = int(counts.max()) if len(counts) else 0
    regular = bool((counts == width).all())
    columns = []
    for j in range(width):
        index = first + j
        if regular:
            missing = offsets[index + 1] == offsets[index]
        else:
            absent = counts <= j
            index[absent] = 0
            missing = absent | (offsets[index + 1] == offsets[index])
        columns.append(fields.take(pa.array(index, mask=missing if missing.any() else None)))
    return columns


def _parse_python(text: str, delimiter: str, quotechar: str, check: Any = _no_check) -> _Parsed:
    """Python's csv module: quoted fields may hold delimiters, quotes (doubled) and line breaks."""
    if csv.field_size_limit() < 2**31 - 1:
        csv.field_size_limit(2**31 - 1)  # a long quoted field is data, not an error
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar, strict=False)
    records, starts, whitespace = [], [], []
    previous = last_end = 0
    for record in reader:
        start, previous = previous + 1, reader.line_num
        if not record:
            continue
        if len(record) == 1 and record[0].isspace() and start == previous:
            whitespace.append(start)
            continue
        records.append(record)
        starts.append(start)
        last_end = previous
    counts = np.fromiter(map(len, records), np.int64, len(records))
    check(np.asarray(starts, np.int64), counts)
    first = np.zeros(len(records), np.int64)
    np.cumsum(counts[:-1], out=first[1:])
    fields = pa.array(list(itertools.chain.from_iterable(records)), pa.large_string())
    offsets = np.frombuffer(fields.buffers()[1], np.int64)[: len(fields) + 1]
    columns = _columns(fields, offsets, first, counts)
    parsed = _Parsed(columns, np.asarray(starts, np.int64), counts, whitespace_lines=whitespace)
    if starts and last_end > starts[-1] and _unterminated(text, starts[-1], delimiter, quotechar):
        # Reading on would silently turn the rest of the file into one cell: stop, and say where.
        raise FileFormatError(
            f"a field opens with {quotechar} and is never closed, so every line after it would become one cell; "
            f"close the quote (or remove it) and upload the file again",
            message_es=f"un campo abre con {quotechar} y nunca se cierra, así que todas las líneas siguientes "
            "quedarían en una sola celda; cierre (o quite) la comilla y vuelva a subir el archivo",
            row=starts[-1], detected="unterminated-quote")
    return parsed


def _unterminated(text: str, line: int, delimiter: str, quotechar: str) -> bool:
    """Whether the record starting at ``line`` (the last one) ends inside an open quote."""
    starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
    tail = text[starts[line - 1] :]
    try:
        for _ in csv.reader(io.StringIO(tail, newline=""), delimiter=delimiter, quotechar=quotechar, strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


# --- grid ------------------------------------------------------------------------------------------


def _modal_count(counts: np.ndarray) -> int:
    """The most frequent field count; on a tie, the one met first (usually the header's)."""
    frequency = np.bincount(counts)
    tied = np.flatnonzero(frequency == frequency.max())
    if len(tied) == 1:
        return int(tied[0])
    return int(counts[np.isin(counts, tied)][0])


def _issues(parsed: _Parsed) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    for line in parsed.whitespace_lines[:MAX_ISSUES_PER_KIND]:
        issues.append({"row": line, "kind": "blank-line",
                       "message": f"line {line} holds only whitespace; skipped",
                       "message_es": f"la línea {line} solo tiene espacios en blanco; se omitió"})
    if len(parsed.whitespace_lines) > MAX_ISSUES_PER_KIND:
        more = len(parsed.whitespace_lines) - MAX_ISSUES_PER_KIND
        issues.append({"row": None, "kind": "blank-line", "count": more,
                       "message": f"{more} more whitespace-only lines skipped",
                       "message_es": f"se omitieron {more} línea(s) más con solo espacios en blanco"})
    if len(parsed.counts):
        expected = _modal_count(parsed.counts)
        ragged = np.flatnonzero(parsed.counts != expected)
        for i in ragged[:MAX_ISSUES_PER_KIND]:
            row, found = int(parsed.rows[i]), int(parsed.counts[i])
            issues.append({"row": row, "kind": "ragged", "expected": expected, "found": found,
                           "message": f"row {row} has {found} field{'' if found == 1 else 's'}, expected {expected}",
                           "message_es": f"la fila {row} tiene {found} campo{'' if found == 1 else 's'}; se "
                                         f"esperaban {expected}"})
        if len(ragged) > MAX_ISSUES_PER_KIND:
            more = len(ragged) - MAX_ISSUES_PER_KIND
            issues.append({"row": None, "kind": "ragged", "expected": expected, "count": more,
                           "message": f"{more} more rows without {expected} fields",
                           "message_es": f"{more} fila(s) más sin {expected} campos"})
    return issues + parsed.issues


def _shape_check(limits: lim.InputLimits, filename: str | None) -> Any:
    """Rows, columns and cells of the parsed records, before a column is built (10,000 columns are refused
    before 10,000 Arrow arrays exist). The error names the first row that is too wide or too many."""

    def check(rows: np.ndarray, counts: np.ndarray) -> None:
        width = int(counts.max()) if len(counts) else 0
        wide = int(rows[int(np.argmax(counts > limits.max_columns))]) if width > limits.max_columns else None
        last = int(rows[limits.max_rows]) if len(rows) > limits.max_rows else None
        lim.check_shape(len(rows), width, limits, filename=filename, row_of_width=wide, row_of_rows=last)

    return check


def read_csv(data: bytes, options: SourceOptions, source: SourceInfo, *, force_python: bool = False,
             limits: lim.InputLimits | None = None) -> RawGrid:
    """Decode, sniff the delimiter, parse. ``force_python`` exists to check that both parsers agree."""
    limits = limits or lim.InputLimits.from_settings()
    check = _shape_check(limits, source.filename)
    encoding = detect_encoding(data) if options.encoding == "auto" else options.encoding
    if options.encoding == "auto" and encoding == "utf-8":
        buf = data  # already validated by the detection
    else:
        buf, encoding = _to_utf8(data, encoding, source.filename)
    if options.delimiter == "auto":
        head = buf[: SNIFF_CHARS * 4].decode("utf-8", errors="ignore")
        delimiter = sniff_delimiter(head, options.quotechar)
    else:
        delimiter = options.delimiter.replace("\\t", "\t")
    if not force_python and _fast_path_ok(buf, delimiter, options.quotechar):
        parsed = _parse_regular(buf, delimiter, check) or _parse_fast(buf, delimiter, check)
    else:
        parsed = _parse_python(buf.decode("utf-8"), delimiter, options.quotechar, check)
    letters = [column_letter(j) for j in range(len(parsed.columns))]
    lim.check_cells(parsed.columns, parsed.rows, letters, limits, filename=source.filename)
    df = pd.DataFrame({j: pd.array(col, dtype="str") for j, col in enumerate(parsed.columns)}, copy=False)
    source.encoding, source.delimiter = encoding, delimiter
    return RawGrid(
        df=df,
        rows=parsed.rows.tolist(),
        letters=letters,
        source=source,
        issues=_issues(parsed),
    )


def read(data: bytes, options: SourceOptions, source: SourceInfo, limits: lim.InputLimits, fmt: InputFormat) -> RawGrid:
    """``read_csv`` as the format registry calls a reader (nothing of ``fmt`` changes how CSV is read)."""
    return read_csv(data, options, source, limits=limits)
