"""Layout drift: how a new file's shape differs from the spec and from the last successful runs' layouts.

    report = check_drift(spec, data, "ejecucion_2017_05.csv", fingerprints, spec_text=yaml_text)
    report.breaking        # True when the spec would no longer read the file right
    report.to_dict()       # changes (English and Spanish), the new layout, the proposed spec patch (a YAML diff)

Each change has a ``kind`` (``moved``, ``swapped``, ``renamed``, ``period_changed``, ``added``, ``removed``,
``new_period_column``, ``header_shifted``, ``sheet_renamed``, ``kind_changed``, ``footer_changed``,
``header_not_found``, ``spec_error``) and is ``breaking`` (the spec no longer reads the file right) or compatible
(informational). Breaking changes that a spec edit can fix carry a ``fix``; ``drift_patch.propose_patch`` turns
the fixes into a patched spec, which is checked again here on the same file before it is offered.
Nothing here touches the store: the fingerprints are given (the app layer reads them from the runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.engine.core.drift_changes import Change, compare_layouts, sheet_missing, spec_only_changes, trial_error
from workbench.engine.core.drift_patch import SpecPatch, propose_patch
from workbench.engine.core.errors import HeaderNotFoundError, HeaderRowError, SheetNotFoundError, SpecError
from workbench.engine.core.layout import LAYOUT_VERSION, Layout, take_layout
from workbench.engine.core.limits import InputLimits, sanitize_filename
from workbench.engine.core.preview import guess_header_row
from workbench.engine.core.readers import build_table, header_row, title_rows
from workbench.engine.core.readers.base import RawGrid
from workbench.engine.core.readers.header import normalize_label
from workbench.engine.core.readers.sheets import read_report_sheet
from workbench.engine.core.spec.loader import parse_spec
from workbench.engine.core.spec.models import Spec
from workbench.engine.core.spec.source import HeaderOptions, SourceOptions

#: Fingerprints compared at most (the newest first; the newest is the baseline).
MAX_FINGERPRINTS = 20


@dataclass
class DriftReport:
    """What changed in a file's layout, and the spec patch that fixes what breaks (None when nothing needs it)."""

    slug: str
    filename: str | None
    layout: Layout
    changes: list[Change]
    baseline: dict[str, Any]
    patch: SpecPatch | None = None
    notes: list[dict[str, str]] = field(default_factory=list)

    @property
    def breaking(self) -> bool:
        return any(c.breaking for c in self.changes)

    @property
    def drift(self) -> bool:
        """Any drift at all (compatible changes included; a new month in a header is not drift)."""
        return any(c.severity != "info" for c in self.changes)

    @property
    def status(self) -> str:
        return "breaking" if self.breaking else "compatible" if self.drift else "unchanged"

    def messages(self, lang: str = "en") -> list[str]:
        return [c.message_es if lang == "es" else c.message for c in self.changes]

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "filename": self.filename,
            "status": self.status,
            "breaking": self.breaking,
            "baseline": self.baseline,
            "changes": [c.to_dict() for c in self.changes],
            "layout": self.layout.to_dict(),
            "patch": self.patch.to_dict() if self.patch is not None else None,
            "notes": self.notes,
        }


def usable_fingerprints(fingerprints: list[dict[str, Any]] | None) -> list[Layout]:
    """The stored fingerprints this engine can compare (its own version), newest first as given."""
    out = []
    for doc in (fingerprints or [])[:MAX_FINGERPRINTS]:
        if isinstance(doc, dict) and doc.get("version") == LAYOUT_VERSION and doc.get("columns"):
            out.append(Layout.from_dict(doc))
    return out


def check_drift(spec: Spec, data: bytes, filename: str | None, fingerprints: list[dict[str, Any]] | None, *,
                spec_text: str | None = None, sheet: int | str | None = None,
                limits: InputLimits | None = None) -> DriftReport:
    """Compare ``data`` (a file about to be previewed or run) with ``spec`` and the stored layouts
    (``fingerprints``: the last successful runs' ``outputs["layout"]``, newest first). With ``spec_text`` (the
    spec's YAML) breaking changes get a proposed patch, verified on this same file."""
    filename = sanitize_filename(filename) if filename is not None else None
    layouts = usable_fingerprints(fingerprints)
    baseline = layouts[0] if layouts else None
    grid, notes = _grid(spec, data, filename, sheet, limits)
    report = _inspect(spec, grid, filename, baseline)
    report.notes = notes
    if notes and not any(c.kind == "sheet_renamed" for c in report.changes):  # the spec's named sheet is gone
        report.changes.insert(0, sheet_missing(spec, grid.source.sheet))
    report.baseline = {"runs": len(layouts), "layout": baseline.to_dict() if baseline else None}
    fixes = [c.fix for c in report.changes if c.fix]
    if spec_text is not None and fixes:
        patch = propose_patch(spec_text, fixes, name=f"specs/{spec.slug}.yaml")
        if patch is not None:
            patch.verified = _verify(patch, spec, grid, filename, baseline)
        report.patch = patch
    return report


