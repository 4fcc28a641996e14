"""The sign-in failure counter's in-process fallback (Redis down): attempts leave the count once they are
``login_lockout_s`` old, timed by the counter's clock (faked here: no sleeping through the window)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.engine.app.lockout import FailureCounter
from workbench.engine.core.settings import Settings

KEY = "ana|203.0.113.7"


class FakeClock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, login_lockout_s=60)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def counter(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> FailureCounter:
    """A counter whose Redis is down: every call falls back to counting in this process."""
    counter = FailureCounter(clock=clock)

    def redis_down(settings: Settings):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(counter, "_redis", redis_down)
    return counter


def test_attempts_count_within_the_window_and_leave_it_after_login_lockout_s(counter, clock, settings):
    assert counter.attempt(KEY, settings) == 1
    clock.now += 30
    assert counter.attempt(KEY, settings) == 2
    clock.now += 29  # 59 s after the first
    assert counter.count(KEY, settings) == 2
    clock.now += 1  # 60 s after the first: it has left the window
    assert counter.count(KEY, settings) == 1
    assert counter.attempt(KEY, settings) == 2
    clock.now += 60  # every attempt is 60 s old or more
    assert counter.count(KEY, settings) == 0


def test_added_failures_follow_the_same_window_and_clear_forgets_them(counter, clock, settings):
    counter.add(KEY, settings)
    counter.add(KEY, settings)
    assert counter.count(KEY, settings) == 2
    assert counter.count("other|203.0.113.8", settings) == 0  # per key
    clock.now += 60
    assert counter.count(KEY, settings) == 0
    counter.add(KEY, settings)
    counter.clear(KEY, settings)
    assert counter.count(KEY, settings) == 0
