"""A full disk while storing an upload: a clean ``storage-full`` error, no temporary file left behind and no
partial file under the final name."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from workbench.engine.store import objects
from workbench.engine.store.files import RawFileStore
from workbench.engine.store.objects import StorageFullError


def test_disk_full_midway_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    store = RawFileStore(tmp_path / "raw")
    data = os.urandom(300_000)
    real_write, calls = os.write, []

    def write_then_fail(fd: int, chunk: bytes) -> int:
        calls.append(len(chunk))
        if len(calls) == 1:
            return real_write(fd, bytes(chunk)[:100_000])  # a partial write...
        raise OSError(errno.ENOSPC, "No space left on device")  # ...then the disk is full

    monkeypatch.setattr(objects.os, "write", write_then_fail)
    with pytest.raises(StorageFullError) as err:
        store.put(data)
    assert err.value.code == "storage-full"
    assert "disco está lleno" in err.value.message_es
    assert len(calls) == 2
    sha = hashlib.sha256(data).hexdigest()
    assert not store.exists(sha)
    assert [p for p in (tmp_path / "raw").rglob("*") if p.is_file()] == []  # no .tmp left

    monkeypatch.setattr(objects.os, "write", real_write)
    assert store.put(data) == (sha, store.key(sha), True)  # space again: stored whole
    assert store.get(sha) == data


def test_storage_full_is_a_507_problem():
    from workbench.api.problems import status_for

    assert status_for(StorageFullError("x", message_es="y")) == 507


def test_other_os_errors_are_not_disguised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def denied(*args: object, **kwargs: object) -> int:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(objects.os, "open", denied)
    with pytest.raises(PermissionError):
        RawFileStore(tmp_path / "raw").put(b"abc")
    assert [p for p in (tmp_path / "raw").rglob("*") if p.is_file()] == []