def _grid(spec: Spec, data: bytes, filename: str | None, sheet: int | str | None,
          limits: InputLimits | None) -> tuple[RawGrid, list[dict[str, str]]]:
    """The sheet the spec would read (the first one when the spec's sheet is gone: that is drift to report)."""
    options = spec.source if sheet is None else spec.source.model_copy(update={"sheet": sheet})
    try:
        return read_report_sheet(data, options, filename=filename, sheet_chosen=sheet is not None, strict=False,
                                 limits=limits), []
    except SheetNotFoundError as exc:
        grid = read_report_sheet(data, options.model_copy(update={"sheet": 0}), filename=filename, strict=False,
                                 limits=limits)
        return grid, [{"message": exc.message, "message_es": exc.message_es}]


def _inspect(spec: Spec, grid: RawGrid, filename: str | None, baseline: Layout | None) -> DriftReport:
    options, found_by_spec = _header_options(spec.source, grid, baseline)
    table, labels, _ = build_table(grid, options) if options is not None else (None, [], [])
    row = header_row(grid, options) if options is not None else None
    titles = title_rows(grid, options) if options is not None else []
    layout = take_layout(table, labels, sheets=grid.source.sheets, sheet=grid.source.sheet, header_row=row,
                         title_rows=len(titles)) if table is not None else \
        Layout(sheets=list(grid.source.sheets), sheet=grid.source.sheet, title_rows=0, header_row=None, columns=[],
               footer=[])
    if baseline is not None and layout.columns:
        changes = compare_layouts(spec, baseline, layout, found_by_spec=found_by_spec)
    else:
        changes = spec_only_changes(spec, layout, found_by_spec=found_by_spec)
    if found_by_spec and table is not None and not any(c.breaking for c in changes):
        failure = trial_error(spec, table, labels, titles, filename)
        if failure is not None:
            changes.append(failure)
    return DriftReport(slug=spec.slug, filename=filename, layout=layout, changes=changes, baseline={})


def _header_options(source: SourceOptions, grid: RawGrid, baseline: Layout | None) -> tuple[SourceOptions | None, bool]:
    """(options that locate this file's header, whether the spec's own header options did). When the spec's
    labels are not found, the header is the row most like the baseline's labels, else the guessed header row."""
    try:
        row = header_row(grid, source)
        like = _row_like(grid, baseline, source.header.search_rows) if baseline and source.header.row else None
        if like is None or like == row:  # a fixed row that now holds a title is not the header
            return source, True
    except (HeaderNotFoundError, HeaderRowError):
        pass
    row = _row_like(grid, baseline, source.header.search_rows) if baseline is not None else None
    row = row or guess_header_row(grid)
    if row is None:
        return None, False
    return source.model_copy(update={"header": HeaderOptions(row=row, rows=source.header.rows)}), False


def _row_like(grid: RawGrid, baseline: Layout, search_rows: int) -> int | None:
    """The RAW row (among the first ``search_rows``) sharing the most labels with the baseline: at least half."""
    wanted = {normalize_label(label) for label in baseline.labels if label}
    best, best_count = None, max(1, len(wanted) // 2)
    for raw_row, values in zip(grid.rows[:search_rows], grid.df.head(search_rows).itertuples(index=False, name=None)):
        count = len(wanted & {normalize_label(v) for v in values if isinstance(v, str)})
        if count >= best_count and (best is None or count > best[1]):
            best = (raw_row, count)
    return best[0] if best else None


def _verify(patch: SpecPatch, spec: Spec, grid: RawGrid, filename: str | None, baseline: Layout | None) -> bool:
    """The patched spec read against the same file reports no breaking drift."""
    try:
        patched = parse_spec(patch.text)
    except SpecError:
        return False
    grid.memo.clear()
    return not _inspect(patched, grid, filename, baseline).breaking


__all__ = ["DriftReport", "MAX_FINGERPRINTS", "check_drift", "usable_fingerprints"]
