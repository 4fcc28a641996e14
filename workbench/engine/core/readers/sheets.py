"""Which sheet holds the report: a workbook whose first sheet is ``Notas`` must not be a dead end.

When nobody chose the sheet and the spec finds its header by labels, the spec's sheet is read first (the
usual case costs nothing more); only when the labels are not there are the other sheets read, in workbook
order, and the first one that has them is used, with a warning that says so. The choice depends only on the
file's bytes and the spec, so a run reads the sheet its preview showed. When no sheet has the header, or the
user forced a sheet that lacks it, ``header-not-found`` lists the sheets and names one that has it.
"""

from __future__ import annotations

from typing import Any

from workbench.engine.core.errors import HeaderNotFoundError, WorkbenchError
from workbench.engine.core.limits import InputLimits
from workbench.engine.core.readers import read_raw
from workbench.engine.core.readers.base import RawGrid
from workbench.engine.core.readers.header import header_row
from workbench.engine.core.spec.source import SourceOptions


class HeaderNotInWorkbookError(HeaderNotFoundError):
    """``header-not-found`` with the workbook's sheets (``details["sheets"]``) and a sheet that has the
    header (``details["suggested_sheet"]``, or None); ``details["sheet"]`` is None when every sheet was
    searched."""

    def _render(self, template: str, lang: str = "en") -> str:
        text = super()._render(template, lang)
        hint = self._hint(lang)
        return f"{text}; {hint}" if hint else text

    def _hint(self, lang: str) -> str:
        sheets = self.details.get("sheets") or []
        listed = ", ".join(f"'{name}'" for name in sheets)
        suggested = self.details.get("suggested_sheet")
        if suggested is not None:
            return (f"sheet '{suggested}' has them: choose that sheet" if lang == "en"
                    else f"la hoja '{suggested}' sí las tiene: elija esa hoja")
        if len(sheets) < 2:  # a CSV or a one-sheet workbook: nowhere else to look
            return ""
        if self.details.get("sheet") is None:
            return (f"no sheet of the workbook has them (sheets searched: {listed})" if lang == "en"
                    else f"ninguna hoja del libro las tiene (hojas revisadas: {listed})")
        return (f"no other sheet has them either (sheets: {listed})" if lang == "en"
                else f"ninguna otra hoja las tiene (hojas: {listed})")


def read_report_sheet(data: bytes, options: SourceOptions, *, filename: str | None = None,
                      sheet_chosen: bool = False, strict: bool = True,
                      limits: InputLimits | None = None) -> RawGrid:
    """``read_raw`` of the sheet that holds the spec's header. ``sheet_chosen``: the user picked
    ``options.sheet``, so it is never swapped for another one (a missing header is then an error that
    suggests the sheet that has it). ``strict=False`` returns the first sheet read instead of raising (a
    view of RAW rows is useful precisely when the header is missing)."""
    grid = read_raw(data, options, filename=filename, limits=limits)
    if options.header.find is None:
        return grid
    try:
        header_row(grid, options)
        return grid
    except HeaderNotFoundError as exc:
        missing = exc
    if sheet_chosen and not strict:
        return grid
    sheets, searched = list(grid.source.sheets), grid.source.sheet
    others = [name for name in sheets if name != searched]
    found = None
    for name in others:
        found = _with_header(data, options, name, filename, limits)
        if found is not None:
            break
    if found is not None and not sheet_chosen:
        found.issues.insert(0, _fallback_issue(searched, found.source.sheet, options))
        return found
    if not strict:
        return grid
    suggested = found.source.sheet if found is not None else None
    raise HeaderNotInWorkbookError(
        **{k: v for k, v in missing.details.items() if k != "sheet"},
        sheet=searched if sheet_chosen or not others else None, sheets=sheets, suggested_sheet=suggested,
    ) from None


def _with_header(data: bytes, options: SourceOptions, sheet: str, filename: str | None,
                 limits: InputLimits | None) -> RawGrid | None:
    """The sheet's grid when its header is there; None when it is not, or the sheet cannot be read (a chart
    sheet, a sheet over the limits: not the report)."""
    options = options.model_copy(update={"sheet": sheet})
    try:
        grid = read_raw(data, options, filename=filename, limits=limits)
        header_row(grid, options)
    except WorkbenchError:
        return None
    return grid


def _fallback_issue(searched: str | None, used: str | None, options: SourceOptions) -> dict[str, Any]:
    labels = ", ".join(options.header.find or [])
    return {"row": None, "kind": "sheet-fallback", "sheet": used, "searched_sheet": searched,
            "message": f"the header ({labels}) is not on sheet '{searched}'; sheet '{used}' was read, the first "
                       "that has it",
            "message_es": f"el encabezado ({labels}) no está en la hoja '{searched}'; se leyó la hoja '{used}', la "
                          "primera que lo tiene"}


__all__ = ["HeaderNotInWorkbookError", "read_report_sheet"]
