"""Alerts: a run whose QA failed is announced to the configured webhooks (JSON POST).

Delivery happens on a background thread so it never blocks or fails the run: each URL gets ``retries`` more
attempts with exponential back-off on connection errors, timeouts, 429 and 5xx answers; a webhook that keeps
failing is logged, never raised. The payload is a summary (ids, dataset, counts, failed checks), not data rows:
the rows stay in the workbench, behind its access control.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from workbench.engine.core.preview import ENGINE_VERSION
from workbench.engine.core.settings import Settings

log = logging.getLogger(__name__)

#: First back-off between attempts, seconds (doubles at each retry).
BACKOFF_S = 0.5
#: HTTP statuses worth retrying: the receiver is overloaded or temporarily broken.
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


def deliver(url: str, payload: dict[str, Any], *, timeout_s: float, retries: int,
            backoff_s: float = BACKOFF_S) -> bool:
    """POST ``payload`` as JSON to ``url``; True once a 2xx answer arrives, False when every attempt failed."""
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": f"data-workbench/{ENGINE_VERSION}"})
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff_s * 2 ** (attempt - 1))
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as answer:  # noqa: S310 (http(s) checked in settings)
                if 200 <= answer.status < 300:
                    return True
                reason = f"HTTP {answer.status}"
        except urllib.error.HTTPError as exc:
            reason = f"HTTP {exc.code}"
            if exc.code not in RETRY_STATUSES:
                log.warning("webhook %s refused the alert (%s); not retried", url, reason)
                return False
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
        log.warning("webhook %s attempt %d/%d failed: %s", url, attempt + 1, retries + 1, reason)
    return False


def notify(event: str, payload: dict[str, Any], settings: Settings) -> list[threading.Thread]:
    """Send ``{"event": event, **payload}`` to every configured webhook in the background; returns the
    delivery threads (callers normally ignore them; tests join them)."""
    document = {"event": event, "sent_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **payload}
    threads = []
    for url in settings.webhook_urls:
        thread = threading.Thread(
            target=deliver, args=(url, document),
            kwargs={"timeout_s": settings.webhook_timeout_s, "retries": settings.webhook_retries},
            name=f"webhook-{event}", daemon=False)  # a worker finishing its last job still delivers (bounded)
        thread.start()
        threads.append(thread)
    return threads


__all__ = ["deliver", "notify"]
