"""The containers (zip, OLE, text) and the content tests of the built-in formats, for the registry.

Government portals serve HTML error pages, scraper dumps and encrypted workbooks under `.csv`/`.xls` names;
reading those as data gives garbage or a confusing crash, so a container whose content no registered format
recognises is refused with a message that says what the file actually is.
"""

from __future__ import annotations

from workbench.engine.core.errors import CorruptWorkbookError, EncryptedWorkbookError, FileFormatError
from workbench.engine.core.readers.format import Container, Probe

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ZIP_EMPTY_MAGIC = b"PK\x05\x06"  # an end-of-directory record first: a zip without entries
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
XLSB_MAIN = b"application/vnd.ms-excel.sheet.binary.macroEnabled.main"  # the content type of xl/workbook.bin
TEXT_BOMS_WITH_NULS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")  # UTF-16 LE/BE, UTF-32 BE (LE starts FF FE)
BIFF8_GLOBALS_BOF = b"\x09\x08\x10\x00\x00\x06\x05\x00"  # BOF record, BIFF8, workbook globals
BIFF_FILEPASS = b"\x2f\x00"  # record id 0x002F: the workbook stream is encrypted


def format_error(filename: str | None, detected: str, message: str, message_es: str) -> FileFormatError:
    return FileFormatError(message, message_es=message_es, file=filename, detected=detected)


# --- zip: xlsx, xlsm, xlsb, ods -------------------------------------------------------------------------


def _zip_check(probe: Probe) -> None:
    probe.zip_directory  # the directory within the input limits before any part is read


def _zip_unknown(probe: Probe) -> FileFormatError:
    word = "word/document.xml" in probe.zip_names
    what, what_es = ("a Word document", "un documento de Word") if word else ("a ZIP archive", "un archivo ZIP")
    return format_error(
        probe.filename, "zip",
        f"this file is {what}, not a spreadsheet (no xl/workbook.xml and no OpenDocument spreadsheet mimetype)",
        f"este archivo es {what_es}, no una planilla (no tiene xl/workbook.xml ni el tipo OpenDocument de planilla)",
    )


ZIP = Container("zip", (ZIP_MAGIC, ZIP_EMPTY_MAGIC), _zip_check, _zip_unknown)


def _ods_mimetype(probe: Probe) -> bool:
    return probe.zip_part("mimetype").strip() == ODS_MIMETYPE


def _spreadsheetml(probe: Probe) -> bool:
    """An Office Open XML workbook (and not an OpenDocument one that happens to carry its parts)."""
    return not _ods_mimetype(probe) and (
        "xl/workbook.xml" in probe.zip_names or b"spreadsheetml.sheet.main+xml" in probe.zip_part("[Content_Types].xml"))


def _macros(probe: Probe) -> bool:
    return "xl/vbaProject.bin" in probe.zip_names or b"macroEnabled" in probe.zip_part("[Content_Types].xml")


def is_ods(probe: Probe) -> bool:
    """An OpenDocument spreadsheet: its ``mimetype`` part says so (encrypted entries: refused)."""
    if not _ods_mimetype(probe):
        return False
    if b"encryption-data" in probe.zip_part("META-INF/manifest.xml"):
        raise EncryptedWorkbookError(kind="ODF encryption-data", file=probe.filename)
    return True


def is_xlsx(probe: Probe) -> bool:
    """``xl/workbook.xml`` or a spreadsheet main part in the content types, without macros."""
    return _spreadsheetml(probe) and not _macros(probe)


def is_xlsm(probe: Probe) -> bool:
    """An xlsx with ``xl/vbaProject.bin`` or a ``macroEnabled`` content type."""
    return _spreadsheetml(probe) and _macros(probe)


def is_xlsb(probe: Probe) -> bool:
    """``xl/workbook.bin`` declared as the binary main part (Excel always declares it)."""
    return (not _ods_mimetype(probe) and not _spreadsheetml(probe) and "xl/workbook.bin" in probe.zip_names
            and XLSB_MAIN in probe.zip_part("[Content_Types].xml"))


# --- OLE compound files: xls ----------------------------------------------------------------------------


def _ole_check(probe: Probe) -> None:
    if "EncryptedPackage" in probe.ole_streams:  # a password-protected xlsx/xlsb is an OLE file
        raise EncryptedWorkbookError(kind="OOXML EncryptedPackage", file=probe.filename)


def _ole_unknown(probe: Probe) -> CorruptWorkbookError | FileFormatError:
    if len(probe.data) < 512:
        return CorruptWorkbookError(format="xls", reason="truncated OLE header", file=probe.filename)
    what, what_es = ("a Word document", "un documento de Word") if "WordDocument" in probe.ole_streams else (
        "an Office file", "un archivo de Office")
    return format_error(
        probe.filename, "ole",
        f"this file is {what}, not a spreadsheet (it has no Workbook stream)",
        f"este archivo es {what_es}, no una planilla (no tiene la secuencia Workbook)",
    )


OLE = Container("ole", (OLE_MAGIC,), _ole_check, _ole_unknown)


def is_xls(probe: Probe) -> bool:
    """A ``Workbook`` (BIFF8) or ``Book`` (BIFF5) stream; a ``FILEPASS`` record after the first BOF: refused."""
    if not probe.ole_streams & {"Workbook", "Book"}:
        return False
    bof = probe.data.find(BIFF8_GLOBALS_BOF)
    if bof != -1 and probe.data[bof + 20 : bof + 22] == BIFF_FILEPASS:
        raise EncryptedWorkbookError(kind="BIFF FILEPASS", file=probe.filename)
    return True


# --- plain text: csv ------------------------------------------------------------------------------------


def _text_check(probe: Probe) -> None:
    """Nothing to open: text is judged on its first bytes."""


def _text_unknown(probe: Probe) -> FileFormatError:
    return format_error(
        probe.filename, "binary",
        "this file is binary data (it contains NUL bytes), not text and not a known spreadsheet format",
        "este archivo contiene datos binarios (bytes NUL); no es texto ni un formato de planilla conocido",
    )


TEXT = Container("text", (), _text_check, _text_unknown)


def is_text(probe: Probe) -> bool:
    """No NUL byte in the first ``SNIFF_BYTES``, unless a UTF-16/32 byte order mark says they are text."""
    head = probe.head
    return b"\x00" not in head or head.startswith(TEXT_BOMS_WITH_NULS)


__all__ = ["OLE", "TEXT", "ZIP", "format_error", "is_ods", "is_text", "is_xls", "is_xlsb", "is_xlsm", "is_xlsx"]
