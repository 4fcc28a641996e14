"""Input limits: what a hostile or broken file may cost before it is refused, and clean user file names.

Workbooks (xlsx, xlsm, ods) are zips, so a few KB can claim gigabytes. Their directory is inspected before
anything is decompressed (entry count, total size, compression ratio, methods), the parts a reader will
read are inflated once with a bound to prove their declared sizes true, and a sheet's used range is
measured from its XML before calamine allocates it (calamine builds one dense rows x columns array: two
cells at ``A1`` and ``XFD1048576`` in a 5 KB file asked for 512 GB and aborted the process). CSVs and
sheets are then bounded in rows, columns, cells and cell length, vectorised over Arrow columns.

Every refusal is a ``LimitError`` with a code, English and Spanish messages, the file name and, when
known, the sheet, row and column. The limits are settings (``WORKBENCH_MAX_*``, docs/security.md).
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.engine.errors import CorruptWorkbookError, WorkbookError, WorkbenchError

MIB = 1024 * 1024
#: Entries smaller than this (uncompressed) are not ratio-checked: tiny XML parts compress well and are harmless.
RATIO_MIN_BYTES = 1 * MIB
#: Zip compression methods a spreadsheet uses: stored and deflate. Anything else is refused, not guessed at.
ZIP_METHODS = {0: "stored", 8: "deflate"}
#: Longest file name kept (characters, extension included); longer names keep their extension.
MAX_FILENAME_CHARS = 180
MAX_EXTENSION_CHARS = 16
INFLATE_CHUNK = 4 * MIB
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_LOCAL_HEADER = b"PK\x03\x04"


@dataclass(frozen=True)
class InputLimits:
    """The limits in force; ``from_settings`` reads them from the product's settings."""

    max_zip_uncompressed_bytes: int = 300 * MIB
    max_zip_entries: int = 10_000
    max_zip_ratio: int = 200
    max_xls_bytes: int = 64 * MIB
    max_rows: int = 2_000_000
    max_columns: int = 2_000
    max_cells: int = 10_000_000
    max_cell_chars: int = 32_767

    @classmethod
    def from_settings(cls, settings: Any = None) -> "InputLimits":
        if settings is None:
            from workbench.engine.settings import get_settings

            settings = get_settings()
        return cls(**{name: getattr(settings, name) for name in cls.__dataclass_fields__})


def number(value: int, lang: str = "en") -> str:
    """``1,048,576`` in English messages, ``1.048.576`` in Spanish ones."""
    text = f"{value:,}"
    return text if lang == "en" else text.replace(",", ".")


# --- errors ------------------------------------------------------------------------------------------


class LimitError(WorkbenchError):
    """A file over one of the input limits: refused before it can cost the service memory or time."""

    code = "input-limit"
    title = "File over an input limit"
    template = "{message}"
    template_es = "{message_es}"

    def __init__(self, message: str, *, message_es: str, **details: Any) -> None:
        super().__init__(message, message_es=message_es, **details)


class ZipLimitError(LimitError, WorkbookError):
    """A workbook's zip over a limit (a zip bomb or something shaped like one)."""

    code = "workbook-zip-limit"
    title = "Workbook refused (zip limits)"


class WorkbookTooLargeError(LimitError, WorkbookError):
    code = "workbook-too-large"
    title = "Workbook too large"


class TooManyRowsError(LimitError):
    code = "too-many-rows"
    title = "Too many rows"


class TooManyColumnsError(LimitError):
    code = "too-many-columns"
    title = "Too many columns"


class TooManyCellsError(LimitError):
    code = "too-many-cells"
    title = "Too many cells"


class CellTooLongError(LimitError):
    code = "cell-too-long"
    title = "Cell too long"


# --- file names --------------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[<>:"|?*\\/]')


