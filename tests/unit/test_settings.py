"""Settings: secrets left at placeholders are refused in production, and their values are never printed."""

from __future__ import annotations

import pytest


def test_production_refuses_placeholder_secrets(monkeypatch):
    from workbench.engine.settings import SettingsError, get_settings

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
