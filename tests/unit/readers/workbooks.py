"""Tiny workbooks built in memory for the reader tests (openpyxl writes xlsx; ods is written by hand)."""

from __future__ import annotations

import io
import struct
import zipfile
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

Cells = dict[str, Any]  # {"C3": "Partida", ...}


def xlsx(sheets: dict[str, Cells], *, merged: dict[str, list[str]] | None = None, macro: bool = False) -> bytes:
    """An xlsx with the given cells per sheet (in order) and merged ranges per sheet (``{"Hoja1": ["A1:C1"]}``)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, cells in sheets.items():
        sheet = book.create_sheet(name)
        for address, value in cells.items():
            sheet[address] = value
        for cell_range in (merged or {}).get(name, []):
            sheet.merge_cells(cell_range)
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    return _with_vba(data) if macro else data


def _with_vba(data: bytes) -> bytes:
    """The same workbook plus an (empty) xl/vbaProject.bin, the marker of a macro-enabled file."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b"\x00" * 16)
    return out.getvalue()


def ods(rows: list[list[str | None]], *, sheet: str = "Hoja1") -> bytes:
    """A minimal OpenDocument spreadsheet with text cells (None = empty cell)."""
    body = []
    for row in rows:
        cells = "".join(
            "<table:table-cell/>" if value is None
            else f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'
            for value in row
        )
        body.append(f"<table:table-row>{cells}</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{escape(sheet)}">{"".join(body)}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_of(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def ole(streams: list[str], *, payload: bytes = b"") -> bytes:
    """A skeleton OLE compound file: the magic header, then one directory sector naming ``streams``.

    Only what the sniffer looks at is real (magic bytes, 128-byte directory entries with UTF-16 names);
    it is not a readable document.
    """
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * (512 - 8)
    entries = b""
    for name in ["Root Entry", *streams]:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry = encoded.ljust(64, b"\x00") + len(encoded).to_bytes(2, "little")
        entries += entry.ljust(128, b"\x00")
    return header + entries.ljust(512, b"\x00") + payload


# --- xlsb (BIFF12): records are (type varint, size varint, body) ----------------------------------------

XLSB_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>'
)
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>')


def _varint(value: int, max_bytes: int) -> bytes:
    out = bytearray()
    for _ in range(max_bytes):
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            break
    return bytes(out)


def _record(kind: int, body: bytes = b"") -> bytes:
    return _varint(kind, 2) + _varint(len(body), 4) + body


def _wide(text: str) -> bytes:
    return len(text).to_bytes(4, "little") + text.encode("utf-16-le")


def _xlsb_cell(column: int, value: Any) -> bytes:
    head = column.to_bytes(4, "little") + b"\x00\x00\x00\x00"  # column, style 0 (General), no flags
    if isinstance(value, bool):
        return _record(0x0004, head + bytes([value]))
    if isinstance(value, (int, float)):
        return _record(0x0005, head + struct.pack("<d", float(value)))
    return _record(0x0006, head + _wide(str(value)))


def xlsb_sheet(cells: dict[tuple[int, int], Any]) -> bytes:
    """One worksheet part: ``{(row, column): value}`` 0-based; text as inline strings, numbers as reals."""
    rows = sorted({r for r, _ in cells}) or [0]
    cols = sorted({c for _, c in cells}) or [0]
    dim = b"".join(v.to_bytes(4, "little") for v in (rows[0], rows[-1], cols[0], cols[-1]))
    body = [_record(0x0081), _record(0x0094, dim), _record(0x0091)]
    current = None
    for r, c in sorted(cells):
        if r != current:
            body.append(_record(0x0000, r.to_bytes(4, "little") + b"\x00" * 13))
            current = r
        body.append(_xlsb_cell(c, cells[(r, c)]))
    body += [_record(0x0092), _record(0x0082)]
    return b"".join(body)


def xlsb(sheets: dict[str, Cells], *, raw_sheets: dict[str, bytes] | None = None) -> bytes:
    """A minimal .xlsb with the given cells per sheet (``{"A1": "Partida"}``), as Excel lays the package out.
    ``raw_sheets`` replaces a sheet's part with the given bytes (hostile cases)."""
    book = [_record(0x0083), _record(0x0099, b"\x00" * 4 + b"\x00" * 4 + _wide("")), _record(0x008F)]
    parts: dict[str, bytes] = {}
    rels, overrides = [], []
    for i, (name, cells) in enumerate(sheets.items(), start=1):
        rid = f"rId{i}"
        book.append(_record(0x009C, (0).to_bytes(4, "little") + i.to_bytes(4, "little") + _wide(rid) + _wide(name)))
        grid = {}
        for address, value in cells.items():
            letters, row = coordinate_from_string(address)
            grid[(row - 1, column_index_from_string(letters) - 1)] = value
        parts[f"xl/worksheets/sheet{i}.bin"] = (raw_sheets or {}).get(name) or xlsb_sheet(grid)
        rels.append(f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    f'relationships/worksheet" Target="worksheets/sheet{i}.bin"/>')
        overrides.append(f'<Override PartName="/xl/worksheets/sheet{i}.bin" '
                         'ContentType="application/vnd.ms-excel.worksheet"/>')
    book += [_record(0x0090), _record(0x009D, b"\x00" * 20), _record(0x0084)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", XLSB_CONTENT_TYPES.format(overrides="".join(overrides)))
        archive.writestr("_rels/.rels", _RELS.format(
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.bin"/>'))
        archive.writestr("xl/workbook.bin", b"".join(book))
        archive.writestr("xl/_rels/workbook.bin.rels", _RELS.format("".join(rels)))
        for path, data in parts.items():
            archive.writestr(path, data)
    return out.getvalue()


# --- xls (BIFF5, "Excel 95") in a real OLE compound file ---------------------------------------------------

_FREE, _END_OF_CHAIN, _FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_MINI_CUTOFF = 4096  # smaller streams would live in the mini stream: this writer pads past it instead


def _biff(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def biff5(sheets: dict[str, Cells], *, encoding: str = "cp1252") -> bytes:
    """A BIFF5 workbook stream (what Excel 95 wrote in a ``Book`` stream): globals (BOF, CODEPAGE, one
    BOUNDSHEET per sheet), then each sheet (BOF, DIMENSIONS, LABEL text in the code page, NUMBER numbers)."""
    def bof(kind: int) -> bytes:
        return _biff(0x0809, struct.pack("<HHHH", 0x0500, kind, 0x0DBB, 1996))

    head = bof(0x0005) + _biff(0x0042, struct.pack("<H", 1252))
    names = {name: name.encode(encoding) for name in sheets}
    offset = len(head) + sum(4 + 7 + len(raw) for raw in names.values()) + 4  # the BOUNDSHEETs and the EOF
    bounds, bodies = b"", b""
    for name, cells in sheets.items():
        bounds += _biff(0x0085, struct.pack("<IBBB", offset + len(bodies), 0, 0, len(names[name])) + names[name])
        at = {(row - 1, column_index_from_string(col) - 1): value
              for (col, row), value in ((coordinate_from_string(a), v) for a, v in cells.items())}
        rows, cols = [r for r, _ in at] or [0], [c for _, c in at] or [0]
        body = bof(0x0010) + _biff(0x0200, struct.pack("<HHHHH", min(rows), max(rows) + 1, min(cols), max(cols) + 1, 0))
        for (row, col), value in sorted(at.items()):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                body += _biff(0x0203, struct.pack("<HHHd", row, col, 15, float(value)))
            else:
                text = str(value).encode(encoding)
                body += _biff(0x0204, struct.pack("<HHHH", row, col, 15, len(text)) + text)
        bodies += body + _biff(0x000A)
    return head + bounds + _biff(0x000A) + bodies


def ole_file(stream_name: str, stream: bytes) -> bytes:
    """A readable OLE compound file (version 3, 512-byte sectors) holding one stream: sector 0 is the
    allocation table, sector 1 the directory, the stream follows (padded past the mini-stream cutoff)."""
    stream = stream.ljust(_MINI_CUTOFF, b"\x00")
    count = -(-len(stream) // 512)
    fat = [_FAT_SECTOR, _END_OF_CHAIN] + [3 + i if i < count - 1 else _END_OF_CHAIN for i in range(count)]
    assert len(fat) <= 128, "one allocation sector maps 128 sectors"
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x003E, 3, 0xFFFE, 9, 6)  # version 3, little-endian, 2^9, 2^6
    struct.pack_into("<9I", header, 40, 0, 1, 1, 0, _MINI_CUTOFF, _END_OF_CHAIN, 0, _END_OF_CHAIN, 0)
    struct.pack_into("<109I", header, 76, 0, *[_FREE] * 108)

    def entry(name: str, kind: int, child: int, start: int, length: int) -> bytes:
        out = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00" if name else b""
        out[: len(encoded)] = encoded
        struct.pack_into("<HBBIII", out, 64, len(encoded), kind, 1, _FREE, _FREE, child)
        struct.pack_into("<IQ", out, 116, start, length)
        return bytes(out)

    directory = (entry("Root Entry", 5, 1, _END_OF_CHAIN, 0) + entry(stream_name, 2, _FREE, 2, len(stream))
                 + entry("", 0, _FREE, 0, 0) * 2)
    table = struct.pack("<128I", *fat, *[_FREE] * (128 - len(fat)))
    return bytes(header) + table + directory + stream.ljust(count * 512, b"\x00")
