"""Uploads: a file kept in the RAW store (content-addressed) and read back, the datasets it looks like, the run
parameters its name implies, the upload rate limits, and a warm-up of the validation library for the first
preview. What a file becomes under a spec (the preview, one step, a RAW window) is ``previews``.

Rate limits (``POST /workbench/preview``, ``POST /workbench/runs`` and the web app's upload page): per principal
and global, a sliding window approximated from two fixed windows (the previous window's count weighted by how
much of it still overlaps, plus the current one), counted in Redis under ``wb:ratelimit:*`` so every server
process shares it. With Redis down the counters live in this process: the limit still holds per process (never
fails open) and the fallback is logged once per outage. Limits are settings (``WORKBENCH_UPLOAD_RATE_*``,
docs/security.md).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

import redis

from workbench.engine.app.access import requires
from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.params import _from_filename, resolve_params
from workbench.engine.core.pipeline import run_pipeline
from workbench.engine.core.readers import build_table, list_sheets, title_rows
from workbench.engine.core.readers.header import find_header_row
from workbench.engine.core.readers.registry import input_format, reads
from workbench.engine.core.readers.sheets import read_report_sheet
from workbench.engine.core.readers.sniff import sniff_format
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.models import Spec
from workbench.engine.core.validation.runner import warm_up
from workbench.engine.infra.redis_conn import get_redis
from workbench.engine.store.files import RawFileStore

log = logging.getLogger(__name__)

#: How much of a CSV the dataset suggestion reads (the header is near the top).
SNIFF_CSV_BYTES = 64 * 1024
KEY_PREFIX = "wb:ratelimit:"
#: After a Redis failure, the in-process counters are used this long before Redis is tried again.
REDIS_RETRY_AFTER_S = 5.0


# --- uploads in the RAW store ----------------------------------------------------------------------------

@requires("upload")
def keep_upload(data: bytes, settings: Settings | None = None) -> str:
    """Store an uploaded file once in the RAW store (content-addressed); its sha256 is all a caller keeps."""
    sha, _, _ = RawFileStore(settings or get_settings()).put(data)
    return sha


@requires("preview")
def upload_bytes(sha256: str, settings: Settings | None = None) -> bytes:
    """The bytes of a kept upload, verified against their hash."""
    return RawFileStore(settings or get_settings()).get(sha256)


def warm_validation() -> None:
    """Import the validation library now (about 3 s, once per process), so a user's first preview does not
    wait for it. Called in the background when the web server starts."""
    warm_up()


# --- which dataset ----------------------------------------------------------------------------------------

def _head(data: bytes, fmt: str) -> bytes:
    """A text file's first lines (cut at a line end); a workbook whole (its readers need every byte)."""
    if input_format(fmt).family != "text" or len(data) <= SNIFF_CSV_BYTES:
        return data
    cut = data.rfind(b"\n", 0, SNIFF_CSV_BYTES)
    return data[: cut + 1] if cut > 0 else data


@requires("preview")
def suggest_datasets(data: bytes, specs: dict[str, Spec], *, filename: str | None = None) -> list[dict[str, Any]]:
    """The specs that can read ``data``, best first: ``{slug, title, score, header_found, likely, reason_es}``
    (``likely``: its header was found, or it is the only spec that reads this format).
    A spec whose header labels are found in the file scores highest; one that names the file's format beats
    one that reads any format. The format comes from the bytes; a disguised file raises FileFormatError.
    Cheap: a CSV is checked on its first 64 KB; a workbook is read only when several specs could read it."""
    fmt = sniff_format(data, filename)
    head = _head(data, fmt)
    candidates = [s for s in specs.values() if reads(s.source.format, fmt)]
    check = input_format(fmt).family == "text" or len(candidates) > 1
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


@requires("preview")
def workbook_sheets(data: bytes, *, filename: str | None = None) -> list[str]:
    """The sheets of an uploaded workbook, in order (empty for a CSV), known before any preview: the page offers
    them even when the first preview fails for a reason other than the sheet (a form field left empty, a step
    error). A file that cannot be read as a workbook has none to offer; its preview says what is wrong."""
    try:
        return list_sheets(data, filename=filename)
    except WorkbenchError:
        return []


# --- parameters -------------------------------------------------------------------------------------------

@requires("preview")
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


# --- upload rate limits ------------------------------------------------------------------------------

class RateLimitedError(WorkbenchError):
    code = "rate-limited"
    kind = "too-many-requests"
    title = "Too many uploads"
    template = "too many uploads ({scope}: {limit} per {window_s} s); try again in {retry_after} s"
    template_es = "demasiadas subidas ({scope_es}: {limit} cada {window_s} s); intente de nuevo en {retry_after} s"


@dataclass(frozen=True)
class Limit:
    scope: str  # "principal" | "global"
    key: str
    limit: int


def _weighted(previous: int, current: int, elapsed: float, window: int) -> float:
    return previous * (1 - elapsed / window) + current


