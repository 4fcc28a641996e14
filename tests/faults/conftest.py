"""Fault tests: the product against real services that are stopped, killed, restarted and filled while it runs.

Every test here gets its own PostgreSQL database on a private cluster (one cluster per test process, started
once), its own private Redis server and a temporary data directory, so stopping or killing them never disturbs
the other tests running in parallel on the shared servers. A missing binary (initdb, redis-server) fails the
tests with a message saying what to install: they never skip, since CI is where they must run.
"""

from __future__ import annotations

import gc
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.faults.servers import PrivatePostgres, PrivateRedis, ServerSetupError
from workbench.api.app import create_api
from workbench.engine.app import access, accounts, datasets
from workbench.engine.core.settings import Settings
from workbench.engine.store import db, migrate

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "workbench"
CSV = DATA / "ejecucion_2017_abril_pesos.csv"
FAULTS_DIR = Path(__file__).resolve().parent
PASSWORD = "clave-de-pruebas-fallas"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: real services stopped, killed, restarted or filled (tests/faults)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if FAULTS_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.faults)


@pytest.fixture(scope="session")
def private_pg() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this test process (about 1 s to create and start)."""
    server = PrivatePostgres()
    try:
        server.init().start()
    except ServerSetupError as exc:
        server.destroy()
        pytest.fail(f"cannot start a private PostgreSQL for the fault tests: {exc}", pytrace=False)
    yield server
    server.destroy()


@pytest.fixture
def pg(private_pg: PrivatePostgres) -> Iterator[PrivatePostgres]:
    """The private cluster, running at the start of the test and again after it (a test may stop it)."""
    if not private_pg.running():
        private_pg.start()
    yield private_pg
    if not private_pg.running():
        private_pg.start()


TEMPLATE = "wb_fault_template"


@pytest.fixture(scope="session")
def pg_template(private_pg: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated with the product's own Alembic upgrade, with the user ``tester`` (an admin), that each
    test's database is copied from (a copy takes 0.2 s; migrating and hashing a password again would take 1 s)."""
    url = private_pg.create_database(TEMPLATE)
    migrate.upgrade(url)
    with access.acting_as(access.SYSTEM):  # session fixtures run before the per-test operator default is set
        accounts.add_user("tester", PASSWORD, "admin", Settings(data_dir=tmp_path_factory.mktemp("template"),
                                                                 database_url=url))
    db.dispose_engines(url)
    gc.collect()  # a connection held by a garbage cycle (Alembic's context) would block copying the template
    return url


@pytest.fixture
def pg_url(pg: PrivatePostgres, pg_template: str) -> Iterator[str]:
    """A fresh database on the private cluster: a copy of the migrated template."""
    name = f"wb_fault_{secrets.token_hex(5)}"
    url = pg.create_database(name, template=TEMPLATE)
    yield url
    db.dispose_engines(url)
    if not pg.running():
        pg.start()
    pg.drop_database(name)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A redis-server of this test's own (about 0.1 s), killed and removed afterwards."""
    try:
        server = PrivateRedis()
    except ServerSetupError as exc:
        pytest.fail(f"cannot start a private Redis for the fault tests: {exc}", pytrace=False)
    try:
        server.start()
    except ServerSetupError as exc:
        server.destroy()
        pytest.fail(f"cannot start a private Redis for the fault tests: {exc}", pytrace=False)
    yield server
    server.destroy()


def make_settings(tmp_path: Path, database_url: str, redis_url: str, **extra: object) -> Settings:
    specs = tmp_path / "specs"
    if not specs.exists():
        specs.mkdir()
        shutil.copy(ROOT / "specs" / "dipres_ejecucion.yaml", specs)
    values: dict[str, object] = {"data_dir": tmp_path / "data", "database_url": database_url, "redis_url": redis_url,
                                 "specs_dir": specs, "user": "tester", "lock_ttl_s": 2, "lock_wait_timeout_s": 20}
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path, pg_url: str, private_redis: PrivateRedis) -> Settings:
    return make_settings(tmp_path, pg_url, private_redis.url)


def new_token(settings: Settings, name: str = "faults") -> str:
    """An API token of ``tester`` (an admin), never used yet: its first use must reach the store."""
    return accounts.create_token("tester", name, settings=settings)


@pytest.fixture
def token(settings: Settings) -> str:
    return new_token(settings)


@pytest.fixture
def client(settings: Settings, token: str) -> Iterator[TestClient]:
    """The API as a signed-in caller, over the private PostgreSQL and Redis."""
    datasets.sync_specs(settings)
    with TestClient(create_api(settings), raise_server_exceptions=False,
                    headers={"authorization": f"Bearer {token}"}) as test_client:
        yield test_client


def worker_env(settings: Settings) -> dict[str, str]:
    """What a worker process of ``settings`` is configured with (its environment)."""
    return {"WORKBENCH_DATABASE_URL": settings.db_url, "WORKBENCH_REDIS_URL": settings.redis_url or "",
            "WORKBENCH_DATA_DIR": str(settings.data_dir), "WORKBENCH_SPECS_DIR": str(settings.specs_dir),
            "WORKBENCH_LOCK_TTL_S": str(settings.lock_ttl_s), "WORKBENCH_USER": settings.user or ""}


def start_worker(settings: Settings, *queues: str) -> subprocess.Popen:
    """A real ``workbench worker`` process (its own session, so it and its children can be killed), running until
    stopped; returns once it listens on its queues (it exits when Redis is down while it starts)."""
    from rq import Worker

    from workbench.engine.infra.redis_conn import get_redis

    proc = subprocess.Popen([sys.executable, "-m", "workbench.cli", "worker", *(f"--queues={q}" for q in queues)],
                            env={**os.environ, **worker_env(settings)}, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    # "idle" once listening on its queues (registered alone is too early: it still subscribes to its channel)
    while not any(w.pid == proc.pid and w.get_state() == "idle" for w in Worker.all(connection=get_redis(settings))):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_worker(proc)
            raise AssertionError(f"the worker did not start: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        time.sleep(0.05)
    return proc


def stop_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    if proc.stderr is not None:
        proc.stderr.close()


def work_burst(settings: Settings, *queues: str) -> bool:
    """A real RQ worker (the product's ``tasks.work``) in this process until its queues are empty: it recovers
    abandoned runs first, as every worker start does. In-process to save a Python start and the GX import per
    test; configured like a worker process (environment), and RQ's signal handlers are put back afterwards."""
    from workbench.engine.app import tasks
    from workbench.engine.core.settings import get_settings

    env = worker_env(settings)
    saved_env = {name: os.environ.get(name) for name in env}
    saved_signals = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    os.environ.update(env)
    get_settings.cache_clear()
    try:
        return tasks.work(list(queues) or None, burst=True, settings=get_settings())
    finally:
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()
        for sig, handler in saved_signals.items():
            signal.signal(sig, handler)


def upload(path: Path = CSV, dataset: str | None = "dipres_ejecucion", *, data: bytes | None = None,
           name: str | None = None, **fields: str) -> dict:
    form: dict[str, str] = dict(fields)
    if dataset is not None:
        form["dataset"] = dataset
    return {"files": {"file": (name or path.name, data if data is not None else path.read_bytes())}, "data": form}
