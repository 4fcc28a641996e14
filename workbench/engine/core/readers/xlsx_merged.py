"""Merged ranges of one xlsx/xlsm sheet, read straight from its XML (about 10x cheaper than a second
calamine parse of the whole sheet: the ranges sit in ``<mergeCells>`` after the cell data)."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?\"")
_CHUNK = 1 << 20
_MAX_XML = 512 * 1024 * 1024  # a sheet XML larger than this is not scanned (the caller falls back)


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _sheet_path(zf: zipfile.ZipFile, sheet: str) -> str | None:
    workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rid = next((el.get(f"{_NS_REL}id") for el in workbook.iter(f"{_NS_MAIN}sheet") if el.get("name") == sheet), None)
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    target = next((el.get("Target") for el in rels.iter(f"{_NS_PKG}Relationship") if el.get("Id") == rid), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def sheet_part(data: bytes, sheet: str) -> str | None:
    """The zip part holding ``sheet`` (``xl/worksheets/sheet1.xml``); None when the package is not the usual
    shape."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return _sheet_path(zf, sheet)
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return None


def xlsx_merged_ranges(data: bytes, sheet: str) -> list[tuple[tuple[int, int], tuple[int, int]]] | None:
    """``[((top, left), (bottom, right)), ...]`` 0-based and inclusive, like python-calamine; None when the
    package is not the usual shape (the caller then asks calamine)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            path = _sheet_path(zf, sheet)
            if path is None or zf.getinfo(path).file_size > _MAX_XML:
                return None
            found: list[bytes] = []
            tail = b""
            with zf.open(path) as stream:
                while chunk := stream.read(_CHUNK):
                    window = tail + chunk
                    start = window.find(b"mergeCell")
                    if start >= 0 or found:
                        found.append(window if not found else chunk)
                    tail = b"" if found else window[-64:]
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return None
    ranges = []
    for m in _MERGE.finditer(b"".join(found)):
        c1, r1, c2, r2 = m.groups()
        top, left = int(r1) - 1, _col(c1)
        bottom, right = (int(r2) - 1, _col(c2)) if c2 else (top, left)
        ranges.append(((top, left), (bottom, right)))
    return ranges
