"""A body a route left unread is read before the request ends, up to the limit (the live-server tests show
what it prevents: Granian dropping the keep-alive connection before the client read its answer)."""

from __future__ import annotations

import asyncio

from starlette.responses import JSONResponse

from workbench.api.drain import DrainBody


def _run(limit: int, chunks: int, declared: int | None = None) -> tuple[int, list[dict]]:
    """Chunks of 1,000 bytes sent to an app that answers 401 without reading; (chunks read, messages sent)."""
    served = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal served
        served += 1
        return {"type": "http.request", "body": b"x" * 1000, "more_body": served < chunks}

    async def send(message: dict) -> None:
        sent.append(message)

    headers = [(b"content-length", str(declared).encode())] if declared is not None else []
    app = DrainBody(JSONResponse({"code": "not-authenticated"}, status_code=401), limit=limit)
    asyncio.run(app({"type": "http", "method": "POST", "path": "/workbench/preview", "headers": headers},
                    receive, send))
    return served, sent


def test_the_unread_body_is_read_after_the_answer():
    served, sent = _run(limit=100_000, chunks=40)
    assert served == 40 and sent[0]["status"] == 401


def test_a_body_over_the_limit_is_not_read_to_its_end():
    assert _run(limit=5_000, chunks=40)[0] == 6  # stops once past the limit: 6 x 1,000 > 5,000
    assert _run(limit=5_000, chunks=40, declared=40_000)[0] == 0  # declared too large: nothing read
