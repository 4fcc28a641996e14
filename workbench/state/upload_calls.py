"""What the upload page asks the engine, as plain functions run in a thread as the signed-in user (``as_user``):
the datasets to offer for a file, its preview, a past run to show again, the spec of a dataset the browser
names (slugs only), and the upload rate limit shared with the API."""

from __future__ import annotations

import threading
from typing import Any

from workbench.engine import api
from workbench.engine.api import (
    EmptyFileError, EncodingError, FileFormatError, HeaderNotFoundError, ParameterError, RateLimitedError,
    SheetNotFoundError, UploadLimiter, WorkbenchError, WorkbookError, fmt_int,
)
from workbench.state import preview_view as view

#: Rows of the RAW grid and of each layer's sample.
SAMPLE_ROWS = 50


class FieldMissingError(WorkbenchError):
    """A required parameter's form field is empty (the web's own words: no command-line syntax)."""

    code = "parameter-missing"
    title = "Form field missing"
    template = "fill in the form field '{field}' ({description}), then preview again"
    template_es = "complete el campo «{field}» del formulario ({description}) y vuelva a previsualizar"


#: What reading the file can fail with: the real cause, told before a missing form field.
READ_ERRORS = (HeaderNotFoundError, FileFormatError, EncodingError, EmptyFileError, WorkbookError, SheetNotFoundError)


def spec(slug: str) -> api.Spec:
    """The spec of the dataset the browser names, for a principal who may preview. The name comes from the
    browser: a dataset slug only (``slug_only``), never a path to a file on the server, and nothing is looked
    up for a role that may not preview (a viewer learns nothing about the server's files)."""
    api.require("preview")
    return api.load_spec(api.find_spec(slug, api.get_settings().specs_dir, slug_only=True))


_limiter: tuple[Any, UploadLimiter] | None = None
_limiter_lock = threading.Lock()


def upload_limiter() -> UploadLimiter:
    """The upload rate limiter of this process (the engine's, which the API's middleware uses too: its Redis
    counters, ``wb:ratelimit:*``, give uploads through the web and through the API one budget per user and one
    in total)."""
    global _limiter
    settings = api.get_settings()
    with _limiter_lock:
        if _limiter is None or _limiter[0] is not settings:
            _limiter = (settings, UploadLimiter(settings))
        return _limiter[1]


def admit_upload() -> None:
    """Count one upload of the acting principal against the rate limits (RateLimitedError, nothing counted,
    when over one)."""
    upload_limiter().check(api.require("upload").name)


def rate_limited_view(exc: RateLimitedError) -> dict[str, str]:
    return {"message": f"Demasiadas cargas; intente de nuevo en {exc.details['retry_after']} s.",
            "code": exc.code, "location": "", "row": "", "hint": ""}


def choices(data: bytes, filename: str) -> dict[str, Any]:
    """After an upload: the datasets to pick from (the store's active ones), the suggested one, its fields, and
    a workbook's sheets (offered before any preview: a first preview that fails still leaves the choice)."""
    listed = api.list_datasets(limit=200).items
    specs, _ = api.load_all(api.get_settings().specs_dir)
    specs = {slug: spec for slug, spec in specs.items() if any(d.slug == slug for d in listed)}
    ranked = api.suggest_datasets(data, specs, filename=filename)
    best = ranked[0] if ranked else None
    return {"datasets": [{"slug": d.slug, "title": d.title} for d in listed],
            "dataset": best["slug"] if best else "",
            "suggestion": (f"Sugerido: {best['title']} ({best['reason_es']})" if best and best["likely"] else
                           "No se reconoció el archivo: elija el dataset que lo describe." if best else
                           "Ningún dataset lee este formato."),
            "params": api.parameter_fields(specs[best["slug"]], filename) if best else [],
            "sheets": api.workbook_sheets(data, filename=filename)}


