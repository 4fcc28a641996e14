"""One settings class for the whole product (``WORKBENCH_*`` environment variables), read via a cached getter."""

from __future__ import annotations

import ipaddress
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from workbench.engine.core.errors import WorkbenchError

#: Values that are never accepted as secrets in production.
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "change_me", "secret", "password", "admin", "placeholder",
                                 "todo", "xxx", "default", "example", "test", "123456", "contraseña", "cambiar"})

#: Largest RAW file accepted by the engine, in bytes (uploads are bounded while streaming by the web layer).
DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024


#: How spec checks are evaluated (``WORKBENCH_QA_ENGINE``; read per validation by validation/runner.py).
QAEngine = Literal["auto", "gx"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WORKBENCH_", extra="ignore")

    specs_dir: Path = Field(default=Path("specs"), description="Directory of dataset specs (`<slug>.yaml`).")
    data_dir: Path = Field(default=Path("data"), description="Where the product keeps its files (RAW store, SQLite, ...).")
    max_upload_bytes: int = Field(default=DEFAULT_MAX_UPLOAD_BYTES, ge=1, description="Largest RAW file accepted, bytes.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the metadata store; default: SQLite at <data_dir>/workbench.db. "
        "PostgreSQL: postgresql+psycopg://user:password@host:5432/db",
    )
    files_dir: Path | None = Field(default=None, description="RAW file store directory; default <data_dir>/raw.")
    runs_dir: Path | None = Field(default=None, description="Run outputs directory; default <data_dir>/runs.")
    storage_url: str | None = Field(
        default=None,
        description="Object storage for RAW files and run outputs, so workers on other machines can read them: "
        "s3://bucket or s3://bucket/prefix (any S3-compatible server; credentials from the AWS environment: "
        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws or an instance role). Default: the local folders "
        "<data_dir>/raw and <data_dir>/runs.")
    storage_endpoint_url: str | None = Field(
        default=None, description="The S3-compatible server for storage_url (http(s)://host:port; default: AWS, or "
        "AWS_ENDPOINT_URL).")
    storage_region: str | None = Field(default=None, description="The bucket's region for storage_url (default: the "
                                       "AWS environment's).")
    user: str = Field(default="", description="Who triggers CLI runs (default: the OS user).")
    redis_url: str | None = Field(
        default=None,
        description="Redis for the preview cache, locks, events and RQ (redis://127.0.0.1:6379/0); default: an "
        "embedded Redis started in <data_dir>/redis, listening on a unix socket only.",
    )
    qa_engine: QAEngine = Field(
        default="auto", description="How spec checks are evaluated: auto (vectorised, GX only for the checks the "
        "vectorised path leaves to it) or gx (every check through Great Expectations, the oracle).")
    cache_ttl_s: int = Field(default=7 * 24 * 3600, ge=1, description="How long a cached preview lives, seconds.")
    cache_max_entry_bytes: int = Field(default=16 * 1024 * 1024, ge=1024, description="Largest preview cached, bytes.")
    cache_max_total_bytes: int = Field(default=512 * 1024 * 1024, ge=1024, description="Preview cache size bound, bytes.")
    lock_ttl_s: int = Field(default=30, ge=2, description="Dataset lock lifetime without a heartbeat, seconds.")
    lock_wait: bool = Field(default=True, description="A second run of a locked dataset waits (true) or is refused.")
    lock_wait_timeout_s: int = Field(default=3600, ge=0, description="How long a waiting run waits for the lock, seconds.")
    events_maxlen: int = Field(default=100_000, ge=100, description="Events kept in the stream (approximate bound).")
    job_timeout_s: int = Field(default=1800, ge=10, description="RQ job timeout, seconds.")
    webhook_urls: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="URLs that receive a JSON POST when a run's QA fails (JSON list or comma-separated).",
    )
    webhook_timeout_s: float = Field(default=5.0, gt=0, le=60, description="Timeout of one webhook call, seconds.")
    webhook_retries: int = Field(default=3, ge=0, le=10, description="Retries of a failed webhook call.")
    docs_dir: Path | None = Field(default=None, description="Data Docs site directory; default <data_dir>/docs.")
    incoming_dir: Path | None = Field(
        default=None, description="The only server folder (besides the bundled examples) that backfills started "
        "from the web app or the API may read; default <data_dir>/incoming. Never the data directory itself: it "
        "holds the database, secrets and other users' files.")
    environment: Literal["development", "production"] = Field(
        default="development",
        description="`production` refuses placeholder secrets and marks session cookies Secure.")
    session_ttl_s: int = Field(default=12 * 3600, ge=60, description="Lifetime of a browser session, seconds.")
    token_ttl_days: int = Field(default=90, ge=1, le=3650, description="Default lifetime of an API token, days.")
    login_max_failures: int = Field(default=5, ge=1, description="Failed sign-ins allowed per user and address "
                                    "within `login_lockout_s` before further attempts are refused.")
    login_lockout_s: int = Field(default=900, ge=1, description="Window and lock-out time of failed sign-ins, seconds.")
    auth_basic: bool = Field(default=False, description="Accept HTTP Basic (username:password) on the API for scripts.")
    admin_username: str | None = Field(default=None, description="First start: create this admin (with "
                                       "`WORKBENCH_ADMIN_PASSWORD`) if there is no user yet.")
    admin_password: SecretStr | None = Field(default=None, description="Password of the first admin (first start only).")
    admin_secret: SecretStr | None = Field(
        default=None,
        description="Signs the admin dashboard's cookies (CSRF); default: a random secret kept in "
        "<data_dir>/admin_secret, shared by the web server's processes.",
    )
    public_url: str | None = Field(
        default=None, description="The address browsers use to reach the web app when it is not "
        "http://<host>:<port> (a reverse proxy with its own name or TLS). The pages connect back to it, and it is "
        "the only origin allowed cross-origin requests with credentials and the websocket.")
    # --- publication (docs/publication.md): gold tables released with a four-eyes sign-off ---
    publish_url: str | None = Field(
        default=None, description="Where gold tables are published: postgresql+psycopg://... (schema "
        "`publish_schema`) or sqlite:///file. Default: the metadata database when it is PostgreSQL, else the SQLite "
        "file <data_dir>/gold.sqlite (its tables read as gold.<slug> after ATTACH ... AS gold).")
    publish_schema: str = Field(default="gold", pattern=r"^[a-z_][a-z0-9_]{0,62}$",
                                description="PostgreSQL schema of the published tables.")
    release_ttl_h: int = Field(default=72, ge=1, le=24 * 365, description="A proposed release not approved within "
                               "this many hours expires, hours.")
    public_changelog: bool = Field(default=False, description="Serve the datasets' changelog feeds (JSON, Atom) "
                                   "without sign-in, for an external site (they name releases, counts and people).")
    pgadmin_url: str | None = Field(default=None, description="Link to a pgAdmin (or similar) shown under Herramientas.")
    # --- input limits (docs/security.md): hostile or broken files are refused before they are parsed ---
    max_zip_uncompressed_bytes: int = Field(default=300 * 1024 * 1024, ge=1024,
                                            description="Largest total uncompressed size of a workbook's zip, bytes.")
    max_zip_entries: int = Field(default=10_000, ge=1, description="Most entries in a workbook's zip.")
    max_zip_ratio: int = Field(default=200, ge=10, description="Highest compression ratio of one zip entry "
                               "(entries of 1 MiB or more uncompressed).")
    max_xls_bytes: int = Field(default=64 * 1024 * 1024, ge=1024, description="Largest .xls (OLE) workbook, bytes.")
    max_rows: int = Field(default=2_000_000, ge=1, description="Most rows in a CSV or a sheet.")
    max_columns: int = Field(default=2_000, ge=1, description="Most columns in a CSV or a sheet.")
    max_cells: int = Field(default=10_000_000, ge=1, description="Most cells (rows x columns) in a CSV or a sheet.")
    max_cell_chars: int = Field(default=32_767, ge=1, description="Longest cell, characters (Excel's own limit).")
    upload_rate_per_principal: int = Field(default=30, ge=0, description="Uploads (previews + runs) one principal "
                                           "may make per window; 0 = no limit.")
    upload_rate_global: int = Field(default=300, ge=0, description="Uploads all principals together may make per "
                                    "window; 0 = no limit.")
    upload_rate_window_s: int = Field(default=60, ge=1, description="Rate-limit window, seconds (sliding).")
    heavy_slots: int | None = Field(default=None, ge=1, le=256, description="Previews and runs one server process "
                                    "computes at once (more wait their turn): bounds its peak memory; default: the "
                                    "CPUs it may use.")
    # --- OpenLineage (docs/lineage.md): every run and publication as START/COMPLETE/FAIL events ---
    openlineage_transport: Literal["file", "console", "http", "none"] | None = Field(
        default=None, description="Where OpenLineage events go: file (NDJSON, the default), console (the log), "
        "http (a Marquez-compatible endpoint: WORKBENCH_OPENLINEAGE_URL) or none. Unset with the client's own "
        "OPENLINEAGE_URL or OPENLINEAGE__TRANSPORT__* variables set: the client's configuration.")
    openlineage_url: str | None = Field(default=None, description="Base URL of the OpenLineage HTTP endpoint "
                                        "(e.g. http://127.0.0.1:5000 for Marquez).")
    openlineage_endpoint: str = Field(default="api/v1/lineage", description="Path of the endpoint under the URL.")
    openlineage_api_key: SecretStr | None = Field(default=None, description="Bearer token for the endpoint.")
    openlineage_namespace: str = Field(default="workbench", min_length=1, max_length=200,
                                       description="Namespace of the Workbench's jobs and layer tables.")
    openlineage_file: Path | None = Field(default=None, description="The file transport's NDJSON file; default "
                                          "<data_dir>/openlineage/events.ndjson.")
    openlineage_timeout_s: float = Field(default=5.0, gt=0, le=60, description="Timeout of one HTTP send, seconds.")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses of reverse proxies in front of the server (comma-separated IPs). Only from these "
        "is X-Forwarded-For believed, to find the client's address for sign-in lock-outs.")
    # --- automation (docs/automation.md): the scheduler of schedules and inboxes ---
    scheduler_tick_s: float = Field(default=1.0, ge=0.05, le=60, description="How often the scheduler looks at "
                                    "schedules, inboxes and its runs, seconds (inboxes are polled: works on NFS/CIFS).")
    scheduler_lease_s: float = Field(default=15.0, ge=1, le=300, description="The leader's lease: a scheduler that "
                                     "died is replaced within this many seconds (plus one tick).")
    scheduler_grace_s: float = Field(default=300.0, ge=0, le=86_400, description="A fire at most this late is on "
                                     "time; older ones were missed (the scheduler was down): the schedule's "
                                     "`catchup` decides, seconds.")

    @field_validator("openlineage_url")
    @classmethod
    def _openlineage_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not str(value).startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("database_url", "publish_url")
    @classmethod
    def _supported_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("postgresql+psycopg://", "sqlite:///")):
            raise ValueError("must start with postgresql+psycopg:// or sqlite:/// "
                             "(e.g. postgresql+psycopg://user:password@127.0.0.1:5432/workbench)")
        return value

    @model_validator(mode="after")
    def _no_placeholder_secrets(self) -> "Settings":
        """Outside development a secret left at a placeholder (or too short to resist guessing) is refused."""
        if self.environment != "production":
            return self
        if self.redis_url and self.redis_url.startswith("redis://") and "@" not in self.redis_url \
                and not _loopback(self.redis_url):
            raise ValueError("WORKBENCH_REDIS_URL points to another host without a password; in production use "
                             "rediss:// or redis://:password@host (Redis holds sessions and the web app's state)")
        for name, minimum in (("admin_secret", 32), ("admin_password", 12)):
            value = getattr(self, name)
            if value is None:
                continue
            text = value.get_secret_value()
            if text.strip().lower() in PLACEHOLDER_SECRETS or len(text) < minimum:
                raise ValueError(f"WORKBENCH_{name.upper()} is a placeholder or shorter than {minimum} characters; "
                                 "set a real secret (production refuses placeholders)")
        return self

    @field_validator("webhook_urls", mode="before")
    @classmethod
    def _webhooks(cls, value: Any) -> Any:
        if isinstance(value, str):  # WORKBENCH_WEBHOOK_URLS=https://a,https://b (a JSON list works too)
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else [p.strip() for p in text.split(",") if p.strip()]
        for url in value or []:
            if not str(url).startswith(("http://", "https://")):
                raise ValueError(f"webhook URLs must start with http:// or https:// (got {str(url)[:40]!r})")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else [p.strip() for p in text.split(",") if p.strip()]
        for item in value or []:
            ipaddress.ip_address(str(item))  # a ValueError names a bad address
        return value

    @field_validator("storage_url")
    @classmethod
    def _storage_url(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        parts = urlsplit(value.strip())
        if parts.scheme != "s3" or not parts.netloc or parts.username or parts.password or parts.query \
                or parts.fragment:
            raise ValueError("must look like s3://bucket or s3://bucket/prefix (credentials come from the AWS "
                             "environment, never from the URL)")
        return value.strip()

    @field_validator("storage_endpoint_url")
    @classmethod
    def _storage_endpoint(cls, value: str | None) -> str | None:
        if value is None or value.strip() == "":
            return None
        if not value.startswith(("http://", "https://")) or "@" in urlsplit(value).netloc:
            raise ValueError("must be http(s)://host:port, without credentials")
        return value.strip()

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'workbench.db').resolve()}"

    @property
    def publication_url(self) -> str:
        """The gold target: ``publish_url``, else the metadata database when it is PostgreSQL, else a SQLite file."""
        if self.publish_url:
            return self.publish_url
        if self.database_url and self.database_url.startswith("postgresql"):
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'gold.sqlite').resolve()}"

    @property
    def raw_dir(self) -> Path:
        return self.files_dir or self.data_dir / "raw"

    @property
    def outputs_dir(self) -> Path:
        return self.runs_dir or self.data_dir / "runs"

    @property
    def site_dir(self) -> Path:
        return self.docs_dir or self.data_dir / "docs"

    @property
    def incoming(self) -> Path:
        return self.incoming_dir or self.data_dir / "incoming"

    @property
    def lineage_dir(self) -> Path:
        """OpenLineage's files: the NDJSON file of the file transport and the spool of events not yet sent."""
        return self.data_dir / "openlineage"

    @property
    def lineage_transport(self) -> str:
        """file | console | http | none, or ``client``: the client's own environment configuration."""
        if self.openlineage_transport is not None:
            return self.openlineage_transport
        if self.openlineage_url:
            return "http"
        if any(k == "OPENLINEAGE_URL" or k.startswith("OPENLINEAGE__TRANSPORT") for k in os.environ):
            return "client"
        return "file"


def _loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


class SettingsError(WorkbenchError):
    code = "settings-invalid"
    kind = "internal"
    title = "Invalid settings"
    template = "{message}"
    template_es = "{message}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings; a bad value is one clear message naming the variable (never its value,
    which may hold a password)."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = [(f"WORKBENCH_{'_'.join(str(p) for p in err['loc']).upper()}: " if err["loc"] else "")
                 + err["msg"].removeprefix("Value error, ") for err in exc.errors()]
        raise SettingsError("; ".join(lines)) from None
