"""A real ``workbench serve`` (web app, one worker, the embedded Redis, a private PostgreSQL) while its pieces die:
the worker killed with SIGKILL mid-run, the embedded Redis stopped with SIGTERM mid-run, PostgreSQL stopped
mid-run. In each case the web app keeps answering, the run does not stay ``running`` (it ends within
``RUN_END_S``, failed with its cause, and is retried once), its upload is kept, and service comes back by
itself. One serve for the module (its frontend build is the slow part: once per session, in its own folder);
the measured times are junit properties and printed at the end (``-rA``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.data.workbench.generate import execution_csv
from tests.faults.conftest import ROOT
from tests.faults.servers import PrivatePostgres, free_port
from workbench.engine.app import access, accounts
from workbench.engine.core.settings import Settings
from workbench.engine.store import db, migrate

#: A run must not stay ``running`` longer than this after its process (or its database) is gone, seconds.
RUN_END_S = 30
#: First start: the frontend build (one per session) and the first answer.
SERVE_START_S = 300
#: Each file has every program of the generator: a run of a few seconds, long enough to be interrupted.
PROGRAMS = [(f"{p:02d}", f"{c:02d}", f"{g:02d}") for p in range(1, 31) for c in range(1, 9) for g in range(1, 7)]
ADMIN, PASSWORD = "admin-faults", "clave-de-pruebas-supervisor"
WEB_DIR = os.environ.get("WORKBENCH_FAULTS_WEB_DIR", ".web-faults") + (
    f"-{os.environ['PYTEST_XDIST_WORKER']}" if os.environ.get("PYTEST_XDIST_WORKER") else "")
STAMPED = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [\w-]+ +\| ")
MEASURED: dict[str, float] = {}


@dataclass
class Served:
    proc: subprocess.Popen
    base: str
    data_dir: Path
    token: str
    lines: list[str] = field(default_factory=list)

    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        return httpx.request(method, self.base + path, headers={"authorization": f"Bearer {self.token}"},
                             timeout=10, **kwargs)

    def submit(self, seed: int) -> dict:
        data = execution_csv(PROGRAMS, seed=seed)
        answer = self.call("POST", "/workbench/runs", files={"file": (f"ejecucion_{seed}.csv", data)},
                           data={"dataset": "dipres_ejecucion", "params": "anio=2017"})
        assert answer.status_code == 202, answer.text
        return answer.json()

    def run(self, run_id: int) -> dict:
        answer = self.call("GET", f"/workbench/runs/{run_id}")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def wait_status(self, run_id: int, leave: tuple[str, ...], timeout_s: float) -> tuple[dict, float]:
        """Poll until the run's status is not in ``leave``; the run and the seconds it took."""
        started = time.monotonic()
        while True:
            try:
                run = self.run(run_id)
            except (httpx.HTTPError, AssertionError):  # the database may be coming back
                run = {"status": leave[0]}
            if run["status"] not in leave:
                return run, time.monotonic() - started
            assert time.monotonic() - started < timeout_s, f"run {run_id} still {run['status']} after {timeout_s} s"
            time.sleep(0.05)

    def retry_of(self, run_id: int) -> dict:
        runs = self.call("GET", "/workbench/runs", params={"limit": 100}).json()["items"]
        retries = [r for r in runs if r["triggered_by"] == f"retry of {run_id}"]
        assert len(retries) == 1, [(r["id"], r["triggered_by"], r["status"]) for r in runs]
        return retries[0]

    def worker_pids(self) -> list[int]:
        return [pid for pid in _children(self.proc.pid) if b"workbench.cli\0worker" in _cmdline(pid)]

    def log_after(self, mark: int) -> str:
        return "".join(self.lines[mark:])


