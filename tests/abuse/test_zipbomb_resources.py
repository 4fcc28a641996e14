"""A real 1 GB zip bomb (a sheet XML of zeros, ~1 MB compressed) is refused in under a second and under
100 MB of extra memory, measured in a fresh process with ``resource.getrusage``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.abuse.hostile import MIB, ROOT, xlsx_with, zeros_entry

PROBE = """
import json, resource, sys, time
from workbench.engine.core.readers import read_raw
from workbench.engine.core.spec.source import SourceOptions
from workbench.engine.core.errors import WorkbenchError
import fastexcel, pandas, pyarrow  # imported before measuring: the refusal, not the imports, is measured
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    read_raw(data, SourceOptions(), filename="bomba.xlsx")
    code = "read"
except WorkbenchError as exc:
    code = exc.code
elapsed = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"code": code, "seconds": elapsed, "rss_delta_mb": (after - before) / 1024}))
"""


def test_a_1gb_zip_bomb_is_refused_fast_and_small(tmp_path: Path):
    bomb = xlsx_with(zeros_entry("xl/worksheets/sheet1.xml", 1024 * MIB))
    assert len(bomb) < 2 * MIB
    path = tmp_path / "bomba.xlsx"
    path.write_bytes(bomb)
    out = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, cwd=ROOT,
                         timeout=60, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["code"] == "workbook-zip-limit"
    assert result["seconds"] < 1.0
    assert result["rss_delta_mb"] < 100
