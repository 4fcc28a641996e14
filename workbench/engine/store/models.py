"""The metadata store's tables (SQLModel, owned by the engine) and the read models callers get.

Callers never receive live table rows: repositories return the ``*Public`` read models. JSON columns are
JSONB on PostgreSQL and JSON (text) on SQLite; every timestamp is timezone-aware UTC on both.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel
from sqlmodel._compat import SQLModelConfig

from workbench.engine.core.statuses import BACKFILL_STATUSES, QA_STATUSES, RUN_STATUSES

# Deterministic constraint names, so Alembic migrations are the same on every backend.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class _Table(SQLModel):
    """The tables' base: SQLAlchemy builds them, pydantic never validates them (no schema built at import)."""
    model_config = SQLModelConfig(defer_build=True)


NODE_KINDS = ("raw_file", "dataset_layer", "published_table", "external_system")


class UTCDateTime(sa.TypeDecorator):
    """A timezone-aware UTC timestamp on every backend (SQLite returns naive values: they are UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: use datetime.now(timezone.utc)")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _json(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(JSONType, nullable=nullable))


def _ts(*, index: bool = False, nullable: bool = False, default: bool = True) -> Any:
    return Field(
        default_factory=utcnow if default else lambda: None,
        sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index),
    )


# --- tables ------------------------------------------------------------------------------------------


class Dataset(_Table, table=True):
    __tablename__ = "data_workbench_datasets"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=63, sa_column_kwargs={"unique": True}, index=False)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_type=sa.Text)
    owner: str = Field(default="", max_length=200)
    spec: dict[str, Any] = _json()
    spec_hash: str = Field(max_length=64)
    version: int = Field(default=1)
    layers: list[str] = _json()
    active: bool = Field(default=True, index=True)
    spec_path: str = Field(default="", max_length=500)
    created_at: datetime = _ts()
    updated_at: datetime = _ts(index=True)


class SpecVersion(_Table, table=True):
    __tablename__ = "data_workbench_spec_versions"
    __table_args__ = (
        sa.UniqueConstraint("dataset_id", "version", name="uq_spec_versions_dataset_version"),
        sa.UniqueConstraint("dataset_id", "spec_hash", name="uq_spec_versions_dataset_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int = Field(foreign_key="data_workbench_datasets.id", index=True)
    version: int
    spec_hash: str = Field(max_length=64)
    yaml_text: str = Field(sa_type=sa.Text)
    spec: dict[str, Any] = _json()
    created_at: datetime = _ts()


class RawFile(_Table, table=True):
    __tablename__ = "data_workbench_files"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    size: int = Field(sa_type=sa.BigInteger)
    original_name: str = Field(default="", max_length=500)
    format: str = Field(default="", max_length=10)
    encoding: str | None = Field(default=None, max_length=40)
    delimiter: str | None = Field(default=None, max_length=4)
    sheets: list[str] = _json(nullable=True)
    storage_key: str = Field(max_length=200)
    uploaded_at: datetime = _ts(index=True)
    uploaded_by: str = Field(default="", max_length=200)


class Run(_Table, table=True):
    __tablename__ = "data_workbench_runs"
    __table_args__ = (
        sa.Index("ix_runs_dataset_created", "dataset_id", "created_at"),
        sa.CheckConstraint(f"status IN {RUN_STATUSES}", name="status"),
        sa.CheckConstraint(f"qa_status IN {QA_STATUSES}", name="qa_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int = Field(foreign_key="data_workbench_datasets.id", index=True)
    spec_version_id: int = Field(foreign_key="data_workbench_spec_versions.id", index=True)
    file_id: int | None = Field(default=None, foreign_key="data_workbench_files.id", index=True)
    inputs: list[dict[str, Any]] = _json()
    inputs_key: str = Field(max_length=64, index=True)
    params: dict[str, Any] = _json()
    status: str = Field(default="queued", max_length=12, index=True)
    qa_status: str = Field(default="not_run", max_length=12, index=True)
    timings_ms: dict[str, Any] = _json(nullable=True)
    row_counts: dict[str, Any] = _json(nullable=True)
    timeline: list[dict[str, Any]] = _json(nullable=True)
    control_totals: dict[str, Any] = _json(nullable=True)
    warnings: list[str] = _json(nullable=True)
    warnings_es: list[str] | None = _json(nullable=True)  # the same warnings in Spanish (None: recorded before 0006)
    outputs: dict[str, Any] = _json(nullable=True)
    qa: dict[str, Any] | None = _json(nullable=True)  # the QA report's first page; all failing rows are in outputs
    error: dict[str, Any] | None = _json(nullable=True)
    engine_version: str = Field(default="", max_length=20)
    triggered_by: str = Field(default="", max_length=200)
    backfill_id: int | None = Field(default=None, index=True)
    created_at: datetime = _ts(index=True)
    started_at: datetime | None = _ts(nullable=True, default=False)
    finished_at: datetime | None = _ts(nullable=True, default=False)
    heartbeat_at: datetime | None = _ts(nullable=True, default=False)


class Backfill(_Table, table=True):
    """A batch of runs of one dataset (e.g. a year of monthly files); its progress is its runs' statuses."""

    __tablename__ = "data_workbench_backfills"
    __table_args__ = (sa.CheckConstraint(f"status IN {BACKFILL_STATUSES}", name="status"),)

    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int = Field(foreign_key="data_workbench_datasets.id", index=True)
    params: dict[str, Any] = _json()
    param_from_filename: str | None = Field(default=None, max_length=500)
    force: bool = Field(default=False)
    status: str = Field(default="running", max_length=12, index=True)
    total: int = Field(default=0)
    skipped: list[int] = _json(nullable=True)
    triggered_by: str = Field(default="", max_length=200)
    created_at: datetime = _ts(index=True)
    finished_at: datetime | None = _ts(nullable=True, default=False)


