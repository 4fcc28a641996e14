"""Tiny workbooks built in memory for the reader tests (openpyxl writes xlsx; ods is written by hand)."""

from __future__ import annotations

import io
import zipfile
from typing import Any
from xml.sax.saxutils import escape

import openpyxl

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
