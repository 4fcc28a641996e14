"""What the upload page asks the engine besides a preview: which dataset a file looks like, the run parameters
a file name implies, the table after one step of the timeline, a page of a check's failing rows, a window of
RAW rows around a cell, a run's events so far, and a warm-up of the validation library.

Everything here re-reads the RAW bytes it is given (a preview's tables are not kept anywhere): the results are
small, capped samples, ready to be shown.
"""

from __future__ import annotations

import bisect
from typing import Any

from workbench.engine.app import auth
from workbench.engine.core.errors import ParameterError, WorkbenchError
from workbench.engine.infra.events import EventStream
from workbench.engine.core.params import _from_filename, resolve_params
from workbench.engine.core.pipeline import run_pipeline
from workbench.engine.core.preview import layer_summary, preview_file
from workbench.engine.core.readers import WORKBOOK_FORMATS, build_table, title_rows
from workbench.engine.core.readers.header import find_header_row
from workbench.engine.core.readers.sniff import sniff_format
from workbench.engine.core.readers.sheets import read_report_sheet
from workbench.engine.core.serialize import records
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.models import Spec
from workbench.engine.core.spec.source import SourceOptions
from workbench.engine.store.files import RawFileStore
from workbench.engine.core.steps.base import StepContext


#: Rows of the table shown after a step of the timeline.
STEP_SAMPLE_ROWS = 50
#: RAW rows in a window around a cell (a few before it, the rest after).
RAW_WINDOW_ROWS = 50
RAW_WINDOW_BEFORE = 10
#: How much of a CSV the dataset suggestion reads (the header is near the top).
SNIFF_CSV_BYTES = 64 * 1024
#: Newest events read when a run's progress is first asked for (its run.queued may be among them).
RECENT_EVENTS = 200


# --- which dataset ----------------------------------------------------------------------------------------

def _head(data: bytes, fmt: str) -> bytes:
    """A CSV's first lines (cut at a line end); a workbook whole (its readers need every byte)."""
    if fmt != "csv" or len(data) <= SNIFF_CSV_BYTES:
        return data
    cut = data.rfind(b"\n", 0, SNIFF_CSV_BYTES)
    return data[: cut + 1] if cut > 0 else data


def _reads(spec: Spec, fmt: str) -> bool:
    wanted = spec.source.format
    return wanted in ("auto", fmt) or (wanted in WORKBOOK_FORMATS and fmt in WORKBOOK_FORMATS)


@auth.requires("preview")
def suggest_datasets(data: bytes, specs: dict[str, Spec], *, filename: str | None = None) -> list[dict[str, Any]]:
    """The specs that can read ``data``, best first: ``{slug, title, score, header_found, likely, reason_es}``
    (``likely``: its header was found, or it is the only spec that reads this format).
    A spec whose header labels are found in the file scores highest; one that names the file's format beats
    one that reads any format. The format comes from the bytes; a disguised file raises FileFormatError.
    Cheap: a CSV is checked on its first 64 KB; a workbook is read only when several specs could read it."""
    fmt = sniff_format(data, filename)
    head = _head(data, fmt)
    candidates = [s for s in specs.values() if _reads(s, fmt)]
    check = fmt == "csv" or len(candidates) > 1
    out = []
    for spec in candidates:
        found = _header_found(head, spec, filename) if check else None
        runs = found is True and _steps_run(head, spec, filename)
        score = (10 if found else 0) + (5 if runs else 0) + (2 if spec.source.format != "auto" else 1)
        reason = ("sus encabezados están en el archivo y sus pasos lo procesan" if runs else
                  "sus encabezados están en el archivo" if found else
                  "sus encabezados no están en el archivo" if found is False else "es el único que lee este formato")
        out.append({"slug": spec.slug, "title": spec.dataset.title, "score": score, "header_found": bool(found),
                    "likely": bool(found) or found is None, "reason_es": reason})
    return sorted(out, key=lambda s: (-s["score"], s["slug"]))


def _header_found(head: bytes, spec: Spec, filename: str | None) -> bool | None:
    """Whether the spec's header labels are in the file (None: the spec finds its header by row number)."""
    header = spec.source.header
    if not header.find:
        return None
    try:
        grid = read_report_sheet(head, spec.source, filename=filename)
        find_header_row(grid, header.find, header.search_rows)
    except WorkbenchError:
        return False
    return True


