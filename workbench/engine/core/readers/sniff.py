"""Which format a file really is, judged by its bytes and never by its name: the registry's containers and
content tests (``registry.py``, ``detect.py``) asked in order.

Government portals serve HTML error pages, scraper dumps and encrypted workbooks under `.csv`/`.xls` names;
reading those as data gives garbage or a confusing crash, so they are rejected here with a message that says
what the file actually is.
"""

from __future__ import annotations

import re

from workbench.engine.core.errors import EmptyFileError
from workbench.engine.core.limits import InputLimits
from workbench.engine.core.readers.detect import format_error
from workbench.engine.core.readers.format import SNIFF_BYTES, Container, Probe
from workbench.engine.core.readers.registry import INPUT_FORMATS

_MARKUP = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|\?xml)", re.IGNORECASE)


def reject_disguised(head: bytes, filename: str | None = None) -> None:
    """Raise when the bytes are empty, an HTML/XML page or a PDF, whatever format the spec claims."""
    if not head:
        raise EmptyFileError(file=filename)
    match = _MARKUP.match(head[:SNIFF_BYTES])
    if match and match.group(1).lower().startswith(b"?xml"):
        raise format_error(
            filename, "xml",
            "this file is an XML document, not a CSV or a spreadsheet (an Excel 2003 XML export or a data dump?); "
            "download the CSV or the .xlsx version",
            "este archivo es un documento XML, no un CSV ni una planilla; descargue la versión CSV o .xlsx",
        )
    if match:
        raise format_error(
            filename, "html",
            "this file is an HTML web page, not a CSV or a spreadsheet (it was probably saved from a browser or "
            "a scraper); download the actual data file",
            "este archivo es una página web HTML, no un CSV ni una planilla (probablemente se guardó desde el "
            "navegador); descargue el archivo de datos real",
        )
    if head.startswith(b"%PDF-"):
        raise format_error(
            filename, "pdf",
            "this file is a PDF document, not a CSV or a spreadsheet",
            "este archivo es un documento PDF, no un CSV ni una planilla",
        )


def sniff_format(head: bytes, filename: str | None = None, *, limits: InputLimits | None = None) -> str:
    """The name of the registered format the content is (``csv``, ``xlsx``, ``xlsm``, ``xlsb``, ``xls``,
    ``ods``); ``filename`` only labels errors.

    The container whose magic the bytes start with claims them (plain text when none does); the first format
    of that container, in registry order, whose content test passes is the answer, and when none passes the
    container says what the file is instead. Pass the whole file for workbooks: a zip's table of contents is
    at its end and an OLE directory can be anywhere; for text the first ``SNIFF_BYTES`` bytes decide. A zip's
    directory is checked against the input ``limits`` (default: the settings') before any part is read.
    """
    reject_disguised(head, filename)
    formats = list(INPUT_FORMATS.values())
    container = _container(head, [f.container for f in formats])
    probe = Probe(head, filename, limits)
    container.check(probe)
    for fmt in formats:
        if fmt.container == container and fmt.detect(probe):
            return fmt.name
    raise container.unknown(probe)


def _container(head: bytes, containers: list[Container]) -> Container:
    """The container whose magic starts the bytes, else the one without magic (plain text)."""
    claimed = next((c for c in containers if c.magic and head.startswith(c.magic)), None)
    return claimed or next(c for c in containers if not c.magic)


__all__ = ["reject_disguised", "sniff_format"]