def preview(sha: str, slug: str, filename: str, params: dict[str, str], sheet: str,
            fields: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The preview the page shows. A required form field left empty is reported as such (never as the
    command line's ``--param``), but only after the file was read: when its header is not there, that is the
    real problem and is raised first."""
    the_spec = spec(slug)  # the role first
    data = api.upload_bytes(sha)
    missing = missing_fields(fields or [])
    if missing:
        _read_first(data, the_spec, filename, params, sheet)
        raise FieldMissingError(field=missing[0]["name"], description=missing[0].get("description") or "")
    doc = api.preview_cached(data, the_spec, filename=filename, params=params, sheet=sheet or None,
                             sample_rows=SAMPLE_ROWS)
    sheets = list(doc["source"].get("sheets") or [])
    default = the_spec.source.sheet
    qa = view.qa_view(doc.get("qa"))
    return {"doc_raw": doc["raw"], "qa": qa, "timeline": view.timeline_rows(doc["timeline"]),
            "samples": [view.sample_view(f"{s['layer']} · paso {i + 1} · {s['type']}", s.get("sample") or [],
                                         s["rows_out"]) for i, s in enumerate(doc["timeline"])],
            "layers": view.layer_views(doc["layers"]), "sheets": sheets, "sheet": doc["source"].get("sheet") or "",
            "default_sheet": (sheets[default] if isinstance(default, int) and 0 <= default < len(sheets)
                              else str(default) if isinstance(default, str) else ""),
            "warnings": [str(w) for w in doc["warnings_es"][:20]],  # the analyst's language (the API's are English)
            "timings": f"Lectura {fmt_int(doc['timings_ms'].get('read'))} ms · pasos "
                       f"{fmt_int(doc['timings_ms'].get('steps'))} ms · calidad {fmt_int(doc['timings_ms'].get('qa'))} "
                       f"ms" + (" · desde caché" if (doc.get("cache") or {}).get("hit") else "")}


def past_run(run_id: int) -> dict[str, Any]:
    run = api.get_run(run_id)
    data = api.raw_bytes(run_id)
    sha = api.keep_upload(data)
    name = str(run.inputs[0].get("name") or "archivo")
    fields = api.parameter_fields(spec(run.dataset_slug), name)
    for field in fields:
        if field["name"] in run.params:
            field["value"], field["source"] = str(run.params[field["name"]]), "ejecución"
    return {"sha": sha, "name": name, "size": int(run.inputs[0].get("bytes") or 0), "slug": run.dataset_slug,
            "params": fields, "datasets": [{"slug": d.slug, "title": d.title} for d in api.list_datasets(limit=200).items],
            "sheets": api.workbook_sheets(data, filename=name)}


# --- what the page says -------------------------------------------------------------------------------------

def missing_fields(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The required parameter fields left empty in the form."""
    return [f for f in fields if f.get("required") and str(f.get("value") or "").strip() == ""]


def _read_first(data: bytes, the_spec: api.Spec, filename: str, params: dict[str, str], sheet: str) -> None:
    """Read the file and find its header as the preview would (the parameters made optional, so only reading
    can fail): raises the reading error, if any. Nothing is cached or kept."""
    relaxed = the_spec.model_copy(update={"parameters": {
        name: p.model_copy(update={"required": False}) for name, p in the_spec.parameters.items()}})
    try:
        api.table_after_step(data, relaxed, step=0, filename=filename, params=params, sheet=sheet or None,
                             sample_rows=1)
    except WorkbenchError as exc:
        if isinstance(exc, READ_ERRORS):
            raise
        # else a step needed the missing value: the file itself was read fine


def web_error(exc: WorkbenchError, fields: list[dict[str, Any]]) -> dict[str, str]:
    """An error as the upload page shows it: the engine's Spanish message, a form field named as the form
    shows it, and (when the file could not be read) the empty fields as a second line."""
    out = {**view.error_view(exc.to_dict()), "hint": ""}
    where = exc._location("es")  # the engine's "file sheet 'x'" prefix: the page shows it on its own line
    if where and out["message"].startswith(f"{where}: ") and out["location"]:
        out["message"] = out["message"][len(where) + 2:]
    out["message"] = out["message"][:1].upper() + out["message"][1:]
    if isinstance(exc, ParameterError) and exc.details.get("name"):
        out["message"] = f"Revise el campo «{exc.details['name']}» del formulario: {exc.details.get('message_es') or exc.message_es}"
        out["location"] = ""
    elif isinstance(exc, FieldMissingError):
        out["location"] = ""
    missing = missing_fields(fields)
    if isinstance(exc, READ_ERRORS) and missing:
        names = ", ".join(f"«{f['name']}»" for f in missing)
        out["hint"] = f"Además, complete {'el campo' if len(missing) == 1 else 'los campos'} {names} del formulario."
    return out


def failed_sheets(exc: WorkbenchError) -> tuple[list[str], str]:
    """The workbook's sheets and the one the engine suggests, from a ``header-not-found`` error (details
    ``sheets`` and ``suggested_sheet``; empty when the error has none)."""
    if not isinstance(exc, HeaderNotFoundError):
        return [], ""
    sheets = [str(name) for name in exc.details.get("sheets") or []]
    suggested = exc.details.get("suggested_sheet")
    return sheets, str(suggested) if suggested not in (None, "") and str(suggested) in sheets else ""


def sheet_note(used: str, sheets: list[str], default: str, chosen: bool) -> str:
    """Which sheet of a workbook was read, and why, in Spanish (empty for a single-sheet file)."""
    if len(sheets) < 2 or not used:
        return ""
    where = f"la {_ordinal(sheets.index(used))} de {len(sheets)}" if used in sheets else f"de {len(sheets)}"
    if chosen:
        return f"Se leyó la hoja «{used}» ({where}), la que usted eligió."
    if used == default or not default:
        return f"Se leyó la hoja «{used}» ({where}), la que indica el dataset."
    return (f"Se leyó la hoja «{used}» ({where}): la hoja «{default}», la que indica el dataset, no tiene el "
            f"encabezado que este busca, y «{used}» es la primera que lo tiene.")


def failed_sheet_note(tried: str, suggested: str) -> str:
    if suggested:
        return (f"La hoja «{tried}» no tiene el encabezado que busca este dataset; la hoja «{suggested}» sí: "
                f"quedó elegida, pulse Previsualizar." if tried else
                f"La hoja «{suggested}» tiene el encabezado que busca este dataset: quedó elegida, pulse Previsualizar.")
    return "Ninguna hoja del libro tiene el encabezado que busca este dataset: elija otra hoja u otro dataset."


ORDINALS = ("primera", "segunda", "tercera", "cuarta", "quinta", "sexta", "séptima", "octava", "novena", "décima")


def _ordinal(index: int) -> str:
    return ORDINALS[index] if index < len(ORDINALS) else f"n.º {index + 1}"
