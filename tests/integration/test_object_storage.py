"""Object storage (issue 15, item 5): RAW files and run outputs behind one interface, a local folder or an
S3-compatible bucket, so RQ workers on other machines can run what this one stored.

The S3 server is real (moto in server mode on 127.0.0.1, its own process); the workers are real `workbench worker`
processes, each with its **own** data directory: they share PostgreSQL, Redis and the bucket, and no disk."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pandas as pd
import pytest
from rq.job import Job

from tests.data.workbench.generate import execution_csv
from tests.helpers import real_redis_db
from tests.integration.conftest import postgres_database
from tests.s3server import create_bucket, list_keys, moto_server
from workbench.api.problems import public_error
from workbench.engine.app import backfills, exports, health, runs, runs_read
from workbench.engine.core.settings import Settings
from workbench.engine.infra.queue import JSONSerializer
from workbench.engine.infra.redis_conn import get_redis
from workbench.engine.store import migrate
from workbench.engine.store.files import FileStoreError, RawFileStore
from workbench.engine.store.objects import (LocalObjectStore, ObjectMissingError, ObjectStoreError, S3ObjectStore,
                                            output_objects, raw_objects)

ROOT = Path(__file__).resolve().parents[2]
REAL_REDIS = f"redis://127.0.0.1:6379/{real_redis_db()}"
BUCKET = "workbench-ci"


@pytest.fixture(scope="module")
def s3(tmp_path_factory) -> str:
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as endpoint:
        create_bucket(endpoint, BUCKET)
        yield endpoint


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalObjectStore(tmp_path / "objects")
    endpoint = request.getfixturevalue("s3")
    return S3ObjectStore(BUCKET, f"contract-{uuid.uuid4().hex[:8]}", endpoint_url=endpoint, region="us-east-1")


def test_both_backends_keep_the_same_contract(store, tmp_path):
    assert not store.exists("ab/one")
    assert store.put_bytes("ab/one", b"hello") is True
    assert store.put_bytes("ab/one", b"hello") is False  # written once: the same object is not sent again
    assert store.exists("ab/one") and store.get_bytes("ab/one") == b"hello"
    with pytest.raises(ObjectMissingError) as missing:
        store.get_bytes("ab/two")
    assert missing.value.code == "file-store" and missing.value.kind == "internal"
    folder = tmp_path / "scratch" / ".7-abc.partial"
    folder.mkdir(parents=True)
    (folder / "silver.parquet").write_bytes(b"PAR1")
    (folder / "qa.json").write_text("{}")
    store.put_folder("7-abc", folder)
    assert not folder.exists()  # moved, not copied: the worker keeps no scratch
    assert store.get_bytes("7-abc/silver.parquet") == b"PAR1" and store.get_bytes("7-abc/qa.json") == b"{}"
    store.check()
    for bad in ("../etc/passwd", "/abs", "a/../b", "a//b", "", "a/./b", "a b"):
        with pytest.raises(ValueError):
            store.get_bytes(bad)


def test_raw_files_in_s3_are_content_addressed_and_verified(s3):
    objects = S3ObjectStore(BUCKET, f"raw-{uuid.uuid4().hex[:8]}", endpoint_url=s3, region="us-east-1")
    raw = RawFileStore(objects)
    sha, key, created = raw.put(b"a;b\n1;2\n")
    assert created and key == f"{sha[:2]}/{sha}" and raw.get(sha) == b"a;b\n1;2\n"
    assert raw.put(b"a;b\n1;2\n")[2] is False
    objects.client.put_object(Bucket=BUCKET, Key=f"{objects.prefix}/{key}", Body=b"a;b\n1;3\n")  # tampered
    with pytest.raises(FileStoreError, match="corrupt"):
        raw.get(sha)


def test_unreachable_storage_is_a_503_that_names_no_address(tmp_path):
    from tests.s3server import free_port

    settings = Settings(data_dir=tmp_path, storage_url="s3://nowhere/x",
                        storage_endpoint_url=f"http://127.0.0.1:{free_port()}", storage_region="us-east-1")
    with pytest.raises(ObjectStoreError) as err:
        raw_objects(settings).get_bytes("ab/cd")
    assert err.value.code == "storage-unavailable" and err.value.kind == "unavailable"
    shown = public_error(err.value, 503)
    assert "nowhere" not in str(shown) and "127.0.0.1" not in str(shown)
    check = health._storage_check(settings)
    assert check == {"status": "down", "kind": "s3", "code": "storage-unavailable", "detail": "not reachable"}


def test_settings_refuse_credentials_in_the_storage_url(tmp_path):
    from pydantic import ValidationError

    for bad in ("s3://key:secret@bucket/x", "http://bucket", "s3://", "s3://b?x=1"):
        with pytest.raises(ValidationError):
            Settings(data_dir=tmp_path, storage_url=bad)
    assert Settings(data_dir=tmp_path, storage_url=" ").storage_url is None


def _machine(base: Path, name: str, db_url: str, endpoint: str, prefix: str) -> Settings:
    """One machine: its own data directory and copy of the specs; the shared services."""
    home = base / name
    specs = home / "specs"
    specs.mkdir(parents=True)
    shutil.copy(ROOT / "specs" / "dipres_ejecucion.yaml", specs)
    return Settings(data_dir=home / "data", specs_dir=specs, database_url=db_url, redis_url=REAL_REDIS,
                    storage_url=f"s3://{BUCKET}/{prefix}", storage_endpoint_url=endpoint, storage_region="us-east-1",
                    user="tester", lock_ttl_s=5)


def _env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "WORKBENCH_DATABASE_URL": settings.db_url, "WORKBENCH_REDIS_URL": REAL_REDIS,
            "WORKBENCH_DATA_DIR": str(settings.data_dir), "WORKBENCH_SPECS_DIR": str(settings.specs_dir),
            "WORKBENCH_STORAGE_URL": settings.storage_url or "",
            "WORKBENCH_STORAGE_ENDPOINT_URL": settings.storage_endpoint_url or "",
            "WORKBENCH_STORAGE_REGION": "us-east-1", "WORKBENCH_LOCK_TTL_S": "5"}


def _files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_two_workers_with_their_own_disks_run_what_a_third_machine_stored(s3, postgres_admin_url, tmp_path):
    client = get_redis(Settings(redis_url=REAL_REDIS))
    for pattern in ("rq:*", "wb:*"):  # DBs 10-15 are the tests' own
        keys = list(client.scan_iter(pattern, count=1000))
        if keys:
            client.delete(*keys)
    prefix = f"t-{uuid.uuid4().hex[:8]}"
    with postgres_database(postgres_admin_url) as db_url:
        migrate.upgrade(db_url)
        web = _machine(tmp_path, "web", db_url, s3, prefix)
        workers = [_machine(tmp_path, f"worker{i}", db_url, s3, prefix) for i in (1, 2)]
        incoming = tmp_path / "web" / "incoming"
        incoming.mkdir()
        for i in range(8):  # eight distinct execution files: programs differ, so every run has its own outputs
            programs = [(f"{1 + i:02d}", "01", f"{g:02d}") for g in range(1, 3)]
            (incoming / f"ejecucion_2017_abril_{i}.csv").write_bytes(execution_csv(programs, seed=i))
        started = backfills.start_backfill("dipres_ejecucion", sorted(incoming.iterdir()), params={"anio": "2017"},
                                           settings=web)
        assert started.total == 8
        procs = [subprocess.Popen([sys.executable, "-m", "workbench.cli", "worker", "--burst", "--queues=backfills"],
                                  env=_env(w), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for w in workers]
        logs = [p.communicate(timeout=240)[0] for p in procs]
        assert [p.returncode for p in procs] == [0, 0], logs
        status = backfills.backfill_status(started.id, web)
        assert status.progress["succeeded"] == 8, (status.progress, logs)

        run_ids = [r.id for r in runs_read.list_runs(settings=web, limit=50).items]
        assert len(run_ids) == 8
        ran_on = {Job.fetch(f"run-{rid}", connection=client, serializer=JSONSerializer).worker_name for rid in run_ids}
        assert len(ran_on) == 2, ran_on  # both workers took runs

        # Nothing is on any machine's disk: RAW files and outputs are in the bucket only.
        for machine in (web, *workers):
            assert _files_under(machine.data_dir / "raw") == []
            assert _files_under(machine.data_dir / "runs") == []  # the workers' scratch folders are gone
        keys = list_keys(s3, BUCKET, prefix)
        assert sum(k.startswith(f"{prefix}/raw/") for k in keys) == 8
        assert sum(k.endswith("/silver.parquet") for k in keys) == 8

        # The machine that stored the files reads every run's tables, failing rows and Data Docs from the bucket.
        for rid in run_ids:
            run = runs_read.get_run(rid, web)
            assert run.status == "succeeded" and run.qa_status in ("passed", "warning", "failed"), run.error
            table = runs_read.run_table(rid, "silver", web)
            assert len(table.df) == run.row_counts["silver"]
            assert runs_read.raw_bytes(rid, web) == (incoming / run.inputs[0]["name"]).read_bytes()
            runs_read.run_failures(rid, settings=web)
            assert runs_read.run_docs_path(rid, web).is_file()
            if run.qa_status != "failed":
                export = exports.export_run(rid, "silver", "csv", web)
                assert export.path.read_bytes().count(b"\n") == run.row_counts["silver"] + 1
        assert raw_objects(web).location == f"s3://{BUCKET}/{prefix}/raw"
        assert output_objects(workers[0]).location == f"s3://{BUCKET}/{prefix}/runs"

        # A machine that never saw the files re-runs one (reproduction from the stored RAW bytes).
        first = runs_read.get_run(run_ids[0], web)
        again = runs.register_run("dipres_ejecucion", runs_read.raw_bytes(first.id, workers[1]),
                                  filename=first.inputs[0]["name"], params={"anio": "2017"}, force=True,
                                  settings=workers[1])
        done = runs.execute_run(again.id, settings=workers[1])
        assert done.status == "succeeded" and done.row_counts == first.row_counts
        pd.testing.assert_frame_equal(runs_read.run_table(again.id, "silver", web).df,
                                      runs_read.run_table(first.id, "silver", web).df)
