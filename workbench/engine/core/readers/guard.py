"""The input limits of a format applied before its parser sees the bytes, driven by the format's
``FormatLimits`` (registry entry): the file's size, its zip (directory, true part sizes), the format's own
check, and the used range of the sheet about to be read. calamine builds one dense rows x columns array and
aborts the process on a hostile request, so what it would allocate is measured first (docs/security.md)."""

from __future__ import annotations

from workbench.engine.core import limits as lim
from workbench.engine.core import zipcheck
from workbench.engine.core.readers.format import InputFormat


def check_input(data: bytes, fmt: InputFormat, filename: str | None, limits: lim.InputLimits) -> None:
    """Everything that must hold before ``fmt``'s parser is handed ``data`` (raise a ``LimitError`` or
    ``workbook-corrupt`` otherwise)."""
    rules = fmt.limits
    if rules.max_bytes is not None and len(data) > (bound := getattr(limits, rules.max_bytes)):
        noun, noun_es = ("workbook", "el libro") if fmt.family == "workbook" else ("file", "el archivo")
        raise lim.WorkbookTooLargeError(
            f"the {fmt.name} {noun} is {lim.number(len(data))} bytes; the limit for .{fmt.name} files is "
            f"{lim.number(bound)} (save it as .xlsx or CSV)",
            message_es=f"{noun_es} {fmt.name} pesa {lim.number(len(data), 'es')} bytes; el máximo para archivos "
            f".{fmt.name} es {lim.number(bound, 'es')} (guárdelo como .xlsx o CSV)", file=filename,
            bytes=len(data), limit=bound)
    if rules.zip:
        entries = zipcheck.zip_entries(data, limits, filename, fmt.name)
        zipcheck.verify_entries(data, entries, filename, fmt.name, skip=rules.is_measured)
    if rules.check is not None:
        rules.check(data, limits, filename)


def check_sheet(data: bytes, fmt: InputFormat, sheet: str, filename: str | None, limits: lim.InputLimits) -> None:
    """The used range of ``sheet``, measured from its zip part before the parser allocates it densely; when
    the sheet's part cannot be told, every measured part is."""
    rules = fmt.limits
    if rules.sheet_extent is None:
        return
    entries = {e.name: e for e in zipcheck.zip_entries(data, limits, filename, fmt.name)}
    part = rules.sheet_part(data, sheet) if rules.sheet_part is not None else None
    parts = [entries[part]] if part in entries else [e for n, e in entries.items() if rules.is_measured(n)]
    for entry in parts:
        rows, columns = rules.sheet_extent(data, entry, filename, fmt.name)
        lim.check_shape(rows, columns, limits, filename=filename, sheet=sheet)


__all__ = ["check_input", "check_sheet"]
