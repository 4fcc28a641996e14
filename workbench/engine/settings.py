"""One settings class for the whole product (``WORKBENCH_*`` environment variables), read via a cached getter."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Largest RAW file accepted by the engine, in bytes (uploads are bounded while streaming by the web layer).
DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WORKBENCH_", extra="ignore")

    specs_dir: Path = Field(default=Path("specs"), description="Directory of dataset specs (`<slug>.yaml`).")
    data_dir: Path = Field(default=Path("data"), description="Where the product keeps its files (RAW store, SQLite, ...).")
    max_upload_bytes: int = Field(default=DEFAULT_MAX_UPLOAD_BYTES, ge=1, description="Largest RAW file accepted, bytes.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
