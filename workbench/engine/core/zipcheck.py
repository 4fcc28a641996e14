"""Workbook zips (xlsx, xlsm, xlsb, ods) inspected before anything is parsed: the directory (entry count, total size,
compression ratio, methods), the parts a reader will read inflated once with a bound to prove their declared
sizes true, and a sheet's used range measured from its XML before calamine allocates it (two cells at ``A1``
and ``XFD1048576`` in a 5 KB file made calamine ask for 512 GB). Refusals are ``ZipLimitError`` /
``WorkbookTooLargeError`` from ``limits``."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from workbench.engine.core.errors import CorruptWorkbookError, WorkbenchError
from workbench.engine.core.limits import MIB, InputLimits, TooManyCellsError, ZipLimitError, number

#: Entries smaller than this (uncompressed) are not ratio-checked: tiny XML parts compress well and are harmless.
RATIO_MIN_BYTES = 1 * MIB
#: Zip compression methods a spreadsheet uses: stored and deflate. Anything else is refused, not guessed at.
ZIP_METHODS = {0: "stored", 8: "deflate"}
INFLATE_CHUNK = 4 * MIB
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_LOCAL_HEADER = b"PK\x03\x04"


# --- zip archives (xlsx, xlsm, xlsb, ods) ----------------------------------------------------------------


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


def check_ods_cells(data: bytes, limits: InputLimits, filename: str | None) -> None:
    """The cells an ods's repeats expand to within ``max_cells`` (calamine expands them all)."""
    content = next((e for e in zip_entries(data, limits, filename, "ods") if e.name == "content.xml"), None)
    cells = ods_expanded_cells(data, content, filename) if content else 0
    if cells > limits.max_cells:
        raise TooManyCellsError(
            f"its repeated cells expand to {number(cells)} cells; the limit is {number(limits.max_cells)}",
            message_es=f"sus celdas repetidas se expanden a {number(cells, 'es')} celdas; el máximo es "
            f"{number(limits.max_cells, 'es')}", cells=cells, limit=limits.max_cells, file=filename)


__all__ = ["ZipEntry", "check_ods_cells", "inflate", "ods_expanded_cells", "verify_entries", "xlsx_sheet_extent",
           "zip_entries"]
