"""Every benchmark in bench/ runs (issue 12.12: ``./dev bench`` crashed in its peak-memory child, which acted as
nobody). Each one runs here in its ``--smoke`` mode: tiny inputs, one repetition, its own temporary store; no
timing is asserted, only that it finishes and prints its table. The browser benchmarks skip without chromium,
like the e2e tests, and build the web app in ``WORKBENCH_E2E_WEB_DIR`` (as the e2e tests do)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHES = sorted(p.stem for p in (ROOT / "bench").glob("*.py") if not p.stem.startswith("_"))
BROWSER = {"upload", "web"}
CHROMIUM = Path("/usr/bin/chromium")
#: Seconds one smoke run may take (the browser ones include a first build of the web app).
TIMEOUT_S = {"upload": 420, "web": 420}


def test_every_benchmark_is_listed():
    assert {"api", "datadocs", "editor", "jobs", "load", "publication", "run", "run_cli", "store", "upload", "validation",
            "web"} <= set(BENCHES)


@pytest.mark.parametrize("name", BENCHES)
def test_benchmark_runs_in_smoke_mode(name: str) -> None:
    if name in BROWSER and not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_") or k == "WORKBENCH_E2E_WEB_DIR"}
    env.update(REFLEX_TELEMETRY_ENABLED="false", REFLEX_CHECK_LATEST_VERSION="false")
    done = subprocess.run([sys.executable, str(ROOT / "bench" / f"{name}.py"), "--smoke"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT_S.get(name, 240))
    assert done.returncode == 0, f"bench/{name}.py --smoke failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    assert "measure" in done.stdout and "target" in done.stdout, done.stdout[-2000:]
