"""API tests: the real app over a temporary store (SQLite and PostgreSQL, see ``db_url``), a real embedded
Redis (one server per test process, flushed around each test) and the repository's specs and DIPRES files."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.integration.conftest import db_url, postgres_admin_url  # noqa: F401  (fixtures)
from workbench.api.app import create_api
from workbench.engine.app import datasets, runs
from workbench.engine.infra.redis_embedded import EmbeddedRedis
from workbench.engine.core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "workbench"
CSV = DATA / "ejecucion_2017_abril_pesos.csv"
XLSX = ROOT / "examples" / "programa_ejecucion_2017_abril.xlsx"
HTML = DATA / "html_disfrazado.csv"
#: Upload limit in these tests: the fixtures are a few KB, so a 64 KB upload is "huge".
MAX_UPLOAD = 32 * 1024


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedRedis()
    url = server.start(tmp_path_factory.mktemp("redis-home"))
    yield url
    server.stop()


@pytest.fixture
def settings(db_url: str, redis_server: str, tmp_path: Path) -> Iterator[Settings]:  # noqa: F811
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    import redis

    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    yield Settings(data_dir=tmp_path / "data", database_url=db_url, redis_url=redis_server, specs_dir=specs,
                   user="tester", lock_ttl_s=2, lock_wait_timeout_s=20, max_upload_bytes=MAX_UPLOAD)
    client.flushdb()
    client.close()


TESTER_PASSWORD = "clave-de-pruebas-api"


@pytest.fixture
def token(settings: Settings) -> str:
    """An API token of ``tester``, an admin (the name runs record as who triggered them)."""
    from workbench.engine.app import accounts

    accounts.add_user("tester", TESTER_PASSWORD, "admin", settings)
    return accounts.create_token("tester", "api tests", settings=settings)


@pytest.fixture
def client(settings: Settings, token: str) -> Iterator[TestClient]:
    """The API as a signed-in caller (Bearer token); ``anonymous`` is the same app without credentials."""
    datasets.sync_specs(settings)
    with TestClient(create_api(settings), raise_server_exceptions=False,
                    headers={"authorization": f"Bearer {token}"}) as test_client:
        yield test_client


@pytest.fixture
def anonymous(settings: Settings) -> Iterator[TestClient]:
    datasets.sync_specs(settings)
    with TestClient(create_api(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def upload(path: Path, dataset: str | None = "dipres_ejecucion", *, data: bytes | None = None,
           **fields: str | list[str]) -> dict:
    """``files``/``data`` for a multipart POST of ``path`` (or of ``data`` under its name)."""
    form: dict[str, str | list[str]] = dict(fields)
    if dataset is not None:
        form["dataset"] = dataset
    return {"files": {"file": (path.name, data if data is not None else path.read_bytes())}, "data": form}


def run_now(client: TestClient, settings: Settings, path: Path = CSV, **fields: str) -> dict:
    """Queue a run through the API and execute it here (what a worker does), returning the final record."""
    queued = client.post("/workbench/runs", **upload(path, **fields))
    assert queued.status_code == 202, queued.text
    runs.execute_run(queued.json()["id"], settings=settings)
    return client.get(f"/workbench/runs/{queued.json()['id']}").json()
