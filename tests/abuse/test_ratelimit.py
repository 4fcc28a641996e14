"""Upload rate limits: per principal and global, in Redis (``wb:ratelimit:*``), 429 problem with Retry-After;
with Redis down the limits hold per process and the fallback is logged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from tests.abuse.hostile import csv_with
from workbench.api.app import create_api
from workbench.engine.app.uploads import RateLimitedError, UploadLimiter
from workbench.engine.core.settings import Settings


def _settings(tmp_path: Path, redis_url: str | None = None, **limits: int) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path}/wb.db", redis_url=redis_url,
                    specs_dir=tmp_path, user="ana", **limits)


@pytest.fixture
def flushed(redis_server: str) -> str:
    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    yield redis_server
    client.flushdb()
    client.close()


def _signed_in(settings) -> TestClient:
    """The API as a signed-in analyst (the limits count per principal)."""
    from workbench.engine.app import accounts
    from workbench.engine.store.migrate import upgrade

    upgrade(settings.db_url)
    accounts.add_user("ana", "clave-de-limites-2026", "analyst", settings)
    token = accounts.create_token("ana", "limits", settings=settings)
    return TestClient(create_api(settings), raise_server_exceptions=False,
                      headers={"authorization": f"Bearer {token}"})


def test_the_third_upload_in_a_window_is_a_429_with_retry_after(tmp_path: Path, flushed: str):
    settings = _settings(tmp_path, flushed, upload_rate_per_principal=2, upload_rate_global=100)
    with _signed_in(settings) as client:
        files = {"file": ("a.csv", csv_with("1"))}
        assert [client.post("/workbench/preview", files=files).status_code for _ in range(2)] == [200, 200]
        refused = client.post("/workbench/preview", files=files)
        assert client.get("/workbench/health").status_code in (200, 503)  # other routes are not counted
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    body = refused.json()
    assert body["code"] == "rate-limited" and body["details"]["scope"] == "principal"
    assert body["message_es"].startswith("demasiadas subidas (por usuario: 2 cada 60 s)")
    keys = redis.Redis.from_url(flushed).keys("wb:ratelimit:*")
    assert keys and all(k.startswith(b"wb:ratelimit:uploads:") for k in keys)


def test_runs_are_counted_with_previews(tmp_path: Path, flushed: str):
    settings = _settings(tmp_path, flushed, upload_rate_per_principal=1, upload_rate_global=100)
    with _signed_in(settings) as client:
        assert client.post("/workbench/preview", files={"file": ("a.csv", csv_with("1"))}).status_code == 200
        refused = client.post("/workbench/runs", files={"file": ("a.csv", csv_with("1"))}, data={"dataset": "x"})
    assert refused.status_code == 429


def test_the_global_limit_counts_every_principal(flushed: str, tmp_path: Path):
    limiter = UploadLimiter(_settings(tmp_path, flushed, upload_rate_per_principal=10, upload_rate_global=3),
                            redis.Redis.from_url(flushed))
    for name in ("ana", "bob", "eva"):
        limiter.check(name, now=1000.0)
    with pytest.raises(RateLimitedError) as err:
        limiter.check("zoe", now=1001.0)
    assert err.value.details["scope"] == "global"


def test_the_window_slides(tmp_path: Path):
    limiter = UploadLimiter(_settings(tmp_path, upload_rate_per_principal=4, upload_rate_global=0), _DeadRedis())
    limiter._redis_down_until = float("inf")  # counted in memory: the same arithmetic
    for t in (0.0, 1.0, 2.0, 3.0):
        limiter.check("ana", now=6000.0 + t)
    with pytest.raises(RateLimitedError):
        limiter.check("ana", now=6059.0)
    # 30 s into the next window half of the previous one still counts: 4 * 0.5 = 2, so two more fit
    limiter.check("ana", now=6090.0)
    limiter.check("ana", now=6090.5)
    with pytest.raises(RateLimitedError) as err:
        limiter.check("ana", now=6091.0)
    assert err.value.details["retry_after"] >= 1


class _DeadRedis:
    def pipeline(self, **kwargs: object) -> "_DeadRedis":
        raise redis.ConnectionError("Connection refused")

    def decr(self, key: str) -> None:
        raise redis.ConnectionError("Connection refused")


def test_redis_down_falls_back_to_this_process_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    limiter = UploadLimiter(_settings(tmp_path, upload_rate_per_principal=2, upload_rate_global=0), _DeadRedis())
    with caplog.at_level(logging.WARNING, logger="workbench.engine.app.uploads"):
        limiter.check("ana", now=100.0)
        limiter.check("ana", now=101.0)
        with pytest.raises(RateLimitedError):  # never fails open
            limiter.check("ana", now=102.0)
    warnings = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not once per upload


def test_zero_turns_the_limits_off(tmp_path: Path):
    limiter = UploadLimiter(_settings(tmp_path, upload_rate_per_principal=0, upload_rate_global=0), _DeadRedis())
    for i in range(100):
        limiter.check("ana", now=float(i))


class _FullRedis(_DeadRedis):
    def pipeline(self, **kwargs: object) -> "_FullRedis":
        raise redis.ResponseError("OOM command not allowed when used memory > 'maxmemory'")


def test_a_redis_that_refuses_writes_also_falls_back(tmp_path: Path):
    limiter = UploadLimiter(_settings(tmp_path, upload_rate_per_principal=1, upload_rate_global=0), _FullRedis())
    limiter.check("ana", now=100.0)
    with pytest.raises(RateLimitedError):
        limiter.check("ana", now=100.5)