class LineageNode(_Table, table=True):
    __tablename__ = "data_workbench_lineage_nodes"
    __table_args__ = (sa.CheckConstraint(f"kind IN {NODE_KINDS}", name="kind"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, sa_column_kwargs={"unique": True})
    kind: str = Field(max_length=20, index=True)
    label: str = Field(max_length=500)
    dataset_id: int | None = Field(default=None, foreign_key="data_workbench_datasets.id", index=True)
    meta: dict[str, Any] = _json(nullable=True)
    created_at: datetime = _ts()


class LineageEdge(_Table, table=True):
    __tablename__ = "data_workbench_lineage_edges"
    __table_args__ = (sa.UniqueConstraint("source_id", "target_id", "run_id", name="uq_lineage_edges"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="data_workbench_lineage_nodes.id", index=True)
    target_id: int = Field(foreign_key="data_workbench_lineage_nodes.id", index=True)
    run_id: int | None = Field(default=None, foreign_key="data_workbench_runs.id", index=True)
    created_at: datetime = _ts()


ROLES = ("viewer", "analyst", "publisher", "admin")  # access.ROLES (the store keeps its own copy: no app import)


class User(_Table, table=True):
    """A person who signs in. Passwords are stored as argon2id hashes only."""

    __tablename__ = "data_workbench_users"
    __table_args__ = (sa.CheckConstraint(f"role IN {ROLES}", name="role"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, sa_column_kwargs={"unique": True})
    password_hash: str = Field(default="", max_length=200)
    role: str = Field(default="viewer", max_length=12)
    disabled: bool = Field(default=False)
    created_at: datetime = _ts()
    password_changed_at: datetime = _ts()
    last_login_at: datetime | None = _ts(nullable=True, default=False)


class Credential(_Table, table=True):
    """A secret that stands for a user: an API token (``kind=token``, named, for machines), a browser session
    (``kind=session``) or the one-time first-admin setup link (``kind=setup``). Only the secret's SHA-256 is
    stored; ``prefix`` (its first characters) identifies it in listings."""

    __tablename__ = "data_workbench_credentials"
    __table_args__ = (sa.CheckConstraint("kind IN ('token', 'session', 'setup')", name="kind"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="data_workbench_users.id", index=True)
    kind: str = Field(max_length=8, index=True)
    name: str = Field(default="", max_length=100)
    secret_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    prefix: str = Field(max_length=16)
    created_at: datetime = _ts()
    expires_at: datetime | None = _ts(nullable=True, default=False)
    revoked_at: datetime | None = _ts(nullable=True, default=False)
    last_used_at: datetime | None = _ts(nullable=True, default=False)


class StoreChanges(_Table, table=True):
    """One row counting committed changes to the store (bumped by statement triggers on PostgreSQL), so a
    response cache keyed by it is never stale and is not invalidated by other databases on the server."""

    __tablename__ = "data_workbench_changes"

    id: int = Field(default=1, primary_key=True)
    n: int = Field(default=0, sa_column=sa.Column(sa.BigInteger, nullable=False, server_default="0"))


#: Tables whose changes bump ``StoreChanges`` (PostgreSQL triggers, migration 0004).
COUNTED_TABLES = ("data_workbench_datasets", "data_workbench_spec_versions", "data_workbench_files",
                  "data_workbench_runs", "data_workbench_backfills", "data_workbench_lineage_nodes",
                  "data_workbench_lineage_edges")
#: Tables the read-only admin dashboard (``/admin``) shows: the store's history, not accounts or credentials.
ADMIN_TABLES = (Dataset, SpecVersion, RawFile, Run, Backfill, LineageNode, LineageEdge)


# --- read models -----------------------------------------------------------------------------------


class DatasetPublic(SQLModel):
    id: int
    slug: str
    title: str
    description: str
    owner: str
    spec_hash: str
    version: int
    layers: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


class SpecVersionPublic(SQLModel):
    id: int
    dataset_id: int
    version: int
    spec_hash: str
    yaml_text: str
    created_at: datetime


class RawFilePublic(SQLModel):
    id: int
    sha256: str
    size: int
    original_name: str
    format: str
    encoding: str | None
    delimiter: str | None
    sheets: list[str] | None
    uploaded_at: datetime
    uploaded_by: str


class RunPublic(SQLModel):
    id: int
    dataset_id: int
    dataset_slug: str = ""
    spec_version_id: int
    spec_version: int = 0
    file_id: int | None
    inputs: list[dict[str, Any]]
    params: dict[str, Any]
    status: str
    qa_status: str
    timings_ms: dict[str, Any] | None
    row_counts: dict[str, Any] | None
    timeline: list[dict[str, Any]] | None = None
    control_totals: dict[str, Any] | None
    warnings: list[str] | None
    warnings_es: list[str] | None = None
    outputs: dict[str, Any] | None
    qa: dict[str, Any] | None = None
    error: dict[str, Any] | None
    engine_version: str
    triggered_by: str
    backfill_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    reused: bool = False  # True when an identical earlier run was returned instead of a new one


class UserPublic(SQLModel):
    id: int
    username: str
    role: str
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None


class CredentialPublic(SQLModel):
    id: int
    user_id: int | None
    username: str = ""
    kind: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class BackfillPublic(SQLModel):
    id: int
    dataset_id: int
    dataset_slug: str = ""
    params: dict[str, Any]
    param_from_filename: str | None
    force: bool
    status: str
    total: int
    skipped: list[int] | None
    triggered_by: str
    created_at: datetime
    finished_at: datetime | None
    progress: dict[str, int] = {}  # queued/running/succeeded/failed/cancelled/skipped counts, done, remaining


class LineageNodePublic(SQLModel):
    id: int
    key: str
    kind: str
    label: str
    dataset_id: int | None
    meta: dict[str, Any] | None


class LineageEdgePublic(SQLModel):
    source_id: int
    target_id: int
    run_id: int | None


__all__ = [
    "ADMIN_TABLES",
    "Backfill",
    "BackfillPublic",
    "NODE_KINDS",
    "Dataset",
    "DatasetPublic",
    "LineageEdge",
    "LineageEdgePublic",
    "LineageNode",
    "LineageNodePublic",
    "RawFile",
    "RawFilePublic",
    "Run",
    "RunPublic",
    "SpecVersion",
    "SpecVersionPublic",
    "UTCDateTime",
    "utcnow",
]
