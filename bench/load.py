"""Load and soak test (issues 7 and 13.7): 20 concurrent users upload 5 MB files and preview them, on loopback;
then the server idles and its memory is read again.

    .venv/bin/python bench/load.py [--users 20] [--seconds 120] [--idle 30] [--workers 2] [--smoke]
    .venv/bin/python bench/load.py --seconds 240          # the 4-minute soak of issue 13.7 (by hand, not in CI)

The API is served by Granian (as in production) over a temporary SQLite store and an embedded Redis. Each
user is an analyst with an API token and loops: upload the 5.5 MB execution CSV with a few bytes changed (a
cold preview: the cache never hits) or the 5.6 MB program workbook (after the first time a cache hit), and
read the answer. Reported: status counts (only deliberate 429s may be non-200), preview latency p50/p95 per
kind, throughput, and the server's memory (RSS of its processes, summed, and of its largest process) sampled
every second: at start (after one warm-up preview of each kind: the libraries are imported), its peak under load,
and after ``--idle`` seconds without requests. Target: idle RSS within +25 % of the start (memory goes back when
the load ends). ``--smoke``: 2 users, tiny files, a few seconds (checks the benchmark works).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
import psutil  # noqa: E402

from run import CSV, XLSX, make_files  # noqa: E402  (the 5 MB benchmark files)

PASSWORD = "clave-de-carga-2026"


from workbench.engine.app import access as _access  # noqa: E402
from _report import print_table  # noqa: E402  (bench/ is on sys.path: the script's folder)
_access.set_process_default(_access.SYSTEM)  # benchmarks act as the local operator, like the CLI


def create_app():  # type: ignore[no-untyped-def]
    """Granian's factory target: the API over the environment's ``WORKBENCH_*`` settings."""
    from workbench.api.app import create_api

    return create_api()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def worker_rss_mb(proc: subprocess.Popen) -> list[float]:
    """RSS of each of the server's worker processes, MB."""
    try:
        return [p.memory_info().rss / 2**20 for p in psutil.Process(proc.pid).children(recursive=True)]
    except psutil.Error:
        return []


def worker_threads(proc: subprocess.Popen) -> list[int]:
    """Threads of each worker process (idle thread-pool threads keep their stacks' pages)."""
    try:
        return [p.num_threads() for p in psutil.Process(proc.pid).children(recursive=True)]
    except psutil.Error:
        return []


