"""Real files (DIPRES publications and peer-project corpora) live outside the repo, in ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` relative to the repo root; the test is skipped when it is not there."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not available at {SHARED_DATA.resolve()}")
    return SHARED_DATA.resolve()


CHROMIUM = Path("/usr/bin/chromium")


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI (``.ci/run`` sets WORKBENCH_REQUIRE_BROWSER) the browser tests must run: no browser is an error.
    Fixtures of any scope call the engine as the local operator (see ``_operator_acts``)."""
    import os

    from workbench.engine.app import access

    access.set_process_default(access.SYSTEM)

    if os.environ.get("WORKBENCH_REQUIRE_BROWSER") and not CHROMIUM.exists():
        raise pytest.UsageError(f"WORKBENCH_REQUIRE_BROWSER is set but {CHROMIUM} is missing (apt-get install chromium)")


#: Session fixtures that must start after every other test of a worker (see below).
LAST = {"chromium", "product"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests and the tests of the session's running product run last (in each xdist worker too: the
    scheduler hands tests out in this order). The session's Playwright keeps its event loop marked as running in
    the main thread until the session ends, so a test after it that calls ``asyncio.run`` would fail ("cannot be
    called from a running event loop"); and a product started later in the same worker (the live-server and
    schemathesis modules, the browser benchmarks) rebuilds the worker's web directory for its own port, leaving
    the session product's pages connecting to a server that is gone."""
    items.sort(key=lambda item: bool(LAST & set(getattr(item, "fixturenames", ()))))  # stable: order kept otherwise


@pytest.fixture(autouse=True)
def _operator_acts() -> None:
    """Tests call the engine as the CLI does: as the local operator (``access.SYSTEM``), unless a test signs in
    as someone (``access.acting_as``) or clears it to test the closed default. Set before every test, so a test
    that changes it cannot leak its choice into the next."""
    from workbench.engine.app import access

    access.set_process_default(access.SYSTEM)