def sanitize_filename(name: str | None, default: str = "upload") -> str:
    """A user-supplied file name made safe to store, show, log and put in a path or a header.

    Keeps only the base name (``../../etc/passwd`` -> ``passwd``, ``C:\\x\\a.csv`` -> ``a.csv``), drops control
    and format characters (NUL, CR/LF, bidi overrides that fake an extension), replaces the characters
    Windows and HTTP headers cannot carry (``<>:"|?*``) with ``_``, trims dots and spaces at the ends and
    caps the length keeping the extension. Idempotent; never empty."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co"))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _UNSAFE.sub("_", text).strip(" .")
    if len(text) > MAX_FILENAME_CHARS:
        stem, dot, ext = text.rpartition(".")
        if dot and stem and 0 < len(ext) <= MAX_EXTENSION_CHARS:
            text = f"{stem[: MAX_FILENAME_CHARS - len(ext) - 1].rstrip(' .')}.{ext}"
        else:
            text = text[:MAX_FILENAME_CHARS].rstrip(" .")
    return text or default


# --- zip archives (xlsx, xlsm, ods) ----------------------------------------------------------------


@dataclass(frozen=True)
class ZipEntry:
    name: str
    method: int
    flags: int
    compressed: int
    size: int
    offset: int  # of its local header


def _end_record(data: bytes) -> tuple[int, int, int] | None:
    """(entry count, directory size, directory offset) from the end of central directory record (zip64
    aware), read without parsing the directory: a 50 MB zip of a million empty entries is refused here."""
    at = data.rfind(_EOCD, max(0, len(data) - 22 - 65_535))
    if at < 0 or at + 22 > len(data):
        return None
    count, size, offset = struct.unpack_from("<HII", data, at + 10)
    locator = at - 20
    if locator >= 0 and data[locator : locator + 4] == _EOCD64_LOCATOR:
        (record,) = struct.unpack_from("<Q", data, locator + 8)
        if record + 56 <= len(data) and data[record : record + 4] == b"PK\x06\x06":
            count, size, offset = struct.unpack_from("<QQQ", data, record + 32)
    return count, size, offset


def zip_entries(data: bytes, limits: InputLimits, filename: str | None, fmt: str = "zip") -> list[ZipEntry]:
    """The directory of a workbook's zip, checked against the limits on what it declares (nothing inflated).

    Refuses: more entries than ``max_zip_entries``; a declared total above ``max_zip_uncompressed_bytes``;
    an entry of 1 MiB or more inflating more than ``max_zip_ratio`` times its compressed size; encrypted
    entries; compression methods other than stored and deflate."""
    end = _end_record(data)
    if end is not None and end[0] > limits.max_zip_entries:
        raise _too_many_entries(end[0], limits, filename, fmt)
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, struct.error, NotImplementedError) as exc:
        raise CorruptWorkbookError(format=fmt, reason=f"unreadable zip archive: {exc}", file=filename) from exc
    if len(infos) > limits.max_zip_entries:
        raise _too_many_entries(len(infos), limits, filename, fmt)
    total = 0
    entries = []
    for info in infos:
        entry = ZipEntry(info.filename, info.compress_type, info.flag_bits, info.compress_size, info.file_size,
                         info.header_offset)
        total += entry.size
        if entry.flags & 0x1:
            raise _zip_refused(filename, fmt, f"entry {entry.name!r} is encrypted",
                               f"la entrada {entry.name!r} está cifrada", reason="encrypted-entry")
        if entry.method not in ZIP_METHODS:
            raise _zip_refused(filename, fmt, f"entry {entry.name!r} uses compression method {entry.method}, which "
                               "spreadsheets never use", f"la entrada {entry.name!r} usa el método de compresión "
                               f"{entry.method}, que las planillas no usan", reason="method")
        if entry.method == 0 and entry.size != entry.compressed:
            raise _lying(entry, filename, fmt)
        if entry.size >= RATIO_MIN_BYTES and entry.size > limits.max_zip_ratio * max(entry.compressed, 1):
            ratio = entry.size // max(entry.compressed, 1)
            raise _zip_refused(
                filename, fmt,
                f"entry {entry.name!r} expands {ratio:,} times ({number(entry.compressed)} -> {number(entry.size)} bytes; "
                f"the limit is {limits.max_zip_ratio}:1): this looks like a zip bomb",
                f"la entrada {entry.name!r} se expande {number(ratio, 'es')} veces ({number(entry.compressed, 'es')} -> "
                f"{number(entry.size, 'es')} bytes; el máximo es {limits.max_zip_ratio}:1): parece una bomba zip",
                reason="ratio", entry=entry.name, ratio=ratio, limit=limits.max_zip_ratio)
        entries.append(entry)
    if total > limits.max_zip_uncompressed_bytes:
        raise _zip_refused(
            filename, fmt,
            f"its parts add up to {number(total)} bytes uncompressed; the limit is {number(limits.max_zip_uncompressed_bytes)}",
            f"sus partes suman {number(total, 'es')} bytes sin comprimir; el máximo es "
            f"{number(limits.max_zip_uncompressed_bytes, 'es')}", reason="total", total=total,
            limit=limits.max_zip_uncompressed_bytes)
    return entries


def inflate(data: bytes, entry: ZipEntry, filename: str | None, fmt: str = "zip") -> Iterator[bytes]:
    """The entry's bytes in chunks, read from its local header, never more than it declares: a stream that
    inflates past its declared size (sizes that lie to slip under the limits) is refused at that point."""
    at = entry.offset
    if data[at : at + 4] != _LOCAL_HEADER:
        raise _corrupt(filename, fmt, f"entry {entry.name!r} has no local header")
    name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
    start = at + 30 + name_len + extra_len
    raw = memoryview(data)[start : start + entry.compressed]
    if entry.method == 0:
        yield bytes(raw)
        return
    inflater = zlib.decompressobj(-15)
    produced, pending = 0, bytes(raw)
    while pending and not inflater.eof:
        try:
            chunk = inflater.decompress(pending, INFLATE_CHUNK)
        except zlib.error as exc:
            raise _corrupt(filename, fmt, f"entry {entry.name!r}: {exc}") from exc
        pending = inflater.unconsumed_tail
        produced += len(chunk)
        if produced > entry.size:
            raise _lying(entry, filename, fmt)
        yield chunk
        if not chunk and not pending:
            break


def verify_entries(data: bytes, entries: list[ZipEntry], filename: str | None, fmt: str,
                   skip: Callable[[str], bool] = lambda name: False) -> None:
    """Inflate every entry (but the ones ``skip`` names) to prove it is no larger than it says."""
    for entry in entries:
        if not skip(entry.name):
            for _ in inflate(data, entry, filename, fmt):
                pass


def _too_many_entries(count: int, limits: InputLimits, filename: str | None, fmt: str) -> ZipLimitError:
    return _zip_refused(filename, fmt, f"it holds {number(count)} entries; the limit is {number(limits.max_zip_entries)}",
                        f"contiene {number(count, 'es')} entradas; el máximo es {number(limits.max_zip_entries, 'es')}",
                        reason="entries", entries=count, limit=limits.max_zip_entries)


def _lying(entry: ZipEntry, filename: str | None, fmt: str) -> ZipLimitError:
    return _zip_refused(filename, fmt, f"entry {entry.name!r} holds more data than its declared size "
                        f"({number(entry.size)} bytes): a forged archive",
                        f"la entrada {entry.name!r} contiene más datos que su tamaño declarado "
                        f"({number(entry.size, 'es')} bytes): un archivo manipulado", reason="size-mismatch",
                        entry=entry.name)


def _zip_refused(filename: str | None, fmt: str, why: str, why_es: str, **details: Any) -> ZipLimitError:
    return ZipLimitError(f"the {fmt} workbook was refused: {why}",
                         message_es=f"se rechazó el libro {fmt}: {why_es}", file=filename, format=fmt, **details)


def _corrupt(filename: str | None, fmt: str, reason: str) -> WorkbenchError:
    return CorruptWorkbookError(format=fmt, reason=reason, file=filename)


# --- used ranges, before calamine allocates them ------------------------------------------------------

_R_ATTR = np.frombuffer(b'r="', np.uint8)


def _refs_extent(chunk: bytes) -> tuple[int, int]:
    """(max row, max column) over the ``r="C12"`` cell references in a chunk of sheet XML, vectorised:
    calamine places a cell by its own reference, whatever row element holds it."""
    raw = np.frombuffer(chunk, np.uint8)
    if len(raw) < 8:
        return 0, 0
    hits = np.flatnonzero((raw[:-2] == _R_ATTR[0]) & (raw[1:-1] == _R_ATTR[1]) & (raw[2:] == _R_ATTR[2])) + 3
    hits = hits[(hits >= 4) & (hits < len(raw) - 1)]
    before = raw[hits - 4]  # an attribute follows whitespace: `Number="XFD1"` in a formula's text is not a ref
    hits = hits[(before == 32) | (before == 9) | (before == 10) | (before == 13)]
    padded = np.concatenate([raw, np.zeros(16, np.uint8)])
    col = np.zeros(len(hits), np.int64)
    pos = hits.copy()
    letters = np.zeros(len(hits), np.int64)
    for _ in range(4):  # XFD is the last column: a fourth letter is already out of any limit
        ch = padded[pos]
        is_letter = (ch >= 65) & (ch <= 90) & (letters == pos - hits)
        col = np.where(is_letter, col * 26 + (ch.astype(np.int64) - 64), col)
        letters += is_letter
        pos += 1
    start = hits + letters  # row digits follow the letters; a bare r="12" is a row element's number
    row = np.zeros(len(hits), np.int64)
    active = np.ones(len(hits), bool)
    for k in range(8):
        ch = padded[start + k].astype(np.int64)
        active &= (ch >= 48) & (ch <= 57)
        row = np.where(active, row * 10 + (ch - 48), row)
    return int(row.max(initial=0)), int(col.max(initial=0))


def xlsx_sheet_extent(data: bytes, entry: ZipEntry, filename: str | None, fmt: str) -> tuple[int, int]:
    """(rows, columns) of a worksheet's used range from its cell references, the part inflated once in
    chunks (bounded by its declared size)."""
    rows = cols = 0
    tail = b""
    for chunk in inflate(data, entry, filename, fmt):
        window = tail + chunk
        r, c = _refs_extent(window)
        rows, cols = max(rows, r), max(cols, c)
        tail = window[-24:]
    return rows, cols


_ODS_REPEAT = re.compile(
    rb'<table:table-row\b[^>]*?table:number-rows-repeated="(\d+)"[^>]*>|<table:table-row\b'
    rb'|<table:(?:covered-)?table-cell\b([^>]*?)(/?)>|</table:table-row>')
_ODS_COLS = re.compile(rb'table:number-columns-repeated="(\d+)"')


def ods_expanded_cells(data: bytes, entry: ZipEntry, filename: str | None) -> int:
    """An upper bound on the cells calamine expands from ``content.xml``: a non-empty cell repeated
    ``number-columns-repeated`` times in a row repeated ``number-rows-repeated`` times is that many cells
    (a 2 KB file asked for 20 million cells, 2.5 GB and 10 s). Empty (self-closing) repeats are free."""
    text = b"".join(inflate(data, entry, filename, "ods"))
    total, repeat = 0, 1
    for match in _ODS_REPEAT.finditer(text):
        rows_rep, attrs, closed = match.group(1), match.group(2), match.group(3)
        if rows_rep is not None:
            repeat = int(rows_rep)
        elif attrs is not None:
            if closed and b"office:value-type" not in attrs:
                continue
            cols = _ODS_COLS.search(attrs)
            total += repeat * (int(cols.group(1)) if cols else 1)
        else:  # a row without repeats, or a row's end
            repeat = 1
    return total


# --- grids -------------------------------------------------------------------------------------------


def check_shape(rows: int, columns: int, limits: InputLimits, *, filename: str | None, sheet: str | None = None,
                row_of_width: int | None = None, row_of_rows: int | None = None) -> None:
    """Rows, columns and cells of a grid (or of a sheet's used range, before it is read)."""
    where = {"file": filename, "sheet": sheet}
    if rows > limits.max_rows:
        raise TooManyRowsError(
            f"it has {number(rows)} rows; the limit is {number(limits.max_rows)}: split the file",
            message_es=f"tiene {number(rows, 'es')} filas; el máximo es {number(limits.max_rows, 'es')}: divida el archivo",
            rows=rows, limit=limits.max_rows, **where, row=row_of_rows)
    if columns > limits.max_columns:
        from workbench.engine.table import column_letter

        raise TooManyColumnsError(
            f"it has {number(columns)} columns (up to {column_letter(columns - 1)}); the limit is {number(limits.max_columns)}",
            message_es=f"tiene {number(columns, 'es')} columnas (hasta {column_letter(columns - 1)}); el máximo es "
            f"{number(limits.max_columns, 'es')}", columns=columns, limit=limits.max_columns, **where, row=row_of_width)
    if rows * columns > limits.max_cells:
        raise TooManyCellsError(
            f"it spans {number(rows)} rows x {number(columns)} columns = {number(rows * columns)} cells; the limit is "
            f"{number(limits.max_cells)} (a sheet with a few cells far apart spans them all)",
            message_es=f"abarca {number(rows, 'es')} filas x {number(columns, 'es')} columnas = {number(rows * columns, 'es')} "
            f"celdas; el máximo es {number(limits.max_cells, 'es')}", cells=rows * columns, limit=limits.max_cells,
            **where)


def check_cells(columns: list[pa.Array], row_numbers: Any, letters: list[str], limits: InputLimits, *,
                filename: str | None, sheet: str | None = None) -> None:
    """No text cell longer than ``max_cell_chars``: byte lengths first (one pass, no decoding), characters
    only for a column that has a cell with more bytes than the limit allows characters."""
    for j, column in enumerate(columns):
        if len(column) == 0 or column.null_count == len(column):
            continue
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        if pc.max(pc.binary_length(column)).as_py() <= limits.max_cell_chars:
            continue
        lengths = pc.fill_null(pc.utf8_length(column), 0).to_numpy(zero_copy_only=False)
        over = np.flatnonzero(lengths > limits.max_cell_chars)
        if len(over):
            i = int(over[0])
            row = int(row_numbers[i]) if row_numbers is not None else i + 1
            chars = int(lengths[i])
            raise CellTooLongError(
                f"a cell holds {number(chars)} characters; the limit is {number(limits.max_cell_chars)}",
                message_es=f"una celda tiene {number(chars, 'es')} caracteres; el máximo es "
                f"{number(limits.max_cell_chars, 'es')}", chars=chars, limit=limits.max_cell_chars, file=filename,
                sheet=sheet, row=row, column=letters[j] if j < len(letters) else str(j + 1))


__all__ = [
    "CellTooLongError",
    "InputLimits",
    "LimitError",
    "TooManyCellsError",
    "TooManyColumnsError",
    "TooManyRowsError",
    "WorkbookTooLargeError",
    "ZipLimitError",
    "check_cells",
    "check_shape",
    "inflate",
    "number",
    "ods_expanded_cells",
    "sanitize_filename",
    "verify_entries",
    "xlsx_sheet_extent",
    "zip_entries",
]
