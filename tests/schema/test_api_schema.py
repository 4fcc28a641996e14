"""The API fuzzing stage: schemathesis (pinned in pyproject.toml) against a real ``workbench serve``, signed in
as an analyst, every operation of /openapi.json, every check, a fixed seed (tests/schema/schemathesis.toml),
bounded (about 70 s of requests on 2 cores, 4 minutes at most). It fails on any 5xx, any answer that breaks
the description (status, content type, headers, body schema), a schema-valid request refused or an invalid one
accepted, and a wrong 405/Allow. Issue 13.3 counted 41 unique failures (10 of them 5xx); what they were and
how each was fixed: docs/security.md, "API fuzzing"."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ENVS, ROOT, free_port, start_product, stop_group

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
ANALYST, PASSWORD = "fuzzer", "clave-del-fuzzer-2026"
#: Hard bound of the schemathesis run, seconds.
RUN_TIMEOUT_S = 600  # 55 operations since the rule editor's routes; ~180 s alone for 33, longer beside the suite


@pytest.fixture(scope="module")
def analyst_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, an analyst's API token) of a product whose upload limits are off (fuzzing uploads a lot)."""
    home = tmp_path_factory.mktemp("schema")
    (home / "data").mkdir()
    specs = home / "specs"  # a copy: the rule editor's routes publish drafts into the specs folder
    shutil.copytree(ROOT / "specs", specs)
    proc, url = start_product(home / "data", free_port(),
                              extra_env={"WORKBENCH_UPLOAD_RATE_PER_PRINCIPAL": "0", "WORKBENCH_UPLOAD_RATE_GLOBAL": "0",
                                         "WORKBENCH_SPECS_DIR": str(specs)})
    try:
        env = ENVS[url]
        subprocess.run([str(BIN / "workbench"), "users", "add", ANALYST, "--role", "analyst", "--password-stdin"],
                       input=PASSWORD + "\n", env=env, capture_output=True, text=True, check=True, timeout=60)
        token = subprocess.run([str(BIN / "workbench"), "tokens", "create", ANALYST, "--name", "schemathesis"],
                               env=env, capture_output=True, text=True, check=True, timeout=60).stdout.strip()
        yield url, token
    finally:
        stop_group(proc)


def test_the_api_keeps_its_openapi_description(analyst_api: tuple[str, str], tmp_path: Path):
    url, token = analyst_api
    command = [str(BIN / "st"), "--config-file", str(HERE / "schemathesis.toml"), "run", f"{url}/openapi.json",
               "--checks", "all", "--header", f"Authorization: Bearer {token}", "--no-shrink",
               "--report", "junit", "--report-dir", str(tmp_path)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, cwd=tmp_path)
    summary = out.stdout[-6000:]
    assert out.returncode == 0, f"schemathesis found failures (exit {out.returncode}):\n{summary}\n{out.stderr[-2000:]}"
    operations = sum(len(item) for item in httpx.get(f"{url}/openapi.json", timeout=30).json()["paths"].values())
    assert f"Tested: {operations}" in out.stdout, summary  # every operation, none skipped
