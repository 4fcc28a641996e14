"""Webhook alerts: JSON POST to every configured URL, retried on transient failures, never raising."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest

from workbench.engine.app import alerts
from workbench.engine.core.settings import Settings


class Receiver:
    """A loopback HTTP server answering each POST with the next status of ``statuses`` (then 200)."""

    def __init__(self, statuses: list[int], delay_s: float = 0.0) -> None:
        self.statuses, self.delay_s, self.bodies = list(statuses), delay_s, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                length = int(self.headers["Content-Length"])
                receiver.bodies.append((self.headers["Content-Type"], json.loads(self.rfile.read(length))))
                time.sleep(receiver.delay_s)
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver_factory() -> Iterator:
    made: list[Receiver] = []

    def make(statuses: list[int] | None = None, delay_s: float = 0.0) -> Receiver:
        made.append(Receiver(statuses or [], delay_s))
        return made[-1]

    yield make
    for r in made:
        r.server.shutdown()


def test_every_configured_url_receives_the_event_as_json(receiver_factory):
    a, b = receiver_factory(), receiver_factory()
    settings = Settings(webhook_urls=[a.url, b.url], webhook_retries=0)
    for t in alerts.notify("qa.failed", {"run_id": 7, "dataset": "dipres_ley"}, settings):
        t.join(5)
    for r in (a, b):
        content_type, body = r.bodies[0]
        assert content_type == "application/json"
        assert body["event"] == "qa.failed" and body["run_id"] == 7 and body["dataset"] == "dipres_ley"


def test_transient_failures_are_retried_until_accepted(receiver_factory):
    r = receiver_factory([503, 429])
    assert alerts.deliver(r.url, {"x": 1}, timeout_s=2, retries=3, backoff_s=0.01) is True
    assert len(r.bodies) == 3


def test_a_client_error_is_not_retried(receiver_factory):
    r = receiver_factory([404])
    assert alerts.deliver(r.url, {"x": 1}, timeout_s=2, retries=3, backoff_s=0.01) is False
    assert len(r.bodies) == 1


def test_an_unreachable_or_slow_webhook_gives_up_without_raising(receiver_factory):
    slow = receiver_factory(delay_s=1.0)
    t0 = time.perf_counter()
    assert alerts.deliver(slow.url, {"x": 1}, timeout_s=0.2, retries=1, backoff_s=0.01) is False
    assert time.perf_counter() - t0 < 3
    assert alerts.deliver("http://127.0.0.1:9/none", {"x": 1}, timeout_s=0.5, retries=1, backoff_s=0.01) is False


def test_notify_returns_at_once_while_delivery_goes_on(receiver_factory):
    slow = receiver_factory(delay_s=0.5)
    t0 = time.perf_counter()
    threads = alerts.notify("qa.failed", {"run_id": 1}, Settings(webhook_urls=[slow.url], webhook_retries=0))
    assert time.perf_counter() - t0 < 0.2
    for t in threads:
        t.join(5)
    assert slow.bodies


def test_webhook_settings_accept_a_comma_list_and_refuse_other_schemes(monkeypatch):
    monkeypatch.setenv("WORKBENCH_WEBHOOK_URLS", "http://127.0.0.1:1/a, https://example.org/b")
    assert Settings().webhook_urls == ["http://127.0.0.1:1/a", "https://example.org/b"]
    monkeypatch.setenv("WORKBENCH_WEBHOOK_URLS", "file:///etc/passwd")
    with pytest.raises(ValueError, match="http:// or https://"):
        Settings()

