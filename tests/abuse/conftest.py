"""The abuse suite's API: one app for the whole module (previews store nothing), uploads up to 8 MiB so
the hostile files reach the readers, rate limits off (test_ratelimit.py has its own), a real embedded Redis."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import redis_server  # noqa: F401  (fixture)
from tests.abuse.hostile import ROOT
from workbench.api.app import create_api
from workbench.engine.core.settings import Settings

MAX_UPLOAD = 8 * 1024 * 1024


@pytest.fixture(scope="module")
def abuse_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("abuse")
    shutil.copytree(ROOT / "specs", root / "specs")
    outside = root / "outside" / "secreto.yaml"  # a valid spec outside specs/: a client must not reach it
    outside.parent.mkdir()
    shutil.copy(ROOT / "specs" / "dipres_ejecucion.yaml", outside)
    return {"root": root, "specs": root / "specs", "outside": outside}


@pytest.fixture(scope="module")
def abuse_settings(abuse_dirs: dict[str, Path], redis_server: str) -> Settings:  # noqa: F811
    return Settings(data_dir=abuse_dirs["root"] / "data", database_url=f"sqlite:///{abuse_dirs['root']}/wb.db",
                    redis_url=redis_server, specs_dir=abuse_dirs["specs"], user="abuser",
                    max_upload_bytes=MAX_UPLOAD, upload_rate_per_principal=0, upload_rate_global=0)


@pytest.fixture(scope="module")
def abuse_client(abuse_settings: Settings) -> Iterator[TestClient]:
    """The API as a signed-in analyst: hostile input comes from people who can upload."""
    from workbench.engine.app import accounts
    from workbench.engine.store.migrate import upgrade

    upgrade(abuse_settings.db_url)
    accounts.add_user("abuser", "clave-de-abuso-2026", "analyst", abuse_settings)
    token = accounts.create_token("abuser", "abuse suite", settings=abuse_settings)
    with TestClient(create_api(abuse_settings), raise_server_exceptions=False,
                    headers={"authorization": f"Bearer {token}"}) as client:
        yield client
