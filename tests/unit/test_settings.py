"""Settings: secrets left at placeholders are refused in production, and their values are never printed."""

from __future__ import annotations

import pytest

from workbench.engine.core.settings import Settings


def test_production_refuses_placeholder_secrets(monkeypatch):
    from workbench.engine.core.settings import SettingsError, get_settings

    monkeypatch.setenv("WORKBENCH_ENVIRONMENT", "production")
    monkeypatch.setenv("WORKBENCH_ADMIN_SECRET", "changeme")
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError, match="^WORKBENCH_ADMIN_SECRET is a placeholder") as err:
            get_settings()
        assert "changeme" not in err.value.message  # the value itself is never printed
        monkeypatch.setenv("WORKBENCH_ADMIN_SECRET", "x" * 40)
        get_settings.cache_clear()
        assert get_settings().environment == "production"
        monkeypatch.setenv("WORKBENCH_ENVIRONMENT", "development")
        monkeypatch.setenv("WORKBENCH_ADMIN_SECRET", "changeme")
        get_settings.cache_clear()
        assert get_settings().admin_secret.get_secret_value() == "changeme"  # development tolerates it
    finally:
        get_settings.cache_clear()


def test_production_refuses_a_remote_redis_without_a_password() -> None:
    """Redis holds the web app's state (session cookies included): not on another host without auth."""
    import pydantic

    secret = {"admin_secret": "s" * 40}
    with pytest.raises(pydantic.ValidationError, match="without a password"):
        Settings(environment="production", redis_url="redis://10.0.0.5:6379/0", **secret)
    Settings(environment="production", redis_url="redis://:una-clave@10.0.0.5:6379/0", **secret)
    Settings(environment="production", redis_url="rediss://10.0.0.5:6380/0", **secret)
    Settings(environment="production", redis_url="redis://127.0.0.1:6379/0", **secret)
    Settings(environment="development", redis_url="redis://10.0.0.5:6379/0")


def test_trusted_proxies_are_ip_addresses() -> None:
    import pydantic

    assert Settings(trusted_proxies="127.0.0.1, ::1").trusted_proxies == ["127.0.0.1", "::1"]
    with pytest.raises(pydantic.ValidationError):
        Settings(trusted_proxies="proxy.example")