class Prober:
    """Asks the web app for its ping, a page and (signed in) the runs list every 0.2 s in a thread; remembers
    every failed answer."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token, self.failures, self.answers = base, token, [], 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        signed_in = {"authorization": f"Bearer {self.token}"}
        while not self._stop.is_set():
            for path in ("/ping", "/login", "/workbench/runs?limit=1"):
                try:
                    status = httpx.get(self.base + path, timeout=5,
                                       headers=signed_in if path.startswith("/workbench") else None).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                if status == 200:
                    self.answers += 1
                else:
                    self.failures.append((path, status))
            self._stop.wait(0.2)

    def __enter__(self) -> "Prober":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _redis_pid(served: Served) -> int | None:
    try:
        return json.loads((served.data_dir / "redis" / "owner.json").read_text())["server_pid"]
    except (OSError, ValueError, KeyError):  # being replaced
        return None


def _read(proc: subprocess.Popen, lines: list[str]) -> None:
    for line in iter(proc.stdout.readline, ""):  # type: ignore[union-attr]
        lines.append(line)


@pytest.fixture(scope="module")
def served(private_pg: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``workbench serve`` on a private PostgreSQL database with no account yet (the first admin comes from
    the environment), the embedded Redis, one worker and the web app."""
    home = tmp_path_factory.mktemp("serve")
    name = f"wb_fault_serve_{os.getpid()}"
    url = private_pg.create_database(name)
    migrate.upgrade(url)
    db.dispose_engines(url)
    (home / "specs").mkdir()
    (home / "specs" / "dipres_ejecucion.yaml").write_bytes((ROOT / "specs" / "dipres_ejecucion.yaml").read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKBENCH_", "REFLEX_"))}
    env.update({"WORKBENCH_DATA_DIR": str(home / "data"), "WORKBENCH_DATABASE_URL": url,
                "WORKBENCH_SPECS_DIR": str(home / "specs"), "WORKBENCH_LOCK_TTL_S": "3",
                "WORKBENCH_ADMIN_USERNAME": ADMIN, "WORKBENCH_ADMIN_PASSWORD": PASSWORD,
                "REFLEX_WEB_WORKDIR": WEB_DIR, "PYTHONUNBUFFERED": "1"})
    port = free_port()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "workbench"), "serve", "--port", str(port)],
                            cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    lines: list[str] = []
    threading.Thread(target=_read, args=(proc, lines), daemon=True).start()
    started = time.monotonic()
    try:
        while not any(" ready: " in line for line in lines):
            assert proc.poll() is None, "serve exited at start:\n" + "".join(lines[-40:])
            assert time.monotonic() - started < SERVE_START_S, "serve did not start:\n" + "".join(lines[-40:])
            time.sleep(0.1)
        with access.acting_as(access.SYSTEM):
            token = accounts.create_token(ADMIN, "faults", settings=Settings(data_dir=home / "data", database_url=url))
        db.dispose_engines(url)
        yield Served(proc, f"http://127.0.0.1:{port}", home / "data", token, lines)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if not private_pg.running():
            private_pg.start()
        private_pg.drop_database(name)
        (home / "serve.log").write_text("".join(lines))
        print(f"\nserve supervisor, measured (s): {json.dumps(MEASURED)}; its log: {home / 'serve.log'}")


def test_serve_says_what_happens_in_order_with_time_stamps(served: Served):
    start = "".join(served.lines)
    assert start.index(f"created the first admin '{ADMIN}'") < start.index(" ready: ")
    assert all(STAMPED.match(line) for line in served.lines if line.strip()), [
        line for line in served.lines if line.strip() and not STAMPED.match(line)]
    assert "Traceback" not in start


def test_a_worker_killed_mid_run_is_restarted_and_its_run_fails_at_once_and_is_retried(served: Served, record_property):
    mark = len(served.lines)
    run = served.submit(seed=21)
    served.wait_status(run["id"], ("queued",), 60)
    [worker] = served.worker_pids()
    with Prober(served.base, served.token) as probe:
        os.kill(worker, signal.SIGKILL)
        failed, seconds = served.wait_status(run["id"], ("running",), RUN_END_S)
        retry, retry_seconds = served.wait_status(served.retry_of(run["id"])["id"], ("queued", "running"), 60)
    assert failed["status"] == "failed" and failed["error"]["code"] == "run-abandoned"
    assert failed["error"]["details"]["reason"] == "process-died" and "se detuvo" in failed["error"]["message_es"]
    assert retry["status"] == "succeeded"
    raw = served.call("GET", f"/workbench/runs/{run['id']}/raw")  # the upload is kept
    assert raw.status_code == 200 and hashlib.sha256(raw.content).hexdigest() == run["inputs"][0]["sha256"]
    assert probe.answers > 0 and probe.failures == []
    log = served.log_after(mark)
    assert "worker-0 stopped (killed by SIGKILL)" in log and "worker-0 started again" in log
    assert served.proc.poll() is None and len(served.worker_pids()) == 1
    MEASURED.update(worker_killed_run_failed_s=round(seconds, 2), worker_killed_retry_done_s=round(retry_seconds, 2))
    record_property("run_failed_after_kill_s", round(seconds, 2))


