"""``./dev serve`` tells a newcomer what is happening: the one-time set-up announced (it is silent for a minute
or two), the sample run it queues explained, every line stamped like ``workbench serve``'s log. Run on a copy
of the script with a stand-in virtualenv (shell scripts that record how they were called): nothing installed."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAMPED = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} dev +\| ")


def _checkout(tmp_path: Path, *, installed: bool, run_fails: bool = False) -> Path:
    shutil.copy(ROOT / "dev", tmp_path / "dev")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "requirements.lock").write_text("x==1\n")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    calls = tmp_path / "calls.txt"
    (bin_dir / "python").write_text(f'#!/bin/sh\necho "python $*" >> {calls}\n')
    run = 'echo "error: the dataset is unknown" >&2; exit 2' if run_fails else 'echo "run 1 · queued"'
    (bin_dir / "workbench").write_text(f'#!/bin/sh\necho "workbench $1" >> {calls}\n'
                                       f'if [ "$1" = run ]; then {run}; fi\n'
                                       'if [ "$1" = serve ]; then echo "serve output"; fi\n')
    for script in bin_dir.iterdir():
        script.chmod(0o755)
    if installed:
        digest = hashlib.sha256(b"[project]\nname = 'x'\nx==1\n").hexdigest()
        (tmp_path / ".venv" / ".installed").write_text(digest + "\n")
    return tmp_path


def _serve(home: Path) -> tuple[list[str], list[str]]:
    done = subprocess.run(["bash", str(home / "dev"), "serve"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stderr.splitlines(), (home / "calls.txt").read_text().splitlines()


def test_the_first_set_up_is_announced_and_timed(tmp_path):
    stderr, calls = _serve(_checkout(tmp_path, installed=False))
    assert all(STAMPED.match(line) for line in stderr), stderr
    assert "the first time takes 1-2 minutes and prints nothing until it is done" in stderr[0]
    assert re.search(r"set up in \d+ s$", stderr[1])
    assert calls[0].startswith("python -m pip install") and calls[-2:] == ["workbench run", "workbench serve"]


def test_the_sample_run_is_explained_in_one_line_before_serve(tmp_path):
    stderr, calls = _serve(_checkout(tmp_path, installed=True))
    assert len(stderr) == 1 and STAMPED.match(stderr[0])  # set up already: no set-up line
    assert "queuing a sample run (examples/ejecucion_2017_abril_programa.csv" in stderr[0]
    assert calls == ["workbench run", "workbench serve"]


def test_a_sample_run_that_fails_says_why_and_serve_starts_anyway(tmp_path):
    stderr, calls = _serve(_checkout(tmp_path, installed=True, run_fails=True))
    assert stderr[-1].endswith("the sample run was not queued (serve starts anyway): error: the dataset is unknown")
    assert calls == ["workbench run", "workbench serve"]
