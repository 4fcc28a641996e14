"""Which format a file really is, judged by its bytes and never by its name.

Government portals serve HTML error pages, scraper dumps and encrypted workbooks under `.csv`/`.xls` names;
reading those as data gives garbage or a confusing crash, so they are rejected here with a message that says
what the file actually is.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import numpy as np
from workbench.engine.core.errors import (
    CorruptWorkbookError,
    EmptyFileError,
    EncryptedWorkbookError,
    FileFormatError,
)
from workbench.engine.core.limits import InputLimits
from workbench.engine.core.zipcheck import zip_entries

SNIFF_BYTES = 65_536  # text checks (HTML, PDF, NUL bytes) look at this many leading bytes
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
XLSB_MAIN = b"application/vnd.ms-excel.sheet.binary.macroEnabled.main"  # the content type of xl/workbook.bin
TEXT_BOMS_WITH_NULS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")  # UTF-16 LE/BE, UTF-32 BE (LE starts FF FE)
BIFF8_GLOBALS_BOF = b"\x09\x08\x10\x00\x00\x06\x05\x00"  # BOF record, BIFF8, workbook globals
BIFF_FILEPASS = b"\x2f\x00"  # record id 0x002F: the workbook stream is encrypted
PART_SNIFF_BYTES = 1 << 20  # at most this much of a zip part (mimetype, manifest, content types) is read here

_MARKUP = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|\?xml)", re.IGNORECASE)


def _fail(filename: str | None, detected: str, message: str, message_es: str) -> FileFormatError:
    return FileFormatError(message, message_es=message_es, file=filename, detected=detected)


def reject_disguised(head: bytes, filename: str | None = None) -> None:
    """Raise when the bytes are empty, an HTML/XML page or a PDF, whatever format the spec claims."""
    if not head:
        raise EmptyFileError(file=filename)
    match = _MARKUP.match(head[:SNIFF_BYTES])
    if match and match.group(1).lower().startswith(b"?xml"):
        raise _fail(
            filename, "xml",
            "this file is an XML document, not a CSV or a spreadsheet (an Excel 2003 XML export or a data dump?); "
            "download the CSV or the .xlsx version",
            "este archivo es un documento XML, no un CSV ni una planilla; descargue la versión CSV o .xlsx",
        )
    if match:
        raise _fail(
            filename, "html",
            "this file is an HTML web page, not a CSV or a spreadsheet (it was probably saved from a browser or "
            "a scraper); download the actual data file",
            "este archivo es una página web HTML, no un CSV ni una planilla (probablemente se guardó desde el "
            "navegador); descargue el archivo de datos real",
        )
    if head.startswith(b"%PDF-"):
        raise _fail(
            filename, "pdf",
            "this file is a PDF document, not a CSV or a spreadsheet",
            "este archivo es un documento PDF, no un CSV ni una planilla",
        )


def sniff_format(head: bytes, filename: str | None = None, *, limits: InputLimits | None = None) -> str:
    """``csv``, ``xlsx``, ``xlsm``, ``xlsb``, ``xls`` or ``ods`` from the content; ``filename`` only labels errors.

    Pass the whole file for workbooks: a zip's table of contents is at its end and an OLE directory can be
    anywhere. For text the first ``SNIFF_BYTES`` bytes decide. A zip's directory is checked against the
    input ``limits`` (default: the settings') before any part of it is read.
    """
    reject_disguised(head, filename)
    if head.startswith(ZIP_MAGIC) or head.startswith(b"PK\x05\x06"):
        zip_entries(head, limits or InputLimits.from_settings(), filename)
        return _sniff_zip(head, filename)
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(head, filename)
    sample = head[:SNIFF_BYTES]
    if b"\x00" in sample and not sample.startswith(TEXT_BOMS_WITH_NULS):
        raise _fail(
            filename, "binary",
            "this file is binary data (it contains NUL bytes), not text and not a known spreadsheet format",
            "este archivo contiene datos binarios (bytes NUL); no es texto ni un formato de planilla conocido",
        )
    return "csv"


def _sniff_zip(data: bytes, filename: str | None) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names and _part(archive, "mimetype").strip() == ODS_MIMETYPE:
            manifest = _part(archive, "META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
            if b"encryption-data" in manifest:
                raise EncryptedWorkbookError(kind="ODF encryption-data", file=filename)
            return "ods"
        content_types = _part(archive, "[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
        raise CorruptWorkbookError(format="zip", reason=f"unreadable zip archive: {exc}", file=filename) from exc
    if "xl/workbook.xml" in names or b"spreadsheetml.sheet.main+xml" in content_types:
        macro = "xl/vbaProject.bin" in names or b"macroEnabled" in content_types
        return "xlsm" if macro else "xlsx"
    if "xl/workbook.bin" in names and XLSB_MAIN in content_types:
        return "xlsb"
    what = "a Word document" if "word/document.xml" in names else "a ZIP archive"
    what_es = "un documento de Word" if "word/document.xml" in names else "un archivo ZIP"
    raise _fail(
        filename, "zip",
        f"this file is {what}, not a spreadsheet (no xl/workbook.xml and no OpenDocument spreadsheet mimetype)",
        f"este archivo es {what_es}, no una planilla (no tiene xl/workbook.xml ni el tipo OpenDocument de planilla)",
    )


def _part(archive: zipfile.ZipFile, name: str) -> bytes:
    """The head of one zip part: enough to sniff, never a whole (possibly huge) part."""
    with archive.open(name) as stream:
        return stream.read(PART_SNIFF_BYTES)


_OLE_NAMES = {name.casefold(): name for name in ("Workbook", "Book", "EncryptedPackage", "EncryptionInfo", "WordDocument")}
_OLE_NAME_BYTES = np.array(sorted({2 * len(name) + 2 for name in _OLE_NAMES}), np.uint16)


def _ole_streams(data: bytes) -> set[str]:
    """Names in an OLE (compound file) directory: 128-byte entries whose UTF-16 names sit at entry starts,
    their byte length (terminator included) at offset 64. Compared ignoring case, as the compound file
    format does (LibreOffice and calamine read an xls whose stream is named ``WORKBOOK``)."""
    entries = np.frombuffer(data, np.uint8, count=len(data) // 128 * 128).reshape(-1, 128)
    lengths = entries[:, 64].astype(np.uint16) | (entries[:, 65].astype(np.uint16) << 8)
    names = set()
    for at in np.flatnonzero(np.isin(lengths, _OLE_NAME_BYTES)):
        raw = entries[at, : lengths[at] - 2].tobytes()
        name = _OLE_NAMES.get(raw.decode("utf-16-le", errors="replace").casefold())
        if name is not None and entries[at, lengths[at] - 2 : lengths[at]].tobytes() == b"\x00\x00":
            names.add(name)
    return names


def _sniff_ole(data: bytes, filename: str | None) -> str:
    streams = _ole_streams(data)
    if "EncryptedPackage" in streams:
        raise EncryptedWorkbookError(kind="OOXML EncryptedPackage", file=filename)
    if "Workbook" in streams or "Book" in streams:
        bof = data.find(BIFF8_GLOBALS_BOF)
        if bof != -1 and data[bof + 20 : bof + 22] == BIFF_FILEPASS:
            raise EncryptedWorkbookError(kind="BIFF FILEPASS", file=filename)
        return "xls"
    if len(data) < 512:
        raise CorruptWorkbookError(format="xls", reason="truncated OLE header", file=filename)
    what, what_es = ("a Word document", "un documento de Word") if "WordDocument" in streams else (
        "an Office file", "un archivo de Office"
    )
    raise _fail(
        filename, "ole",
        f"this file is {what}, not a spreadsheet (it has no Workbook stream)",
        f"este archivo es {what_es}, no una planilla (no tiene la secuencia Workbook)",
    )
