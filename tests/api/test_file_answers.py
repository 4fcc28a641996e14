"""File answers that cannot lose their file, and the export cache they are built from (no server needed)."""

from __future__ import annotations

import asyncio
import errno
import threading
from pathlib import Path

import pytest

from workbench.api.files import OpenedFileResponse, opened
from workbench.engine.app import exports
from workbench.engine.core.export import ExportError
from workbench.engine.store.objects import StorageFullError


def _send_all(response: OpenedFileResponse, method: str = "GET") -> tuple[dict, bytes]:
    messages: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        messages.append(message)

    asyncio.run(response({"type": "http", "method": method, "headers": []}, receive, send))
    start = messages[0]
    return dict(start["headers"]), b"".join(m.get("body", b"") for m in messages[1:])


def test_a_file_removed_after_the_route_opened_it_is_still_sent_whole(tmp_path: Path):
    """With a path-only answer (pathsend) the server opened the file after the route returned: a file removed
    in between became the server's bare 404. The descriptor opened by the route keeps the bytes."""
    path = tmp_path / "export.csv"
    path.write_bytes(b"a;b\r\n" * 100_000)  # 500 KB: several body messages
    response = OpenedFileResponse(path, media_type="text/csv")
    path.unlink()
    headers, body = _send_all(response)
    assert body == b"a;b\r\n" * 100_000 and headers[b"content-length"] == b"500000"
    assert response.file.closed


def test_a_file_replaced_after_opening_sends_the_bytes_it_was_opened_on(tmp_path: Path):
    path = tmp_path / "index.html"
    path.write_bytes(b"<p>old</p>")
    response = OpenedFileResponse(path, media_type="text/html")
    replacement = tmp_path / "new.html"
    replacement.write_bytes(b"<p>rebuilt, longer</p>")
    replacement.replace(path)  # a Data Docs rebuild renames a new page over the old one
    headers, body = _send_all(response)
    assert body == b"<p>old</p>" and headers[b"content-length"] == b"10"


def test_head_sends_the_headers_only(tmp_path: Path):
    (tmp_path / "f").write_bytes(b"12345")
    headers, body = _send_all(OpenedFileResponse(tmp_path / "f", media_type="text/plain"), "HEAD")
    assert (headers[b"content-length"], body) == (b"5", b"")


def test_a_missing_file_or_a_folder_is_no_answer(tmp_path: Path):
    assert opened(tmp_path / "nope", media_type="text/plain") is None
    assert opened(tmp_path, media_type="text/plain") is None


def test_the_cache_key_changes_with_everything_the_bytes_depend_on():
    base = dict(run_id=1, output_sha256="ab" * 32, layer="silver", fmt="csv", provenance=False, engine="1")
    keys = {exports.export_key(**base)}
    for field, other in (("run_id", 2), ("output_sha256", "cd" * 32), ("layer", "gold"), ("fmt", "xlsx"),
                         ("provenance", True), ("engine", "2")):
        keys.add(exports.export_key(**{**base, field: other}))
    assert len(keys) == 7


def test_concurrent_builds_of_one_key_publish_the_first_complete_file(tmp_path: Path):
    """An xlsx build embeds its time, so two builds differ: every answer for a key must be the first one's."""
    path = exports.cache_path(tmp_path, "ab" * 32, "xlsx")
    barrier = threading.Barrier(8)
    counter = iter(range(100))

    def build(target: Path) -> None:
        barrier.wait()
        target.write_bytes(f"build {next(counter)}".encode())

    threads = [threading.Thread(target=exports.cached, args=(path, build)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    content = path.read_bytes()
    assert content.startswith(b"build ")
    assert exports.cached(path, build) == path and path.read_bytes() == content  # never rebuilt
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary file left


def test_a_full_disk_is_storage_full_with_nothing_left_behind(tmp_path: Path):
    path = exports.cache_path(tmp_path, "cd" * 32, "csv")

    def full(target: Path) -> None:
        target.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(StorageFullError) as err:
        exports.cached(path, full)
    assert str(tmp_path) not in err.value.message and not list(path.parent.iterdir())


def test_another_write_error_names_no_path(tmp_path: Path):
    def denied(target: Path) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(target))

    with pytest.raises(ExportError) as err:
        exports.cached(exports.cache_path(tmp_path, "ef" * 32, "csv"), denied)
    assert str(tmp_path) not in err.value.message and "Permission denied" in err.value.message
