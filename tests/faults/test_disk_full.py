"""The disk fills up: while an upload is stored (RAW file store) and while a run writes its tables (run outputs).

Real where the machine allows it: the folder is a tmpfs of a few hundred KB filled to its last pages, so the
kernel itself answers ENOSPC (CI runs as root and can mount). Where mounting is not permitted, ENOSPC is injected
at the one OS write boundary instead (``os.write`` in the RAW store, the Parquet writer for outputs), and the test
records that it did (``disk`` property: ``tmpfs`` or ``injected``)."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.faults.conftest import CSV, make_settings, upload
from tests.faults.servers import fill, small_disk
from workbench.api.app import create_api
from workbench.engine.app import datasets, runs, runs_read
from workbench.engine.core.settings import Settings
from workbench.engine.store import objects

#: Size of the small file system, KB (tmpfs rounds to 4 KB pages).
DISK_KB = 512


@dataclass
class FullDisk:
    path: Path
    mode: str  # "tmpfs" | "injected"
    filler: Path | None = None
    monkeypatch: pytest.MonkeyPatch | None = None

    def free_space(self) -> None:
        """Space again: the filler file goes (or the injection stops)."""
        if self.filler is not None:
            self.filler.unlink()
        if self.monkeypatch is not None:
            self.monkeypatch.undo()

    def files(self) -> list[str]:
        return sorted(str(p.relative_to(self.path)) for p in self.path.rglob("*")
                      if p.is_file() and p != self.filler)


@pytest.fixture
def full_disk(tmp_path: Path, record_property) -> Iterator[FullDisk]:  # type: ignore[no-untyped-def]
    """A folder whose file system has about one page (4 KB) free."""
    path = tmp_path / "small"
    with small_disk(path, DISK_KB) as mounted:
        if mounted:
            disk = FullDisk(path, "tmpfs", filler=fill(path, leave_bytes=4096))
            yield disk
        else:
            patch = pytest.MonkeyPatch()
            disk = FullDisk(path, "injected", monkeypatch=patch)
            _inject_enospc(patch, path)
            yield disk
            patch.undo()
        record_property("disk", disk.mode)


def _inject_enospc(patch: pytest.MonkeyPatch, under: Path) -> None:
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(under)):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    patch.setattr(objects.os, "write", write)
    import pandas as pd

    real_to_parquet = pd.DataFrame.to_parquet

    def to_parquet(self, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(path).startswith(str(under)):
            raise OSError(errno.ENOSPC, "Error writing bytes to file. Detail: [errno 28] No space left on device")
        return real_to_parquet(self, path, *args, **kwargs)

    patch.setattr(pd.DataFrame, "to_parquet", to_parquet)


def _client(settings: Settings, token: str) -> TestClient:
    datasets.sync_specs(settings)
    return TestClient(create_api(settings), raise_server_exceptions=False, headers={"authorization": f"Bearer {token}"})


def test_an_upload_to_a_full_disk_is_a_507_leaves_nothing_and_works_once_space_is_freed(
        tmp_path, pg_url, private_redis, full_disk):
    from tests.faults.conftest import new_token

    settings = make_settings(tmp_path, pg_url, private_redis.url, files_dir=full_disk.path / "raw")
    data = CSV.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    with _client(settings, new_token(settings)) as client:
        refused = client.post("/workbench/runs", **upload())
        assert refused.status_code == 507, refused.text
        assert refused.json()["code"] == "storage-full" and "disco está lleno" in refused.json()["message_es"]
        assert full_disk.files() == []  # neither the file under its hash nor a temporary file
        assert client.get("/workbench/runs").json()["total"] == 0  # no run recorded for it
        if full_disk.mode == "tmpfs":  # health sees the real free space: less than one upload of the largest size
            health = client.get("/workbench/health")
            assert health.status_code == 200 and health.json()["checks"]["disk"]["status"] == "full"

        full_disk.free_space()
        accepted = client.post("/workbench/runs", **upload())
        assert accepted.status_code == 202, accepted.text
        assert full_disk.files() == [f"raw/{sha[:2]}/{sha}"]
        assert runs.execute_run(accepted.json()["id"], settings=settings).status == "succeeded"


def test_a_run_whose_outputs_fill_the_disk_ends_failed_with_storage_full_and_reruns(tmp_path, pg_url,
                                                                                    private_redis, full_disk):
    settings = make_settings(tmp_path, pg_url, private_redis.url, runs_dir=full_disk.path / "runs")
    run = runs.submit_run("dipres_ejecucion", CSV.read_bytes(), filename=CSV.name, settings=settings)
    failed = runs.execute_run(run.id, settings=settings)
    assert failed.status == "failed" and failed.outputs is None
    assert failed.error["code"] == "storage-full" and "disco está lleno" in failed.error["message_es"]
    assert list((full_disk.path / "runs").iterdir()) == []  # no half-written output folder left behind

    full_disk.free_space()
    again = runs.submit_run("dipres_ejecucion", CSV.read_bytes(), filename=CSV.name, settings=settings)
    done = runs.execute_run(again.id, settings=settings)
    assert done.status == "succeeded"
    assert runs_read.run_table(done.id, "silver", settings).df.shape[0] == 144
