"""Web app benchmark (issue 6): first load of /workbench in headless Chromium with 1,000 datasets in the store.

    .venv/bin/python bench/web.py [--datasets 1000] [--repeat 7] [--smoke]

Starts the real product (`workbench serve`: production build, one port) over a temporary data directory
(SQLite, embedded Redis) whose specs directory holds N generated specs; the first 100 datasets get 12 recorded
runs each, so the list shows statuses, row counts and run-history charts. Each measurement opens /workbench in
a fresh browser context (empty cache) and times from navigation start until the page's load event has fired
and the first page of rows is rendered; the median of --repeat loads after warm-ups is compared with the
target. Needs Debian's chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import (  # noqa: E402
    ADMIN_PASSWORD, ADMIN_USER, ARGS, CHROMIUM, free_port, start_product, stop_group)

TARGET_MS = 1000
PAGE_ROWS = 25
RUNS_PER_DATASET = 12
DATASETS_WITH_RUNS = 100
WARM_UPS = 3


from workbench.engine.app import access as _access  # noqa: E402
_access.set_process_default(_access.SYSTEM)  # benchmarks act as the local operator, like the CLI


def make_specs(specs_dir: Path, n: int) -> None:
    """``n`` copies of the budget-law spec under new slugs and titles (what a large catalogue looks like)."""
    template = (ROOT / "specs" / "dipres_ley.yaml").read_text(encoding="utf-8")
    specs_dir.mkdir(parents=True)
    for i in range(n):
        slug = f"ds_{i:04d}"
        text = template.replace("slug: dipres_ley", f"slug: {slug}").replace(
            "title: Ley de Presupuestos (DIPRES)", f"title: Conjunto de datos {i:04d} (DIPRES)")
        (specs_dir / f"{slug}.yaml").write_text(text, encoding="utf-8")


def seed_runs(data_dir: Path, specs_dir: Path) -> None:
    """Recorded runs (statuses and row counts only: the list never reads their tables)."""
    os.environ.update({"WORKBENCH_DATA_DIR": str(data_dir), "WORKBENCH_SPECS_DIR": str(specs_dir)})
    from workbench.engine.app import datasets
    from workbench.engine import api
    from workbench.engine.store import runs
    from workbench.engine.store.db import session_scope
    from workbench.engine.store.models import Dataset, SpecVersion
    from sqlmodel import select

    datasets.sync_specs()
    rng = random.Random(6)
    with session_scope(api.prepare_store()) as session:
        rows = session.exec(select(Dataset.id, SpecVersion.id).join(SpecVersion, SpecVersion.dataset_id == Dataset.id)
                            .order_by(Dataset.slug).limit(DATASETS_WITH_RUNS)).all()
        for dataset_id, version_id in rows:
            for j in range(RUNS_PER_DATASET):
                run_id = runs.create_run(session=session, dataset_id=dataset_id, spec_version_id=version_id,
                                         file_id=None, inputs=[{"name": f"ley_{j}.csv"}], key=f"{dataset_id}-{j}",
                                         params={}, triggered_by="bench", status="running")
                ok = rng.random() > 0.15
                runs.update_run(run_id, session=session, status="succeeded" if ok else "failed",
                                qa_status=rng.choice(["passed", "passed", "warning", "failed"]) if ok else "not_run",
                                row_counts={"bronze": 2400 + j, "silver": 4800 + 2 * j} if ok else None)


def first_load_ms(browser, url: str, screenshot: str | None = None) -> tuple[float, float]:
    """(ms until load + rows rendered, ms until the run-history charts are drawn too)."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    base = url.split("/workbench")[0]
    signed = context.request.post(f"{base}/workbench/auth/login", form={"username": ADMIN_USER,
                                                                         "password": ADMIN_PASSWORD})
    assert signed.ok, signed.text()  # the session cookie is now the context's (pages require sign-in)
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("http://127.0.0.1", "data:"))
               else r.abort())
    page.goto(url, wait_until="load")
    # Locator waits, not wait_for_function: the product's CSP forbids the string evaluation that one uses.
    page.locator("tr.dataset-row").nth(PAGE_ROWS - 1).wait_for(state="attached")
    rows_ms = page.evaluate("performance.now()")
    page.locator("tr.dataset-row .run-history div[title]").first.wait_for(state="attached")
    charts_ms = page.evaluate("performance.now()")
    load_ms = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    if screenshot:
        page.wait_for_timeout(500)
        page.screenshot(path=screenshot)  # what a person sees first
    context.close()
    return max(rows_ms, load_ms), charts_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--screenshot", default=None, help="Save the list as it looks to this PNG.")
    parser.add_argument("--smoke", action="store_true", help="tiny inputs, one run: checks the benchmark works (tests/integration/test_bench_smoke.py)")
    args = parser.parse_args()
    warm_ups = WARM_UPS
    if args.smoke:  # one page of rows and a bit more (the measure waits for a full first page)
        args.datasets, args.repeat, warm_ups = PAGE_ROWS + 5, 1, 1
    if not CHROMIUM.exists():
        print(f"needs Debian's chromium at {CHROMIUM} (apt-get install -y chromium)")
        return 2
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        data_dir, specs_dir = Path(tmp) / "data", Path(tmp) / "specs"
        make_specs(specs_dir, args.datasets)
        started = time.perf_counter()
        seed_runs(data_dir, specs_dir)
        seeded_s = time.perf_counter() - started
        started = time.perf_counter()
        proc, base = start_product(data_dir, free_port(), extra_env={"WORKBENCH_SPECS_DIR": str(specs_dir)},
                                   example_run=False)
        start_s = time.perf_counter() - started
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                for _ in range(warm_ups):  # every server process has served a page
                    first_load_ms(browser, base + "/workbench")
                samples = [first_load_ms(browser, base + "/workbench") for _ in range(args.repeat)]
                if args.screenshot:
                    first_load_ms(browser, base + "/workbench", args.screenshot)
                browser.close()
        finally:
            stop_group(proc)
    rows = statistics.median(s[0] for s in samples)
    charts = statistics.median(s[1] for s in samples)
    print(f"{args.datasets} datasets ({min(DATASETS_WITH_RUNS, args.datasets)} with {RUNS_PER_DATASET} runs); seeded in {seeded_s:.1f} s; "
          f"serve ready in {start_s:.1f} s (includes the build when sources changed); median of {args.repeat}")
    print(f"{'measure':<52} {'target':>10} {'measured':>10}  result")
    print(f"{'first load of /workbench, rows rendered (ms)':<52} {'<= ' + str(TARGET_MS):>10} {rows:>10.0f}  "
          f"{'PASS' if rows <= TARGET_MS else 'FAIL'}")
    print(f"{'  ... and run-history charts drawn (ms)':<52} {'-':>10} {charts:>10.0f}")
    print(f"{'  all samples, rows (ms)':<52} {'':>10} {' '.join(f'{s[0]:.0f}' for s in samples)}")
    return 0 if args.smoke or rows <= TARGET_MS else 1  # a smoke run checks the benchmark works, not the target


if __name__ == "__main__":
    sys.exit(main())
