"""Answers of hot GET routes cached under the store's change marker (``store_version``).

``StoreCachedGet`` is a plain ASGI middleware in front of the FastAPI app: for the routes it covers it runs
the auth hook (``current_principal``, as every route does), reads the store marker, and serves the stored
answer for (path, query string, principal, marker) when there is one; otherwise the request goes through
FastAPI as usual and a 200 answer is kept. The marker changes whenever any transaction commits a change to
the store, and is read before the data it keys, so a hit is never staler than the last committed change.
Serving a hit this way skips FastAPI's per-request machinery, which costs more than the rest of the request.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Hashable

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workbench.api.deps import current_principal
from workbench.engine.api import Settings, WorkbenchError, store_version

#: Answers kept per process (bounded: a few hundred small JSON pages).
MAX_ENTRIES = 256
#: Largest answer kept, bytes.
MAX_BODY_BYTES = 1024 * 1024


class ResponseCache:
    """A small thread-safe LRU of serialised answers."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._items: OrderedDict[Hashable, tuple[bytes, list[tuple[bytes, bytes]]]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: Hashable) -> tuple[bytes, list[tuple[bytes, bytes]]] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
        with self._lock:
            self._items[key] = (body, headers)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)


class MarkerReader:
    """The store marker for concurrent requests. SQLite: read inline (a local pragma, microseconds). A server:
    one read at a time in a thread, shared by every request that arrived *before that read started* (so each
    still sees every change committed before it arrived): under load one round trip serves a whole batch,
    instead of each request queueing for a thread and a pooled connection."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.inline = settings.db_url.startswith("sqlite")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next: asyncio.Future[str] | None = None  # the read that starts next: requests join this one
        self._running = False

    async def get(self) -> str:
        if self.inline:
            return store_version(self.settings)
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests, a restarted server): start afresh
            self._loop, self._next, self._running = loop, None, False
        if self._next is None:
            self._next = loop.create_future()
        waiter = self._next
        if not self._running:
            self._running = True
            loop.create_task(self._reads())
        return await waiter

    async def _reads(self) -> None:
        try:
            while self._next is not None:
                batch, self._next = self._next, None  # later arrivals wait for the next read
                try:
                    batch.set_result(await run_in_threadpool(store_version, self.settings))
                except Exception as exc:  # delivered to every waiting request, which handles it
                    batch.set_exception(exc)
        finally:
            self._running = False


class StoreCachedGet:
    def __init__(self, app: ASGIApp, *, paths: frozenset[str], settings: Settings, cache: ResponseCache) -> None:
        self.app, self.paths, self.cache = app, paths, cache
        self.marker = MarkerReader(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        try:
            principal = await current_principal(Request(scope))
            version = await self.marker.get()
        except (HTTPException, WorkbenchError):  # FastAPI runs the same hook and answers with the problem
            await self.app(scope, receive, send)
            return
        key = (scope["path"], scope["query_string"], principal.name, version)
        found = self.cache.get(key)
        if found is not None:
            body, headers = found
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, _Recorder(send, self.cache, key))


class _Recorder:
    """Passes an answer through, and keeps it when it is a complete 200 of bounded size."""

    def __init__(self, send: Send, cache: ResponseCache, key: Hashable) -> None:
        self.send, self.cache, self.key = send, cache, key
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.size = 0

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status, self.headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body" and self.status == 200:
            self.chunks.append(message.get("body", b""))
            self.size += len(self.chunks[-1])
            if not message.get("more_body", False) and self.size <= MAX_BODY_BYTES:
                self.cache.put(self.key, b"".join(self.chunks), self.headers)
        await self.send(message)


__all__ = ["MarkerReader", "ResponseCache", "StoreCachedGet"]