def server_rss_mb(proc: subprocess.Popen) -> tuple[float, float]:
    """RSS of the server's processes, MB: their sum and the largest one (a worker)."""
    try:
        root = psutil.Process(proc.pid)
        sizes = [p.memory_info().rss for p in [root, *root.children(recursive=True)]]
    except psutil.Error:
        return float("nan"), float("nan")
    return sum(sizes) / 2**20, max(sizes) / 2**20


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--idle", type=float, default=30.0, help="Seconds without requests after the load.")
    parser.add_argument("--per-user-limit", type=int, default=None,
                        help="WORKBENCH_UPLOAD_RATE_PER_PRINCIPAL for the run (0 = off); default: the setting's own")
    parser.add_argument("--smoke", action="store_true", help="2 users, tiny files, seconds: checks the benchmark works")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-load-"))
    xlsx, csv = XLSX, CSV
    if args.smoke:
        args.users, args.seconds, args.idle, args.workers = 2, 3.0, 2.0, 1
        xlsx, csv = tmp / "smoke" / XLSX.name, tmp / "smoke" / CSV.name
    make_files(xlsx, csv, smoke=args.smoke)
    csv_bytes, xlsx_bytes = csv.read_bytes(), xlsx.read_bytes()

    shutil.copytree(ROOT / "specs", tmp / "specs")
    env = {**os.environ, "WORKBENCH_DATA_DIR": str(tmp), "WORKBENCH_SPECS_DIR": str(tmp / "specs"),
           "WORKBENCH_MAX_UPLOAD_BYTES": str(8 * 2**20),
           **({"WORKBENCH_UPLOAD_RATE_PER_PRINCIPAL": str(args.per_user_limit)} if args.per_user_limit is not None
              else {})}
    for key in ("WORKBENCH_DATABASE_URL", "WORKBENCH_REDIS_URL"):
        env.pop(key, None)
    from workbench.engine.core.memory import SERVER_ENV

    for name, value in SERVER_ENV.items():  # as `workbench serve` runs its web server (web.web_env)
        env.setdefault(name, value)
    os.environ.update({k: v for k, v in env.items() if k.startswith("WORKBENCH_")})
    from workbench.engine.app import accounts, datasets
    from workbench.engine.infra.redis_embedded import EmbeddedRedis
    from workbench.engine.core.settings import get_settings

    redis = EmbeddedRedis()
    env["WORKBENCH_REDIS_URL"] = os.environ["WORKBENCH_REDIS_URL"] = redis.start(tmp / "redis")
    get_settings.cache_clear()
    datasets.sync_specs()
    tokens = []
    for n in range(args.users):
        accounts.add_user(f"analista{n:02d}", PASSWORD, "analyst")
        tokens.append(accounts.create_token(f"analista{n:02d}", "carga"))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1", "--port",
         str(port), "--workers", str(args.workers), "--no-ws", "--log-level", "warning", "--no-access-log",
         "load:create_app"], cwd=ROOT / "bench", env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/workbench/health", timeout=2).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        statuses: Counter[str] = Counter()
        latencies: dict[str, list[float]] = {"csv (cold)": [], "xlsx": []}
        fresh = server_rss_mb(server)

        def preview(client: httpx.Client, n: int, i: int) -> tuple[str, str, float]:
            kind = "xlsx" if i % 4 == 3 else "csv (cold)"
            data = xlsx_bytes if kind == "xlsx" else csv_bytes + f"\n;;;;;;;fila {n}-{i};;;\n".encode()
            name = "programa_2017.xlsx" if kind == "xlsx" else f"ejecucion_2017_{n}_{i}.csv"
            dataset = "dipres_programa_xlsx" if kind == "xlsx" else "dipres_ejecucion"
            t0 = time.perf_counter()
            try:
                answer = client.post("/workbench/preview", files={"file": (name, data)},
                                     data={"dataset": dataset, "params": '{"anio": "2017"}'})
                status = str(answer.status_code)
                if status == "429":
                    time.sleep(float(answer.headers.get("retry-after", "1")))
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            return kind, status, time.perf_counter() - t0

        # Warm-up: previews of each kind, a new connection each, until every worker has served some (its libraries
        # are imported: a worker that served nothing yet is ~190 MB, one that did ~550 MB; that is not a leak).
        fresh_workers = worker_rss_mb(server)
        for attempt in range(8 * args.workers):
            with httpx.Client(base_url=base, timeout=120, headers={"authorization": f"Bearer {tokens[0]}"}) as warm:
                preview(warm, 0, 10_000 + 4 * attempt)
                preview(warm, 0, 10_000 + 4 * attempt + 3)
            grown = [now - before for now, before in zip(worker_rss_mb(server), fresh_workers)]
            if attempt >= 1 and grown and min(grown) > 100:
                break
        from workbench.engine.core.memory import SETTLE_S, TRIM_AFTER_S

        time.sleep(TRIM_AFTER_S + (0 if args.smoke else SETTLE_S) + 1)  # what the warm-up freed is handed back
        started_rss, started_threads = server_rss_mb(server), worker_threads(server)
        rss: list[tuple[float, float, float]] = []
        start = time.perf_counter()
        stop = start + args.seconds
        sampling = threading.Event()

        def user(n: int) -> None:
            with httpx.Client(base_url=base, timeout=120, headers={"authorization": f"Bearer {tokens[n]}"}) as client:
                i = 0
                while time.perf_counter() < stop:
                    kind, status, seconds = preview(client, n, i)
                    statuses[status] += 1
                    if status == "200":
                        latencies[kind].append(seconds)
                    i += 1

        def sample() -> None:
            while not sampling.is_set():
                rss.append((time.perf_counter() - start, *server_rss_mb(server)))
                sampling.wait(1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        with ThreadPoolExecutor(args.users) as pool:
            list(pool.map(user, range(args.users)))
        elapsed = time.perf_counter() - start
        loaded = [r for r in rss if r[0] <= elapsed]
        time.sleep(args.idle)  # no requests: what the server keeps
        idle, idle_threads = server_rss_mb(server), worker_threads(server)
        for _ in range(4 * args.workers):  # the first request after 10 s idle stops the idle thread-pool threads
            httpx.get(base + "/workbench/health", timeout=30, headers={"connection": "close"})
        pruned_threads = worker_threads(server)
        sampling.set()
        sampler.join(timeout=5)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        redis.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    peak = max((r[1] for r in loaded), default=float("nan")), max((r[2] for r in loaded), default=float("nan"))
    errors = sum(c for s, c in statuses.items() if s not in ("200", "429"))
    done = sum(len(v) for v in latencies.values())
    print(f"{args.users} users, {elapsed:.0f} s, {args.workers} Granian workers, then {args.idle:.0f} s idle; "
          f"statuses {dict(statuses)}; server " + " ".join(f"{k}={env.get(k, 'unset')}" for k in SERVER_ENV) + "; "
          f"worker threads at start {started_threads}, idle {idle_threads}, after the next requests {pruned_threads}")
    rows = [("errors (other than deliberate 429)", "0", f"{errors}", errors == 0),
            ("previews completed", "-", f"{done} ({done / elapsed:.1f}/s)", None)]
    for kind, values in latencies.items():
        rows.append((f"preview latency p50, {kind}", "-", f"{pct(values, 0.5):.2f} s", None))
        rows.append((f"preview latency p95, {kind}", "report", f"{pct(values, 0.95):.2f} s", None))
    for label, at in (("fresh (before any request)", fresh), ("start (after warm-up)", started_rss),
                      ("peak under load", peak), (f"after {args.idle:.0f} s idle", idle)):
        rows.append((f"server RSS, {label}: all / largest process", "-", f"{at[0]:.0f} / {at[1]:.0f} MB", None))
    growth = idle[0] / started_rss[0] - 1
    rows.append(("server RSS idle vs start (all processes)", "<= +25 %", f"{growth:+.0%}", growth <= 0.25))
    print_table(rows, sep=" | ")


if __name__ == "__main__":
    main()
