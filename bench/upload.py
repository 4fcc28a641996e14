"""Upload-to-preview in a real browser (issue: the /cargar journey), against the served product.

    .venv/bin/python bench/upload.py [--repeat 5] [--smoke]

Starts ``workbench serve`` on a temporary data directory (production build, embedded Redis), opens /cargar in
Debian's headless chromium and times, for the ~5 MB DIPRES-like xlsx of bench/run.py, from choosing the file to
the rendered preview (timeline and tidy table visible). Cold: each upload is named with another year, so the
``anio`` parameter taken from the name changes and the preview cache cannot hit. Cached: the same name again.
Medians after one warm-up upload.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import CSV, XLSX, make_files  # noqa: E402
from tests.e2e.conftest import (  # noqa: E402
    ADMIN_PASSWORD, ADMIN_USER, ARGS, CHROMIUM, free_port, start_product, stop_group)

TARGET_S = 2.0
TIMEOUT_MS = 60_000


from workbench.engine.app import access as _access  # noqa: E402
_access.set_process_default(_access.SYSTEM)  # benchmarks act as the local operator, like the CLI


def _time_upload(page, url: str, path: Path) -> float:
    page.goto(url + "/cargar", wait_until="networkidle")
    page.locator(".timeline-step").first.wait_for(state="detached", timeout=TIMEOUT_MS)  # a fresh page
    started = time.perf_counter()
    page.locator(".dropzone input[type=file]").set_input_files(str(path))
    page.locator(".file-name", has_text=path.name).wait_for(timeout=TIMEOUT_MS)
    page.locator(".timeline-step").first.wait_for(timeout=TIMEOUT_MS)
    page.locator(".result-tabs .layer-table tbody tr").first.wait_for(timeout=TIMEOUT_MS)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="tiny inputs, one run: checks the benchmark works (tests/integration/test_bench_smoke.py)")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"needs Debian's chromium at {CHROMIUM} (apt-get install -y chromium)")
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    xlsx = work / "smoke" / XLSX.name if args.smoke else XLSX
    if args.smoke:
        args.repeat = 1
    make_files(xlsx, work / "smoke" / "unused.csv" if args.smoke else CSV, smoke=args.smoke)
    from playwright.sync_api import sync_playwright

    files = []
    for year in range(2001, 2003 + args.repeat):  # a year per upload: a cold preview cache every time
        files.append(work / f"programa_ejecucion_{year}_5mb.xlsx")
        shutil.copyfile(xlsx, files[-1])
    size_mb = files[0].stat().st_size / 1e6
    proc, url = start_product(work / "data", free_port(), example_run=False)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="es-CL")
            signed = context.request.post(f"{url}/workbench/auth/login", form={"username": ADMIN_USER,
                                                                                "password": ADMIN_PASSWORD})
            assert signed.ok, signed.text()  # pages require sign-in: the context now holds the session cookie
            page = context.new_page()
            _time_upload(page, url, files[0])  # warm-up: first compile of the page, first GX use
            cold = [_time_upload(page, url, f) for f in files[1: 1 + args.repeat]]
            cached = [_time_upload(page, url, files[1]) for _ in range(args.repeat)]
            browser.close()
    finally:
        stop_group(proc)
        shutil.rmtree(work, ignore_errors=True)
    rows = [
        ("5 MB xlsx: choose file -> preview rendered (cold cache)", f"<= {TARGET_S:.0f} s", statistics.median(cold)),
        ("5 MB xlsx: choose file -> preview rendered (cached)", f"<= {TARGET_S:.0f} s", statistics.median(cached)),
    ]
    print(f"{XLSX.name}: {size_mb:.1f} MB; medians of {args.repeat} after one warm-up; "
          f"cold runs: {', '.join(f'{t:.2f}' for t in cold)} s")
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}} | {'target':>6} | {'measured':>8} | result")
    for name, target, seconds in rows:
        print(f"{name:<{width}} | {target:>6} | {seconds:>6.2f} s | {'PASS' if seconds <= TARGET_S else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
