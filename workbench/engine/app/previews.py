"""Previews: what a file becomes under a spec, before any run is recorded. The whole preview goes through the
cache (the same bytes, spec content, parameters and engine version are computed once; with Redis down they are
computed every time, with a warning, never an error); the upload page also asks for the table after one step
of the timeline, a page of a check's failing rows and a window of RAW rows around a cell.

Those re-read the RAW bytes they are given (a preview's tables are not kept anywhere): the results are small,
capped samples, ready to be shown.
"""

from __future__ import annotations

import bisect
import hashlib
from typing import Any

from workbench.engine.app.access import requires
from workbench.engine.core.errors import ParameterError
from workbench.engine.core.limits import sanitize_filename
from workbench.engine.core.memory import releases_after
from workbench.engine.core.params import resolve_params
from workbench.engine.core.preview import ENGINE_VERSION, layer_summary, preview_file
from workbench.engine.core.readers import build_table, title_rows
from workbench.engine.core.readers.sheets import read_report_sheet
from workbench.engine.core.serialize import records
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.loader import find_spec, parse_spec
from workbench.engine.core.spec.models import Spec
from workbench.engine.core.spec.source import SourceOptions
from workbench.engine.core.steps.base import StepContext
from workbench.engine.infra.cache import PreviewCache
from workbench.engine.infra.redis_conn import get_redis
from workbench.engine.store.files import RawFileStore

#: Rows of the table shown after a step of the timeline.
STEP_SAMPLE_ROWS = 50
#: RAW rows in a window around a cell (a few before it, the rest after).
RAW_WINDOW_ROWS = 50
RAW_WINDOW_BEFORE = 10


@requires("preview")
@releases_after  # the document and the cache's compression too, not only the preview itself
def preview_cached(data: bytes, spec: Any, *, filename: str, params: dict[str, Any] | None = None,
                   sheet: int | str | None = None, sample_rows: int = 20,
                   settings: Settings | None = None) -> dict[str, Any]:
    """The preview document of ``data`` under ``spec``, from the cache when the same bytes, spec content,
    parameters and engine version were previewed before. Redis down: computed uncached, with a warning."""
    settings = settings or get_settings()
    resolved = resolve_params(spec, params or {}, filename) if spec is not None else {}
    key = PreviewCache.key(hashlib.sha256(data).hexdigest(), spec.content_hash() if spec is not None else None,
                           resolved, ENGINE_VERSION, sheet=sheet, sample_rows=sample_rows)
    cache = PreviewCache(get_redis(settings), ttl_s=settings.cache_ttl_s, max_entry_bytes=settings.cache_max_entry_bytes,
                         max_total_bytes=settings.cache_max_total_bytes)
    doc = cache.get(key)
    if doc is not None:
        doc["source"]["filename"] = sanitize_filename(filename)  # as read_raw shows it on a miss
        doc["cache"] = {"hit": True, "key": key}
        return doc
    doc = preview_file(data, spec, filename=filename, params=params, sheet=sheet, sample_rows=sample_rows).to_dict()
    stored = cache.put(key, doc)
    doc["cache"] = {"hit": False, "key": key, "stored": stored}
    if cache.last_error:
        doc["warnings"].append(f"{cache.last_error}; this preview was computed without the cache")
        doc["warnings_es"].append("no se pudo usar la caché de vistas previas; esta vista previa se calculó sin ella")
    return doc


