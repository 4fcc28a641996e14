"""Previews through the cache: the same bytes, spec content, parameters and engine version are computed
once; with Redis down they are computed every time, with a warning (never an error)."""

from __future__ import annotations

import hashlib
from typing import Any

from workbench.engine.app import auth
from workbench.engine.infra.cache import PreviewCache
from workbench.engine.core.limits import sanitize_filename
from workbench.engine.core.memory import releases_after
from workbench.engine.core.params import resolve_params
from workbench.engine.core.preview import ENGINE_VERSION, preview_file
from workbench.engine.infra.redis_conn import get_redis
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.loader import find_spec, parse_spec
from workbench.engine.store.files import RawFileStore


@auth.requires("preview")
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
    return doc


@auth.requires("preview")
def cached_preview_of_stored(slug: str | None, raw_sha256: str, *, filename: str, params: dict[str, Any],
                             sheet: int | str | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Preview a file already in the RAW store (the ``previews`` queue's job); returns the cache key and hit."""
    settings = settings or get_settings()
    spec = None
    if slug:
        path = find_spec(slug, settings.specs_dir)
        spec = parse_spec(path.read_text(encoding="utf-8"), str(path))
    data = RawFileStore(settings.raw_dir).get(raw_sha256)
    doc = preview_cached(data, spec, filename=filename, params=params, sheet=sheet, settings=settings)
    return {"cache_key": doc["cache"]["key"], "hit": doc["cache"]["hit"], "warnings": doc["warnings"]}
