"""The input formats: one entry per format the readers accept. ``sniff_format``, ``read_raw``, ``list_sheets``
and the limits checked before parsing (``guard.py``) all look a format up here, and nowhere else.

Adding a format (``.parquet``, say) is one reader module (its content test and reader, plus its container
when it brings a new one) + one entry below + its value in the spec's ``Format`` literal (a test names the
missing value) + its docs section in docs/readers.md + its tests (docs/readers.md, "Adding a format").

Order matters within a container: the first format whose content test passes is the file's format.
"""

from __future__ import annotations

from typing import Any, Callable

from workbench.engine.core import zipcheck
from workbench.engine.core.readers import csv_reader, detect, excel_reader, ole, xlsb, xlsx_merged
from workbench.engine.core.readers.format import Container, FormatLimits, InputFormat, Probe, Reader, SheetLister
from workbench.engine.core.spec.source import SourceOptions

#: The ``SourceOptions`` fields every reader honours; the others belong to the formats that list them.
COMMON_OPTIONS = ("format", "header", "skip_blank_rows")
_CSV_OPTIONS = ("encoding", "delimiter", "quotechar")
_WORKBOOK_OPTIONS = ("sheet", "fill_merged")
_WORKSHEETS = "xl/worksheets/"
_XLSX_LIMITS = FormatLimits(zip=True, measured=(_WORKSHEETS,), sheet_part=xlsx_merged.sheet_part,
                            sheet_extent=zipcheck.xlsx_sheet_extent)


def _workbook(name: str, *, container: Container, detect: Callable[[Probe], bool], limits: FormatLimits,
              read: Reader = excel_reader.read_workbook, sheets: SheetLister = excel_reader.list_sheets) -> InputFormat:
    """A calamine workbook format: its family, labels, options and extension follow from its name."""
    return InputFormat(name=name, family="workbook", label=f"an {name} workbook", label_es=f"un libro {name}",
                       container=container, detect=detect, read=read, sheets=sheets, options=_WORKBOOK_OPTIONS,
                       extensions=(f".{name}",), limits=limits)


INPUT_FORMATS: dict[str, InputFormat] = {fmt.name: fmt for fmt in (
    InputFormat(name="csv", family="text", label="a CSV text file", label_es="un archivo de texto CSV",
                container=detect.TEXT, detect=detect.is_text, read=csv_reader.read, sheets=None,
                options=_CSV_OPTIONS, extensions=(".csv", ".txt")),
    _workbook("xlsx", container=detect.ZIP, detect=detect.is_xlsx, limits=_XLSX_LIMITS),
    _workbook("xlsm", container=detect.ZIP, detect=detect.is_xlsm, limits=_XLSX_LIMITS),
    _workbook("xlsb", container=detect.ZIP, detect=detect.is_xlsb, limits=FormatLimits(
        zip=True, measured=(_WORKSHEETS,), sheet_part=xlsb.sheet_part, sheet_extent=xlsb.sheet_extent)),
    _workbook("xls", container=detect.OLE, detect=detect.is_xls, read=excel_reader.read_xls,
              sheets=excel_reader.xls_sheets, limits=FormatLimits(max_bytes="max_xls_bytes", check=ole.check_xls)),
    _workbook("ods", container=detect.ZIP, detect=detect.is_ods, limits=FormatLimits(
        zip=True, measured=(_WORKSHEETS, "content.xml"), check=zipcheck.check_ods_cells)),
)}


def input_format(name: str) -> InputFormat:
    """The registered format ``name`` (a ``KeyError`` for an unknown name: a spec's format is validated first)."""
    return INPUT_FORMATS[name]


def reads(wanted: str, detected: str) -> bool:
    """Whether a spec whose ``source.format`` is ``wanted`` reads a file sniffed as ``detected``: ``auto``
    reads every format, and a format reads every format of its family (an ``xlsx`` spec reads the ``xls``
    of the same report; a ``csv`` spec reads no workbook)."""
    if wanted in ("auto", detected):
        return True
    spec_reads, file_is = INPUT_FORMATS.get(wanted), INPUT_FORMATS.get(detected)
    return spec_reads is not None and file_is is not None and spec_reads.family == file_is.family


def described(name: str, lang: str = "en") -> str:
    """``a CSV text file`` / ``an xlsx workbook`` (``lang="es"``: ``un libro xlsx``), for messages."""
    fmt = INPUT_FORMATS[name]
    return fmt.label if lang == "en" else fmt.label_es


def option_defaults(name: str) -> dict[str, Any]:
    """The source options the format's reader honours besides the common ones, with their defaults."""
    fields = SourceOptions.model_fields
    return {option: fields[option].get_default(call_default_factory=True) for option in INPUT_FORMATS[name].options}


def family_formats(family: str) -> tuple[str, ...]:
    """The registered formats of ``family`` (``workbook``: xlsx, xlsm, xlsb, xls, ods)."""
    return tuple(name for name, fmt in INPUT_FORMATS.items() if fmt.family == family)

__all__ = ["COMMON_OPTIONS", "INPUT_FORMATS", "described", "family_formats", "input_format", "option_defaults",
           "reads"]