def test_the_embedded_redis_stopped_mid_run_is_restarted_and_nothing_stays_running(served: Served, record_property):
    mark = len(served.lines)
    run = served.submit(seed=22)
    served.wait_status(run["id"], ("queued",), 60)
    owner = json.loads((served.data_dir / "redis" / "owner.json").read_text())
    with Prober(served.base, served.token) as probe:
        os.kill(owner["server_pid"], signal.SIGTERM)
        ended, seconds = served.wait_status(run["id"], ("running",), RUN_END_S)
        # service is back by itself: a new run is queued and executed
        after = served.submit(seed=23)
        done, after_seconds = served.wait_status(after["id"], ("queued", "running"), 60)
    if ended["status"] == "failed":  # the run may also have finished: it ran in a live worker
        assert ended["error"]["code"] == "run-abandoned", ended["error"]
    assert ended["status"] in ("succeeded", "failed") and done["status"] == "succeeded"
    raw = served.call("GET", f"/workbench/runs/{run['id']}/raw")  # the upload is kept
    assert raw.status_code == 200 and hashlib.sha256(raw.content).hexdigest() == run["inputs"][0]["sha256"]
    assert probe.answers > 0 and probe.failures == []
    health = served.call("GET", "/workbench/health").json()
    assert health["checks"]["redis"]["status"] == "ok" and health["checks"]["workers"]["count"] == 1
    log = served.log_after(mark)
    assert "the embedded Redis stopped" in log and "the embedded Redis is back" in log
    new_owner = json.loads((served.data_dir / "redis" / "owner.json").read_text())
    assert new_owner["server_pid"] != owner["server_pid"] and new_owner["socket"] == owner["socket"]
    MEASURED.update(redis_stopped_run_ended_s=round(seconds, 2), redis_stopped_next_run_s=round(after_seconds, 2))
    record_property("run_ended_after_redis_stop_s", round(seconds, 2))


CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]


def test_pages_signed_in_before_the_embedded_redis_restarts_still_work_after(served: Served, record_property):
    """The web app keeps its state in the embedded Redis (Reflex's state manager): after a restart it must
    reconnect by itself, and pages must still hydrate (the navigation bar shows the signed-in user)."""
    if not CHROMIUM.exists():
        if os.environ.get("WORKBENCH_REQUIRE_BROWSER"):
            pytest.fail("needs Debian's chromium at /usr/bin/chromium")
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{served.base}/login?next=/workbench")
            page.locator("#username").fill(ADMIN)
            page.locator("#password").fill(PASSWORD)
            page.locator("#login-submit").click()
            page.wait_for_url(f"{served.base}/workbench**")
            page.get_by_text(ADMIN).first.wait_for(timeout=30_000)
            owner = json.loads((served.data_dir / "redis" / "owner.json").read_text())
            os.kill(owner["server_pid"], signal.SIGTERM)
            deadline = time.monotonic() + 30
            while _redis_pid(served) in (owner["server_pid"], None):  # until the new server runs
                assert time.monotonic() < deadline, "the embedded Redis was not started again"
                time.sleep(0.05)
            started = time.monotonic()
            for path in ("/workbench", "/cargar"):
                page.goto(served.base + path)
                page.get_by_text(ADMIN).first.wait_for(timeout=30_000)
            seconds = time.monotonic() - started
        finally:
            browser.close()
    MEASURED.update(redis_restarted_two_pages_hydrated_s=round(seconds, 2))
    record_property("two_pages_after_redis_restart_s", round(seconds, 2))


