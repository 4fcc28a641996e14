"""What calamine would allocate for one ``.xlsb`` sheet, measured before it does.

An ``.xlsb`` is a zip (its directory and parts go through ``zipcheck`` like any xlsx) whose parts are BIFF12
records: a type (1-2 bytes) and a size (1-4 bytes), both 7-bit varints, then the body. calamine places each
cell by the row of the last ``BrtRowHdr`` and the column in the cell record's first 4 bytes, then builds one
dense rows x columns array over the cells it found: two cells at ``A1`` and column 4,000,000,000 would ask for
terabytes. So the sheet's records are walked here, the same way calamine walks them, and the largest row and
column of a cell calamine keeps are checked against the limits first.
"""

from __future__ import annotations

import io
import struct
import zipfile
from xml.etree import ElementTree

from workbench.engine.core import zipcheck

#: Records calamine turns into a cell (RK, error, bool, real, inline string, shared string, formula results).
CELL_RECORDS = frozenset({0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x0008, 0x0009, 0x000A})
ROW_HEADER, END_SHEET_DATA, BUNDLE_SHEET = 0x0000, 0x0092, 0x009C
LAST_ROW = 0x0010_0000  # calamine stops reading a sheet at a row header past this
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_U32 = struct.Struct("<I")
_MAX_WORKBOOK_PART = 16 * 1024 * 1024  # xl/workbook.bin lists sheets and names: a few KB in practice


class _Walk:
    """The walk's state across chunks: the current row and the largest row/column of a kept cell."""

    def __init__(self) -> None:
        self.row, self.rows, self.columns, self.done = 0, 0, 0, False

    def feed(self, buf: bytes) -> int:
        """Consume every complete record in ``buf``; return where the first incomplete one starts.
        (Written for speed: about 0.8 us a record; a 60,000 x 12 sheet in 0.6-0.7 s.)"""
        at, n, cells, unpack = 0, len(buf), CELL_RECORDS, _U32.unpack_from
        row, rows, columns = self.row, self.rows, self.columns
        while at < n:
            start = at
            kind = buf[at]
            at += 1
            if kind & 0x80:
                if at >= n:
                    at = start
                    break
                kind = (kind & 0x7F) | ((buf[at] & 0x7F) << 7)
                at += 1
            if at >= n:
                at = start
                break
            size = buf[at]
            at += 1
            if size & 0x80:  # calamine reads at most 4 size bytes
                size &= 0x7F
                for shift in (7, 14, 21):
                    if at >= n:
                        size = n  # incomplete: wait for the next chunk
                        break
                    byte = buf[at]
                    at += 1
                    size |= (byte & 0x7F) << shift
                    if not byte & 0x80:
                        break
            if at + size > n:
                at = start
                break
            if kind in cells:
                if row >= rows:
                    rows = row + 1
                column = unpack(buf, at)[0] if size >= 4 else int.from_bytes(buf[at : at + size], "little")
                if column >= columns:
                    columns = column + 1
            elif kind == ROW_HEADER:
                row = unpack(buf, at)[0] if size >= 4 else int.from_bytes(buf[at : at + size], "little")
                if row > LAST_ROW:
                    self.done = True
                    break
            elif kind == END_SHEET_DATA:
                self.done = True
                break
            at += size
        self.row, self.rows, self.columns = row, rows, columns
        return at


def sheet_extent(data: bytes, entry: zipcheck.ZipEntry, filename: str | None, fmt: str = "xlsb") -> tuple[int, int]:
    """(rows, columns) calamine would span for this worksheet part, inflated once in bounded chunks."""
    walk, pending = _Walk(), b""
    for chunk in zipcheck.inflate(data, entry, filename, fmt):
        pending += chunk
        pending = pending[walk.feed(pending) :]
        if walk.done:
            break
    return walk.rows, walk.columns


def _wide(buf: bytes, at: int) -> tuple[str, int]:
    length = int.from_bytes(buf[at : at + 4], "little")
    end = at + 4 + 2 * length
    return buf[at + 4 : end].decode("utf-16-le", errors="replace"), end


def sheet_part(data: bytes, sheet: str) -> str | None:
    """The zip part holding ``sheet`` (``xl/worksheets/sheet2.bin``), from ``BrtBundleSh`` records and the
    workbook's relationships; None when the package is not the usual shape (the caller checks every sheet)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if zf.getinfo("xl/workbook.bin").file_size > _MAX_WORKBOOK_PART:
                return None
            book, rels = zf.read("xl/workbook.bin"), ElementTree.fromstring(zf.read("xl/_rels/workbook.bin.rels"))
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError, ValueError):
        return None
    rid = _relationship_id(book, sheet)
    target = next((el.get("Target") for el in rels.iter(f"{_NS_PKG}Relationship") if el.get("Id") == rid), None)
    if rid is None or not target:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _relationship_id(book: bytes, sheet: str) -> str | None:
    at = 0
    while at < len(book):
        kind = book[at]
        at += 1
        if kind & 0x80 and at < len(book):
            kind = (kind & 0x7F) | ((book[at] & 0x7F) << 7)
            at += 1
        size, shift = 0, 0
        for _ in range(4):
            if at >= len(book):
                return None
            byte = book[at]
            at += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        body = book[at : at + size]
        at += size
        if kind == BUNDLE_SHEET and len(body) >= 12:
            rid, end = _wide(body, 8)
            name, _ = _wide(body, end)
            if name == sheet:
                return rid
    return None
