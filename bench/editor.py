"""Rule editor benchmark (issue 19): an edit at step N and its preview on a 1,000-row sample.

    .venv/bin/python bench/editor.py [--repeat 7] [--rows 1000] [--smoke]

What the analyst waits for after changing a step is one ``edit_draft`` (the edit applied to the YAML text,
validated, saved in the store) and one ``preview_draft_step`` of that step (the draft read back, the sample from
its cache, the steps before it from the prefix cache, that step and every later one recomputed for the status
strip). Both run here as the web app and the API run them: the use cases over a temporary SQLite store.

For each step position N of the spec, each repetition clears the preview caches, warms them up to step N-1 (as
the previous preview left them), then times the edit of step N plus its preview. Targets (the issue): an edit
at the last step previews in <= 300 ms (median), an edit at any step in <= 1 s at p95 over all steps and
repetitions. The first preview of a newly chosen file (reading it) is shown without a target.

Inputs: the generated execution CSV (60 programs, ``dipres_ejecucion``) and, when ../shared is present, the real
2017 budget law (9,283 rows, ``dipres_ley``). ``--smoke``: a 50-row sample, one repetition
(tests/integration/test_bench_smoke.py), so that the benchmark cannot rot.
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

from tests.data.workbench.drift_variants import OTHER_PROGRAMS  # noqa: E402
from tests.data.workbench.generate import execution_csv  # noqa: E402
from workbench.engine.app import access, editor  # noqa: E402
from workbench.engine.core import editor_preview  # noqa: E402
from workbench.engine.core.settings import Settings  # noqa: E402
from workbench.engine.core.spec.loader import parse_spec  # noqa: E402
from workbench.engine.store.files import RawFileStore  # noqa: E402
from _report import print_table  # noqa: E402  (bench/ is on sys.path: the script's folder)

TARGET_LAST_MS = 300.0
TARGET_ANY_P95_MS = 1000.0
REAL_LAW = ROOT.parent / "shared" / "data" / "dipres" / "elaval_ley2017_nacional.csv"


def generated() -> bytes:
    programs = [OTHER_PROGRAMS[i % len(OTHER_PROGRAMS)][:2] + (f"{i:02d}",) for i in range(60)]
    return execution_csv(programs, month=4)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def measure(settings: Settings, slug: str, data: bytes, filename: str, params: dict, rows: int,
            repeat: int) -> dict:
    sha, _, _ = RawFileStore(settings).put(data)
    draft = editor.create_draft(slug, settings, fresh=True)
    draft = editor.set_draft_sample(draft.id, sha, filename=filename, params=params, settings=settings)
    positions = [(layer.name, step.index, step.step) for layer in draft.layers for step in layer.steps]
    editor_preview.clear_caches()
    started = time.perf_counter()
    editor.preview_draft_step(draft.id, layer=positions[0][0], index=positions[0][1], rows=rows, settings=settings)
    cold_ms = (time.perf_counter() - started) * 1000
    by_step: dict[tuple[str, int], list[float]] = {}
    spec = parse_spec(draft.yaml)
    sample = editor_preview.load_sample(data, spec, sha256=sha, filename=filename, params=params, rows=rows)
    keys = editor_preview.prefix_keys(spec, sample)
    for _ in range(repeat):
        for n, (layer, index, step) in enumerate(positions):
            editor_preview.clear_caches()  # the sample is read again below, untimed
            editor.preview_draft_step(draft.id, layer=layer, index=index, rows=rows, settings=settings)
            editor_preview.forget(keys[n:])  # as after an edit at step N: the steps before it stay cached
            started = time.perf_counter()
            draft = editor.edit_draft(draft.id, {"op": "update_step", "layer": layer, "index": index, "step": step},
                                      settings=settings)
            doc = editor.preview_draft_step(draft.id, layer=layer, index=index, rows=rows, settings=settings)
            by_step.setdefault((layer, index), []).append((time.perf_counter() - started) * 1000)
            assert doc["error"] is None, doc["error"]
            assert doc["cached_prefix"] == n, (doc["cached_prefix"], n)  # only step N on were recomputed
    last = by_step[(positions[-1][0], positions[-1][1])]
    every = [v for values in by_step.values() for v in values]
    worst = max(by_step.items(), key=lambda item: statistics.median(item[1]))
    return {"cold_ms": cold_ms, "last_ms": statistics.median(last), "p95_ms": p95(every), "steps": len(positions),
            "sample_rows": doc["sample_rows"], "file_rows": doc["file_rows"],
            "worst": f"{worst[0][0]}[{worst[0][1]}] {statistics.median(worst[1]):.0f} ms"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--rows", type=int, default=editor_preview.SAMPLE_ROWS)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    repeat, rows = (1, 50) if args.smoke else (args.repeat, args.rows)
    access.set_process_default(access.SYSTEM)
    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-editor-"))
    try:
        specs = tmp / "specs"
        shutil.copytree(ROOT / "specs", specs)
        settings = Settings(data_dir=tmp / "data", specs_dir=specs)  # the embedded SQLite store, migrated on first use
        cases = [("dipres_ejecucion", generated(), "ejecucion_2017_abril.csv", {}, "generated execution CSV")]
        if REAL_LAW.exists() and not args.smoke:
            cases.append(("dipres_ley", REAL_LAW.read_bytes(), REAL_LAW.name, {}, "real 2017 budget law"))
        table = []
        for slug, data, filename, params, label in cases:
            m = measure(settings, slug, data, filename, params, rows, repeat)
            print(f"{label}: {m['file_rows']:,} data rows, sample {m['sample_rows']:,}, {m['steps']} steps, "
                  f"{repeat} repetitions; slowest step (median) {m['worst']}")
            table += [
                (f"{slug}: edit at the last step + preview (median)", f"<= {TARGET_LAST_MS:.0f} ms",
                 f"{m['last_ms']:.0f} ms", m["last_ms"] <= TARGET_LAST_MS),
                (f"{slug}: edit at any step + preview (p95)", f"<= {TARGET_ANY_P95_MS:.0f} ms", f"{m['p95_ms']:.0f} ms",
                 m["p95_ms"] <= TARGET_ANY_P95_MS),
                (f"{slug}: first preview of a newly chosen file", "", f"{m['cold_ms']:.0f} ms", None),
            ]
        print_table(table)
        return 0 if all(ok is not False for *_, ok in table) or args.smoke else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
