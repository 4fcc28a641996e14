"""What the upload page asks the engine, as plain functions run in a thread as the signed-in user (``as_user``):
the datasets to offer for a file, its preview, a past run to show again, the spec of a dataset the browser
names (slugs only), and the upload rate limit shared with the API."""

from __future__ import annotations

import threading
from typing import Any

from workbench.api.ratelimit import RateLimitedError, UploadLimiter
from workbench.components.numbers import fmt_int
from workbench.engine import api, auth, catalog
from workbench.engine.errors import WorkbenchError
from workbench.state import preview_view as view

#: Rows of the RAW grid and of each layer's sample.
SAMPLE_ROWS = 50


class UploadTooLargeError(WorkbenchError):
    code = "upload-too-large"
    title = "Upload too large"
    template = "the file is larger than the limit of {limit} bytes"
    template_es = "el archivo supera el máximo de {limit_es} bytes; suba un archivo más pequeño"


def spec(slug: str) -> api.Spec:
    """The spec of the dataset the browser names, for a principal who may preview. The name comes from the
    browser: a dataset slug only (``slug_only``), never a path to a file on the server, and nothing is looked
    up for a role that may not preview (a viewer learns nothing about the server's files)."""
    auth.require("preview")
    return api.load_spec(api.find_spec(slug, api.get_settings().specs_dir, slug_only=True))


_limiter: tuple[Any, UploadLimiter] | None = None
_limiter_lock = threading.Lock()


def upload_limiter() -> UploadLimiter:
    """The upload rate limiter of this process (the API's class and Redis counters, ``wb:ratelimit:*``: uploads
    through the web and through the API share one budget per user and one in total)."""
    global _limiter
    settings = api.get_settings()
    with _limiter_lock:
        if _limiter is None or _limiter[0] is not settings:
            _limiter = (settings, UploadLimiter(settings))
        return _limiter[1]


def admit_upload() -> None:
    """Count one upload of the acting principal against the rate limits (RateLimitedError, nothing counted,
    when over one)."""
    upload_limiter().check(auth.require("upload").name)


def rate_limited_view(exc: RateLimitedError) -> dict[str, str]:
    return {"message": f"Demasiadas cargas; intente de nuevo en {exc.details['retry_after']} s.",
            "code": exc.code, "location": "", "row": ""}


def choices(data: bytes, filename: str) -> dict[str, Any]:
    """After an upload: the datasets to pick from (the store's active ones), the suggested one, its fields."""
    listed = catalog.list_datasets(limit=200).items
    specs, _ = api.load_all(api.get_settings().specs_dir)
    specs = {slug: spec for slug, spec in specs.items() if any(d.slug == slug for d in listed)}
    ranked = api.suggest_datasets(data, specs, filename=filename)
    best = ranked[0] if ranked else None
    return {"datasets": [{"slug": d.slug, "title": d.title} for d in listed],
            "dataset": best["slug"] if best else "",
            "suggestion": (f"Sugerido: {best['title']} ({best['reason_es']})" if best and best["likely"] else
                           "No se reconoció el archivo: elija el dataset que lo describe." if best else
                           "Ningún dataset lee este formato."),
            "params": api.parameter_fields(specs[best["slug"]], filename) if best else []}


def preview(sha: str, slug: str, filename: str, params: dict[str, str], sheet: str) -> dict[str, Any]:
    doc = api.preview_cached(api.upload_bytes(sha), spec(slug), filename=filename, params=params,
                             sheet=sheet or None, sample_rows=SAMPLE_ROWS)
    qa = view.qa_view(doc.get("qa"))
    return {"doc_raw": doc["raw"], "qa": qa, "timeline": view.timeline_rows(doc["timeline"]),
            "samples": [view.sample_view(f"{s['layer']} · paso {i + 1} · {s['type']}", s.get("sample") or [],
                                         s["rows_out"]) for i, s in enumerate(doc["timeline"])],
            "layers": view.layer_views(doc["layers"]), "sheets": list(doc["source"].get("sheets") or []),
            "sheet": doc["source"].get("sheet") or "", "warnings": [str(w) for w in doc["warnings"][:20]],
            "timings": f"Lectura {fmt_int(doc['timings_ms'].get('read'))} ms · pasos "
                       f"{fmt_int(doc['timings_ms'].get('steps'))} ms · calidad {fmt_int(doc['timings_ms'].get('qa'))} "
                       f"ms" + (" · desde caché" if (doc.get("cache") or {}).get("hit") else "")}


def past_run(run_id: int) -> dict[str, Any]:
    run = api.get_run(run_id)
    sha = api.keep_upload(api.raw_bytes(run_id))
    name = str(run.inputs[0].get("name") or "archivo")
    fields = api.parameter_fields(spec(run.dataset_slug), name)
    for field in fields:
        if field["name"] in run.params:
            field["value"], field["source"] = str(run.params[field["name"]]), "ejecución"
    return {"sha": sha, "name": name, "size": int(run.inputs[0].get("bytes") or 0), "slug": run.dataset_slug,
            "params": fields, "datasets": [{"slug": d.slug, "title": d.title} for d in catalog.list_datasets(limit=200).items]}
