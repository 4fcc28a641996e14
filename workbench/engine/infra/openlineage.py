"""OpenLineage delivery: events never fail or slow a run.

- ``file`` (the default): one JSON line per event appended to ``<data_dir>/openlineage/events.ndjson`` (the
  format of the client's FileTransport with ``append``: sorted keys, one event per line), under an exclusive
  lock so that workers on one machine never interleave lines.
- ``http``, ``console`` and ``client`` (the client's own ``OPENLINEAGE_*`` configuration): each event is first
  written to a spool folder (one file per event, named by time, written atomically) and then sent, in order, by
  the official client's transport in a background thread; a failure leaves it in the spool, and the next event,
  the worker's periodic retry or ``workbench openlineage flush`` sends it. An endpoint that is down or slow
  costs a run nothing: the run only writes the spool file.

The client (``openlineage-python``) is imported only by the sender: importing it costs about 0.6 s, which a
``workbench run`` of one small file does not pay.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.engine.core.settings import Settings

log = logging.getLogger("workbench.openlineage")

#: Spooled events kept at most (the oldest are dropped beyond it, with a warning): a bound on the disk an endpoint
#: that never comes back can take.
MAX_SPOOLED = 100_000
#: How long a process's exit waits for its last events to be sent (what is left stays in the spool).
DRAIN_AT_EXIT_S = 2.0
#: The sender's first pause after a failed send (doubling, at most RETRY_MAX_S).
RETRY_FIRST_S = 5.0
RETRY_MAX_S = 300.0


@dataclass
class Flushed:
    sent: int
    left: int
    error: str | None = None


class Outbox:
    """Where this process's OpenLineage events go (settings decide the transport)."""

    _lock = threading.Lock()
    #: spool folder -> (its sender thread, the event that wakes it): one sender per spool in a process
    _senders: dict[str, tuple[threading.Thread, threading.Event]] = {}

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.transport = settings.lineage_transport
        self.spool = settings.lineage_dir / "spool"
        self.file = settings.openlineage_file or settings.lineage_dir / "events.ndjson"

    # --- taking events ---------------------------------------------------------------------------------------

    def send(self, event: dict[str, Any]) -> None:
        """Deliver (file) or spool and wake the sender (other transports). Never raises: a lineage failure is
        logged, the run goes on."""
        try:
            if self.transport == "none":
                return
            if self.transport == "file":
                self._append(event)
                return
            self._spool(event)
            self.flush_soon()
        except Exception:  # noqa: BLE001 - lineage must never break a run
            log.warning("could not record an OpenLineage event", exc_info=True)

    def _append(self, event: dict[str, Any]) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        line = (_json(event) + "\n").encode("utf-8")
        fd = os.open(self.file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line)
        finally:
            os.close(fd)

    def _spool(self, event: dict[str, Any]) -> Path:
        self.spool.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.json"
        tmp = self.spool / f".{name}.tmp"
        tmp.write_text(_json(event), encoding="utf-8")
        os.replace(tmp, self.spool / name)
        self._bound()
        return self.spool / name

    def _bound(self) -> None:
        files = self.pending_files()
        if len(files) > MAX_SPOOLED:
            for path in files[: len(files) - MAX_SPOOLED]:
                path.unlink(missing_ok=True)
            log.warning("the OpenLineage spool held more than %d events: the oldest were dropped", MAX_SPOOLED)

    # --- sending ---------------------------------------------------------------------------------------------

    def pending_files(self) -> list[Path]:
        if not self.spool.is_dir():
            return []
        return sorted(p for p in self.spool.iterdir() if p.suffix == ".json" and not p.name.startswith("."))

    def pending(self) -> int:
        return len(self.pending_files())

    def flush(self) -> Flushed:
        """Send the spooled events in order through the client's transport; stop at the first failure (the rest
        wait for the next flush). Safe from several threads and processes (an exclusive lock on the spool)."""
        files = self.pending_files()
        if not files:
            return Flushed(0, 0)
        sent = 0
        lock_path = self.spool / ".lock"
        fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT, 0o640)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # another process is sending them now
                return Flushed(0, len(files))
            transport = self._transport()
            for path in self.pending_files():
                try:
                    event = json.loads(path.read_text(encoding="utf-8"))
                except FileNotFoundError:
                    continue
                except ValueError:
                    log.warning("dropping an unreadable spooled OpenLineage event %s", path.name)
                    path.unlink(missing_ok=True)
                    continue
                try:
                    transport.emit(event)
                except Exception as exc:  # noqa: BLE001 - down, refused, 5xx: try again later
                    return Flushed(sent, self.pending(), _reason(exc))
                path.unlink(missing_ok=True)
                sent += 1
            return Flushed(sent, self.pending())
        finally:
            os.close(fd)

    def _transport(self) -> Any:
        # lazy: the official client costs ~0.6 s to import; only the sender needs it
        if self.transport == "console":
            from openlineage.client.transport.console import ConsoleConfig, ConsoleTransport
            return ConsoleTransport(ConsoleConfig())
        if self.transport == "http":
            from openlineage.client.transport.http import ApiKeyTokenProvider, HttpConfig, HttpTransport, TokenProvider
            key = self.settings.openlineage_api_key
            auth = ApiKeyTokenProvider({"apiKey": key.get_secret_value()}) if key else TokenProvider({})
            return HttpTransport(HttpConfig(url=self.settings.openlineage_url or "", endpoint=self.settings.openlineage_endpoint,
                                            timeout=self.settings.openlineage_timeout_s, auth=auth,
                                            retry={"total": 0}))  # our spool retries, never a run
        from openlineage.client import OpenLineageClient
        return OpenLineageClient().transport

    def flush_soon(self) -> None:
        """Wake (or start) the sender thread of this spool: it flushes now, then retries with a growing pause
        while events are left (5 s, doubling, at most 5 min)."""
        key = str(self.spool.resolve())
        with Outbox._lock:
            sender = Outbox._senders.get(key)
            if sender is not None and sender[0].is_alive():
                sender[1].set()
                return
            wake = threading.Event()
            wake.set()
            thread = threading.Thread(target=self._send_loop, args=(key, wake), name="openlineage-sender",
                                      daemon=True)
            if sender is None:  # a short-lived process (a CLI run) tries once more as it ends, bounded
                atexit.register(self.drain, DRAIN_AT_EXIT_S)
            Outbox._senders[key] = (thread, wake)
            thread.start()

    def _send_loop(self, key: str, wake: threading.Event) -> None:
        pause = RETRY_FIRST_S
        while True:
            wake.wait(timeout=pause)
            wake.clear()
            try:
                result = self.flush()
            except Exception:  # noqa: BLE001
                log.warning("OpenLineage sender failed", exc_info=True)
                result = Flushed(0, self.pending(), "error")
            if result.error:
                log.info("OpenLineage endpoint unavailable (%s): %d event(s) wait in the spool", result.error,
                         result.left)
            if not result.left:
                pause = RETRY_FIRST_S
                with Outbox._lock:
                    if not wake.is_set():  # nothing left, nothing new: the next event starts a sender again
                        Outbox._senders[key] = (threading.Thread(), wake)  # not alive: replaced on next use
                        return
                continue
            pause = min(pause * 2, RETRY_MAX_S) if result.error else RETRY_FIRST_S

    def drain(self, timeout_s: float) -> Flushed:
        """At a process's end: one last flush, bounded in time (a short-lived CLI run leaves what it could not
        send in the spool for the next process)."""
        if self.transport in ("none", "file") or not self.pending_files():
            return Flushed(0, 0)
        box: list[Flushed] = []
        thread = threading.Thread(target=lambda: box.append(self.flush()), daemon=True)
        thread.start()
        thread.join(timeout_s)
        return box[0] if box else Flushed(0, self.pending(), "timeout")


def _json(event: dict[str, Any]) -> str:
    """The client's serialisation (Serde.to_json): sorted keys, no nulls."""
    return json.dumps(_no_nulls(event), sort_keys=True, ensure_ascii=False)


def _no_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_nulls(v) for v in value if v is not None]
    return value


def _reason(exc: Exception) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text[:200]


__all__ = ["Flushed", "MAX_SPOOLED", "Outbox"]