@requires("preview")
def cached_preview_of_stored(slug: str | None, raw_sha256: str, *, filename: str, params: dict[str, Any],
                             sheet: int | str | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Preview a file already in the RAW store (the ``previews`` queue's job); returns the cache key and hit."""
    settings = settings or get_settings()
    spec = None
    if slug:
        path = find_spec(slug, settings.specs_dir)
        spec = parse_spec(path.read_text(encoding="utf-8"), str(path))
    data = RawFileStore(settings).get(raw_sha256)
    doc = preview_cached(data, spec, filename=filename, params=params, sheet=sheet, settings=settings)
    return {"cache_key": doc["cache"]["key"], "hit": doc["cache"]["hit"], "warnings": doc["warnings"],
            "warnings_es": doc["warnings_es"]}


# --- the table after one step -----------------------------------------------------------------------------

def _options(spec: Spec, sheet: int | str | None) -> SourceOptions:
    return spec.source if sheet in (None, "") else spec.source.model_copy(update={"sheet": sheet})


@requires("preview")
def table_after_step(data: bytes, spec: Spec, *, step: int, filename: str | None = None,
                     params: dict[str, Any] | None = None, sheet: int | str | None = None,
                     sample_rows: int = STEP_SAMPLE_ROWS) -> dict[str, Any]:
    """The table right after the timeline's step number ``step`` (0-based, across layers, in timeline order),
    as ``{layer, index, type, columns, row_count, sample}``: the file is read and the steps re-run up to it."""
    options = _options(spec, sheet)
    resolved = resolve_params(spec, params or {}, filename)
    grid = read_report_sheet(data, options, filename=filename, sheet_chosen=sheet not in (None, ""))
    table, raw_header, _ = build_table(grid, options)
    ctx = StepContext(params=resolved, raw_header=raw_header, preamble=title_rows(grid, options),
                      source_file=filename)
    del grid
    position = 0
    for layer in spec.layer_names:
        for index, item in enumerate(spec.layers[layer], start=1):  # type: ignore[index]
            if item.disabled:
                continue
            ctx.layer, ctx.details = layer, {}
            ctx.step_label = f"{layer}[{index - 1}] {item.type}"  # type: ignore[attr-defined]
            table = item.apply(table, ctx)
            if position == step:
                return {"layer": layer, "index": index, "type": item.type,  # type: ignore[attr-defined]
                        **layer_summary(table, sample_rows)}
            position += 1
        table = table.with_df(table.df.reset_index(drop=True))
    raise ParameterError(f"the pipeline has {position} steps; there is no step {step + 1}",
                         message_es=f"el proceso tiene {position} pasos; no existe el paso {step + 1}", name="step")


# --- a page of a check's failing rows -----------------------------------------------------------------------

@requires("preview")
def preview_failures(data: bytes, spec: Spec, *, check: str, offset: int = 0, limit: int = 20,
                     filename: str | None = None, params: dict[str, Any] | None = None,
                     sheet: int | str | None = None) -> dict[str, Any]:
    """One page of check ``check``'s failing rows in the preview of ``data`` (every one is reachable), as
    ``QAReport.failures`` gives it (``{id, layer, total, offset, limit, rows}``) plus ``qa``, the preview's QA
    document (so a caller can tell it belongs to the preview it shows). The file is read and validated again:
    a preview's tables are not kept anywhere."""
    doc = preview_file(data, spec, filename=filename, params=params, sheet=sheet, sample_rows=0)
    report = doc.qa_report
    try:
        page = report.failures(check, offset=offset, limit=limit) if report is not None else None
    except KeyError:
        page = None
    if page is None:
        raise ParameterError(f"the preview has no check {check!r}", message_es=f"la vista previa no tiene el "
                             f"control {check!r}", name="check")
    return {**page, "qa": doc.qa}


# --- RAW rows around a cell -------------------------------------------------------------------------------

@requires("preview")
def raw_window(data: bytes, spec: Spec | None, *, row: int, filename: str | None = None,
               sheet: int | str | None = None, rows: int = RAW_WINDOW_ROWS,
               before: int = RAW_WINDOW_BEFORE) -> dict[str, Any]:
    """RAW rows around RAW row ``row`` (1-based): ``{columns, sample (with _row), first, last, row_count}``."""
    options = _options(spec, sheet) if spec is not None else SourceOptions()
    grid = read_report_sheet(data, options, filename=filename, sheet_chosen=sheet not in (None, ""),
                              strict=False)
    at = bisect.bisect_left(grid.rows, row)
    start = max(0, min(at - before, len(grid.rows) - rows))
    part = grid.df.iloc[start:start + rows]
    part = part.set_axis(grid.letters[: part.shape[1]], axis=1)
    sample = records(part)
    numbers = grid.rows[start:start + rows]
    for number, cells in zip(numbers, sample):
        cells["_row"] = number
    return {"columns": grid.letters, "sample": sample, "row_count": len(grid.rows),
            "first": numbers[0] if numbers else None, "last": numbers[-1] if numbers else None}


__all__ = ["cached_preview_of_stored", "preview_cached", "preview_failures", "raw_window", "table_after_step"]