def test_postgres_stopped_mid_run_the_run_fails_when_it_is_back_and_service_returns(
        served: Served, private_pg: PrivatePostgres, record_property):
    mark = len(served.lines)
    run = served.submit(seed=24)
    served.wait_status(run["id"], ("queued",), 60)
    with Prober(served.base, served.token) as probe:
        private_pg.stop()
        down_at = time.monotonic()
        health = served.call("GET", "/workbench/health")
        assert health.status_code == 503 and health.json()["checks"]["database"]["status"] == "down"
        marker = served.data_dir / "executing" / f"{run['id']}.json"  # the worker's own record of the run
        deadline = time.monotonic() + RUN_END_S
        # wait until the worker computed the run and could not record its end (its marker says so), and serve's
        # periodic recovery found the store down (it says so in the log): events, not a guessed sleep
        while not (marker.exists() and '"unrecorded"' in marker.read_text()
                   and "recovery postponed" in served.log_after(mark)):
            assert time.monotonic() < deadline, "no unrecorded end, or no postponed recovery, while the store was down"
            time.sleep(0.1)
        private_pg.start()
        failed, seconds = served.wait_status(run["id"], ("running",), RUN_END_S)
        retry, retry_seconds = served.wait_status(served.retry_of(run["id"])["id"], ("queued", "running"), 60)
        after = served.submit(seed=25)
        done, _ = served.wait_status(after["id"], ("queued", "running"), 60)
    assert failed["status"] == "failed" and failed["error"]["code"] == "run-abandoned"
    assert failed["error"]["details"]["reason"] == "end-not-recorded"
    assert "base de datos" in failed["error"]["message_es"]
    assert retry["status"] == "succeeded" and done["status"] == "succeeded"
    raw = served.call("GET", f"/workbench/runs/{run['id']}/raw")
    assert raw.status_code == 200 and hashlib.sha256(raw.content).hexdigest() == run["inputs"][0]["sha256"]
    # the store is down: reads answer 503 (database-unavailable); the server itself answers throughout
    assert probe.answers > 0 and {f[0] for f in probe.failures} <= {"/workbench/runs?limit=1"}
    assert {f[1] for f in probe.failures} <= {503}
    log = served.log_after(mark)
    assert "recovery postponed" in log and "recovery works again" in log
    assert served.proc.poll() is None
    MEASURED.update(postgres_down_s=round(time.monotonic() - down_at - seconds - retry_seconds, 2),
                    postgres_back_run_failed_s=round(seconds, 2), postgres_back_retry_done_s=round(retry_seconds, 2))
    record_property("run_failed_after_postgres_back_s", round(seconds, 2))


def test_the_web_server_killed_is_started_again_and_answers(served: Served, record_property):
    mark = len(served.lines)
    [server] = [pid for pid in _children(served.proc.pid) if b"workbench.web" in _cmdline(pid)]
    os.kill(server, signal.SIGKILL)  # the leader only, as the OOM killer does: its worker processes stay behind
    killed_at = time.monotonic()
    while "web started again" not in served.log_after(mark):  # its leftover processes may answer meanwhile
        assert time.monotonic() - killed_at < 30, "serve did not notice:\n" + served.log_after(mark)
        time.sleep(0.1)
    while True:
        try:
            if httpx.get(served.base + "/login", timeout=2).status_code == 200 and \
                    served.call("GET", "/workbench/health").status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() - killed_at < 120, "the web app did not come back:\n" + served.log_after(mark)
        time.sleep(0.2)
    seconds = time.monotonic() - killed_at
    while "web app answering again" not in served.log_after(mark):
        assert time.monotonic() - killed_at < 120
        time.sleep(0.1)
    log = served.log_after(mark)
    assert "web stopped (killed by SIGKILL)" in log and "web started again" in log
    assert [pid for pid in _children(served.proc.pid) if b"workbench.web" in _cmdline(pid)] != [server]
    assert served.proc.poll() is None
    # runs still work end to end through the new server
    run = served.submit(seed=26)
    done, _ = served.wait_status(run["id"], ("queued", "running"), 60)
    assert done["status"] == "succeeded"
    MEASURED.update(web_killed_back_s=round(seconds, 2))
    record_property("web_back_after_kill_s", round(seconds, 2))
