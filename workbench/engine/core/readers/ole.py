"""The ``Workbook`` stream of an ``.xls`` (an OLE compound file), read in Python to check what calamine
would trust before it allocates.

calamine sizes each sheet's cell buffer from its ``DIMENSIONS`` record: one flipped byte (a first row
above the last) made it reserve 1.7 TB and abort the process. So the stream is walked record by record
and every ``DIMENSIONS`` is checked: first <= last, within BIFF's grid, and rows x columns within the
cells limit. A container too broken to walk is ``workbook-corrupt`` (calamine could not read it either).
"""

from __future__ import annotations

import struct

from workbench.engine.core.errors import CorruptWorkbookError
from workbench.engine.core.limits import InputLimits, TooManyCellsError, number

FREE, END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE
DIMENSIONS, FILEPASS = 0x0200, 0x002F
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # beyond Excel's grid: no BIFF writer produces them


class _Broken(Exception):
    pass


def _sector(data: bytes, size: int, index: int) -> bytes:
    start = (index + 1) * size
    if index >= 0xFFFFFFFA or start >= len(data):
        raise _Broken(f"sector {index} is outside the file")
    return data[start : start + size]


def _chain(fat: list[int], start: int, limit: int) -> list[int]:
    chain, seen = [], set()
    while start != END_OF_CHAIN:
        if start >= len(fat) or start in seen or len(chain) > limit:
            raise _Broken("a sector chain loops or leaves the allocation table")
        seen.add(start)
        chain.append(start)
        start = fat[start]
    return chain


def workbook_stream(data: bytes) -> bytes:
    """The ``Workbook`` (BIFF8) or ``Book`` (BIFF5) stream's bytes; names compare ignoring case, as in the
    compound file format (LibreOffice and calamine read a ``WORKBOOK`` stream)."""
    if len(data) < 512:
        raise _Broken("shorter than an OLE header")
    shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if shift not in (9, 12) or mini_shift != 6:
        raise _Broken(f"sector sizes 2^{shift}/2^{mini_shift}")
    size, limit = 1 << shift, len(data) // 512 + 1
    n_fat, first_dir, _, cutoff, first_mini_fat, _, first_difat, n_difat = struct.unpack_from("<8I", data, 44)
    difat = list(struct.unpack_from("<109I", data, 76))
    sector, seen = first_difat, set()
    while sector not in (END_OF_CHAIN, FREE) and n_difat:
        if sector in seen or len(seen) > limit:
            raise _Broken("the DIFAT loops")
        seen.add(sector)
        entries = struct.unpack(f"<{size // 4}I", _sector(data, size, sector))
        difat += entries[:-1]
        sector = entries[-1]
    fat_sectors = [s for s in difat if s not in (FREE, END_OF_CHAIN)][:n_fat]
    if len(fat_sectors) > limit:
        raise _Broken("more allocation sectors than the file holds")
    fat = [v for s in fat_sectors for v in struct.unpack(f"<{size // 4}I", _sector(data, size, s))]
    directory = b"".join(_sector(data, size, s) for s in _chain(fat, first_dir, limit))
    root_start, found = None, None
    for at in range(0, len(directory) - 127, 128):
        name_len = struct.unpack_from("<H", directory, at + 64)[0]
        name = directory[at : at + min(name_len, 64)].decode("utf-16-le", errors="replace").rstrip("\x00")
        kind = directory[at + 66]
        start, length = struct.unpack_from("<IQ", directory, at + 116)
        if shift == 9:
            length &= 0xFFFFFFFF  # version 3 files keep only 32 bits of the size
        if kind == 5:
            root_start = start
        elif kind == 2 and name.casefold() in ("workbook", "book") and found is None:  # WORKBOOK too
            found = (start, length)
    if found is None:
        raise _Broken("no Workbook stream")
    start, length = found
    if length > len(data):
        raise _Broken(f"the Workbook stream claims {length:,} bytes in a {len(data):,}-byte file")
    if length >= cutoff:
        stream = b"".join(_sector(data, size, s) for s in _chain(fat, start, limit))
    else:  # a small stream lives in the mini stream, itself a chain in the root entry
        if root_start is None:
            raise _Broken("no root entry")
        mini = b"".join(_sector(data, size, s) for s in _chain(fat, root_start, limit))
        mini_fat = [v for s in _chain(fat, first_mini_fat, limit)
                    for v in struct.unpack(f"<{size // 4}I", _sector(data, size, s))]
        stream = b"".join(mini[s * 64 : s * 64 + 64] for s in _chain(mini_fat, start, len(mini) // 64 + 1))
    return stream[:length]


def check_xls(data: bytes, limits: InputLimits, filename: str | None) -> None:
    """Every sheet's DIMENSIONS record within the grid and the cells limit (raise before calamine)."""
    try:
        stream = workbook_stream(data)
    except (_Broken, struct.error) as exc:
        raise CorruptWorkbookError(format="xls", reason=f"damaged OLE container: {exc}", file=filename) from None
    at = 0
    while at + 4 <= len(stream):
        record, length = struct.unpack_from("<HH", stream, at)
        body = stream[at + 4 : at + 4 + length]
        at += 4 + length
        if record == FILEPASS:
            return  # what follows is encrypted (the sniffer refuses these files first)
        if record != DIMENSIONS:
            continue
        if len(body) >= 14:
            first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", body)
        elif len(body) >= 8:
            first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", body)
        else:
            raise CorruptWorkbookError(format="xls", reason="a DIMENSIONS record is too short", file=filename)
        if first_row > last_row or first_col > last_col or last_row > MAX_ROWS or last_col > MAX_COLUMNS:
            raise CorruptWorkbookError(
                format="xls", reason=f"a sheet declares rows {first_row}-{last_row} and columns "
                f"{first_col}-{last_col}, outside any worksheet", file=filename)
        cells = (last_row - first_row) * (last_col - first_col)
        if cells > limits.max_cells:
            raise TooManyCellsError(
                f"a sheet declares {number(cells)} cells; the limit is {number(limits.max_cells)}",
                message_es=f"una hoja declara {number(cells, 'es')} celdas; el máximo es {number(limits.max_cells, 'es')}",
                cells=cells, limit=limits.max_cells, file=filename)