def _steps_run(head: bytes, spec: Spec, filename: str | None) -> bool:
    """Whether the spec's steps run without error on the file's first rows (two specs may share header
    labels; only the right one finds every column it renames, casts and selects)."""
    try:
        params = resolve_params(spec, _probe_params(spec, filename), filename)
        grid = read_report_sheet(head, spec.source, filename=filename)
        table, raw_header, _ = build_table(grid, spec.source)
        run_pipeline(spec, table, params=params, raw_header=raw_header, preamble=title_rows(grid, spec.source),
                     source_file=filename, sample_rows=0)
    except WorkbenchError:
        return False
    return True


def _probe_params(spec: Spec, filename: str | None) -> dict[str, Any]:
    """Parameter values to try the steps with: from the file name, else the default, else a placeholder of
    the right type (the probe only asks whether the steps run, not what they produce)."""
    values: dict[str, Any] = {}
    for name, param in spec.parameters.items():
        value = _from_filename(param, filename) or param.default
        if value in (None, ""):
            value = (param.choices or [None])[0] or (param.minimum if param.minimum is not None else 2000
                                                     if param.type == "int" else "x")
        values[name] = value
    return values


# --- parameters -------------------------------------------------------------------------------------------

@auth.requires("preview")
def parameter_fields(spec: Spec, filename: str | None = None) -> list[dict[str, Any]]:
    """The spec's run parameters as form fields, each with the value the file name implies (or its default)."""
    fields = []
    for name, param in spec.parameters.items():
        value = _from_filename(param, filename)
        source = "archivo" if value not in (None, "") else "defecto"
        if value in (None, ""):
            value = param.default
        fields.append({"name": name, "type": param.type, "description": param.description,
                       "required": param.required, "choices": list(param.choices or []),
                       "value": "" if value is None else str(value), "source": source if value is not None else "",
                       "minimum": param.minimum, "maximum": param.maximum})
    return fields


# --- the table after one step -----------------------------------------------------------------------------

def _options(spec: Spec, sheet: int | str | None) -> SourceOptions:
    return spec.source if sheet in (None, "") else spec.source.model_copy(update={"sheet": sheet})


@auth.requires("preview")
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

@auth.requires("preview")
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

@auth.requires("preview")
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


# --- uploads in the RAW store ----------------------------------------------------------------------------

@auth.requires("upload")
def keep_upload(data: bytes, settings: Settings | None = None) -> str:
    """Store an uploaded file once in the RAW store (content-addressed); its sha256 is all a caller keeps."""
    sha, _, _ = RawFileStore((settings or get_settings()).raw_dir).put(data)
    return sha


@auth.requires("preview")
def upload_bytes(sha256: str, settings: Settings | None = None) -> bytes:
    """The bytes of a kept upload, verified against their hash."""
    return RawFileStore((settings or get_settings()).raw_dir).get(sha256)


# --- a run's events ---------------------------------------------------------------------------------------

@auth.requires("read")
def run_events(run_id: int, after_id: str | None, *, settings: Settings | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """The events of run ``run_id`` published after event ``after_id`` (None: among the newest events), and
    the id to pass next time. Raises RedisUnavailableError when Redis is down."""
    stream = EventStream.from_settings(settings)
    events = list(stream.tail(last=RECENT_EVENTS) if after_id is None else stream.tail(last_id=after_id))
    last = events[-1].id if events else after_id
    mine = [e.to_dict() for e in events if e.data.get("run_id") == run_id]
    return mine, last or "0-0"


# --- warm-up ----------------------------------------------------------------------------------------------

def warm_validation() -> None:
    """Import the validation library now (about 3 s, once per process), so a user's first preview does not
    wait for it. Called in the background when the web server starts."""
    from workbench.engine.core.validation.runner import _gx

    _gx()


__all__ = ["keep_upload", "parameter_fields", "preview_failures", "raw_window", "run_events", "suggest_datasets",
           "table_after_step", "upload_bytes", "warm_validation"]
