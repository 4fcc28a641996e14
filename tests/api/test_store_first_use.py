"""The first requests of a fresh web worker arrive together: each used to run the store's one-time
preparation (an Alembic upgrade of the embedded SQLite) at once, and Alembic's process-global command context
failed (KeyError 'config', a 500 on about 1 in 5 of a cold worker's first concurrent exports)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from workbench.engine.core.settings import Settings
from workbench.engine.store import prepare


def test_concurrent_first_use_prepares_the_store_once_without_errors(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data", specs_dir=tmp_path, user="ana")
    url = settings.db_url
    prepare._prepared.discard(url)
    with ThreadPoolExecutor(12) as pool:
        futures = [pool.submit(prepare.prepare_store, settings) for _ in range(24)]
    assert [f.result() for f in futures] == [url] * 24  # .result() re-raises a thread's error
    assert url in prepare._prepared
