"""File answers that cannot lose their file: the route opens the file, and the answer's bytes come from that
open descriptor (length from ``fstat`` of the same descriptor).

Starlette's ``FileResponse`` passes only the path to a server that supports ``pathsend`` (Granian, the
production server), which opens it after the route has returned: a file deleted or renamed over in between
(an export's temporary folder removed by a background task, a Data Docs page rebuilt) became a bare
``404 Not found`` from the server itself, without our problem document or security headers. An open
descriptor keeps the bytes it was opened on, whatever happens to the path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

#: Bytes per body message.
CHUNK_BYTES = 256 * 1024


class OpenedFileResponse(Response):
    """The bytes of a file opened now (``open`` errors such as FileNotFoundError reach the caller, which answers
    its own problem). GET streams the file; HEAD sends the headers only."""

    def __init__(self, path: str | os.PathLike[str], *, media_type: str,
                 headers: Mapping[str, str] | None = None) -> None:
        self.file: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed when the answer has been sent
        self.size = os.fstat(self.file.fileno()).st_size
        self.status_code = 200
        self.media_type = media_type
        self.background = None
        self.body = b""
        self.init_headers({**(headers or {}), "content-length": str(self.size)})  # given: not recomputed as 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
            if scope.get("method", "GET").upper() == "HEAD":
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            remaining = self.size
            while True:
                chunk = await run_in_threadpool(self.file.read, min(CHUNK_BYTES, remaining)) if remaining else b""
                remaining -= len(chunk)
                more = bool(chunk) and remaining > 0
                await send({"type": "http.response.body", "body": chunk, "more_body": more})
                if not more:
                    return
        finally:
            self.file.close()


def opened(path: Path, *, media_type: str, headers: Mapping[str, str] | None = None) -> OpenedFileResponse | None:
    """The answer for ``path``, or None when it cannot be opened (gone, or not a regular file)."""
    try:
        response = OpenedFileResponse(path, media_type=media_type, headers=headers)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
        return None
    return response


__all__ = ["CHUNK_BYTES", "OpenedFileResponse", "opened"]