class MemoryCounter:
    """The same two-window counting in this process (the fallback, and tests without Redis)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, window: int, now: float) -> tuple[int, int]:
        index = int(now // window)
        with self._lock:
            for stale in [k for k in self._counts if k[1] < index - 1]:
                del self._counts[stale]
            self._counts[(key, index)] = self._counts.get((key, index), 0) + 1
            return self._counts.get((key, index - 1), 0), self._counts[(key, index)]

    def undo(self, key: str, window: int, now: float) -> None:
        index = int(now // window)
        with self._lock:
            if self._counts.get((key, index)):
                self._counts[(key, index)] -= 1


class RedisCounter:
    def __init__(self, client: Any) -> None:
        self.client = client

    def hit(self, key: str, window: int, now: float) -> tuple[int, int]:
        index = int(now // window)
        current, previous = f"{KEY_PREFIX}{key}:{index}", f"{KEY_PREFIX}{key}:{index - 1}"
        pipe = self.client.pipeline(transaction=False)
        pipe.incr(current)
        pipe.expire(current, window * 2 + 1)
        pipe.get(previous)
        count, _, before = pipe.execute()
        return int(before or 0), int(count)

    def undo(self, key: str, window: int, now: float) -> None:
        self.client.decr(f"{KEY_PREFIX}{key}:{int(now // window)}")


class UploadLimiter:
    """Counts one upload against each limit; a refused upload is not counted (the caller retries later)."""

    def __init__(self, settings: Settings, redis_client: Any = None) -> None:
        self.settings = settings
        self.window = settings.upload_rate_window_s
        self._redis = redis_client
        self._memory = MemoryCounter()
        self._redis_down_until = 0.0
        self._lock = threading.Lock()

    def limits_for(self, principal: str) -> list[Limit]:
        out = []
        if self.settings.upload_rate_per_principal:
            digest = hashlib.sha256(principal.encode("utf-8", "surrogatepass")).hexdigest()[:32]
            out.append(Limit("principal", f"uploads:principal:{digest}", self.settings.upload_rate_per_principal))
        if self.settings.upload_rate_global:
            out.append(Limit("global", "uploads:global", self.settings.upload_rate_global))
        return out

    def _client(self) -> Any:
        if self._redis is None:
            self._redis = get_redis(self.settings)
        return self._redis

    def _counter(self, now: float) -> Any:
        if now < self._redis_down_until:
            return self._memory
        try:
            return RedisCounter(self._client())
        except (WorkbenchError, OSError) as exc:  # the embedded Redis cannot start, or no socket
            self._redis_failed(exc, now)
            return self._memory

    def _redis_failed(self, exc: BaseException, now: float) -> None:
        with self._lock:
            first = self._redis_down_until == 0.0 or now >= self._redis_down_until + REDIS_RETRY_AFTER_S
            self._redis_down_until = now + REDIS_RETRY_AFTER_S
        if first:
            log.warning("upload rate limits: Redis unreachable (%s); counting in this process instead",
                        type(exc).__name__)

    def check(self, principal: str, now: float | None = None) -> None:
        """Count an upload of ``principal``; raise RateLimitedError (nothing counted) when over a limit."""
        now = time.time() if now is None else now
        limits = self.limits_for(principal)
        if not limits:
            return
        counter = self._counter(now)
        try:
            self._count(counter, limits, now)
        except (redis.RedisError, OSError) as exc:  # down, timed out, out of memory, read-only replica
            self._redis_failed(exc, now)
            self._count(self._memory, limits, now)

    def _count(self, counter: Any, limits: list[Limit], now: float) -> None:
        elapsed = now % self.window
        counted: list[Limit] = []
        for item in limits:
            previous, current = counter.hit(item.key, self.window, now)
            counted.append(item)
            if _weighted(previous, current, elapsed, self.window) > item.limit:
                for done in counted:
                    counter.undo(done.key, self.window, now)
                raise self._refused(item, previous, current, elapsed)

    def _refused(self, item: Limit, previous: int, current: int, elapsed: float) -> RateLimitedError:
        """Retry-After: when the previous window's weight has decayed enough, else the next window."""
        window = self.window
        if previous and current < item.limit:
            # ``current`` counts this refused upload, so a retry fits once
            # previous * (1 - t/window) + current <= limit, i.e. t >= window * (1 - (limit - current) / previous)
            wait = window * (1 - (item.limit - current) / previous) - elapsed
        else:
            wait = window - elapsed
        retry = max(1, math.ceil(wait))
        return RateLimitedError(scope=item.scope, scope_es="por usuario" if item.scope == "principal" else "en total",
                                limit=item.limit, window_s=window, retry_after=retry)


__all__ = ["KEY_PREFIX", "Limit", "MemoryCounter", "RateLimitedError", "RedisCounter", "UploadLimiter", "keep_upload",
           "parameter_fields", "suggest_datasets", "upload_bytes", "warm_validation"]
