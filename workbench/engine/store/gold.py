"""The gold target: published tables, one per dataset, replaced partition by partition in one transaction.

- **PostgreSQL** (``WORKBENCH_PUBLISH_URL``, default the metadata database when it is PostgreSQL): schema
  ``gold`` (``publish_schema``), table ``gold.<table>``. A release deletes its partitions' rows and copies its own
  in one transaction: a reader (any isolation level; each statement sees one snapshot) sees the rows before or
  after, never a mix and never a missing table. Identifiers are quoted with ``psycopg.sql``; the schema and the
  target come from settings only.
- **SQLite** (the embedded default, ``<data_dir>/gold.sqlite``): the same table in its own file, in WAL mode,
  replaced under ``BEGIN IMMEDIATE``; readers ``ATTACH '<file>' AS gold`` and query ``gold.<table>``. Exact
  decimals are stored with NUMERIC affinity (SQLite keeps them as 8-byte floats: read the release's Parquet
  snapshot when every digit matters).

Every gold row carries ``_release_id``, the release that wrote it, so a reader can tell releases apart.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa
from psycopg import sql
from sqlalchemy.engine import make_url

from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.settings import Settings
from workbench.engine.core.spec.publication import RELEASE_COLUMN
from workbench.engine.store.db import scrub, where

#: Seconds a publication waits for a lock on the gold table before failing (readers never hold it long).
LOCK_TIMEOUT_S = 10


class GoldTargetError(WorkbenchError):
    code = "gold-target-error"
    kind = "unavailable"
    title = "Publication target unavailable"
    template = "the publication target at {where} failed: {reason}"
    template_es = "falló el destino de publicación en {where}: {reason}"


@dataclass(frozen=True)
class GoldColumn:
    name: str
    sql_type: str  # PostgreSQL's type name; SQLite takes its affinity from the same name
    comment: str = ""


def sql_type(dtype: Any) -> str:
    """The SQL type of a layer column, from its pandas/Arrow type (what ``type_cast`` made)."""
    arrow = getattr(dtype, "pyarrow_dtype", None)
    if arrow is None:
        try:
            arrow = pa.from_numpy_dtype(dtype)
        except (TypeError, NotImplementedError, pa.ArrowNotImplementedError):
            return "TEXT"
    if pa.types.is_decimal(arrow):
        return f"NUMERIC({arrow.precision},{arrow.scale})"
    if pa.types.is_integer(arrow):
        return "BIGINT"
    if pa.types.is_floating(arrow):
        return "DOUBLE PRECISION"
    if pa.types.is_boolean(arrow):
        return "BOOLEAN"
    if pa.types.is_date(arrow):
        return "DATE"
    if pa.types.is_timestamp(arrow):
        return "TIMESTAMPTZ" if arrow.tz else "TIMESTAMP"
    return "TEXT"


def columns_of(frame: pd.DataFrame, comments: dict[str, str]) -> list[GoldColumn]:
    return [GoldColumn(name, sql_type(frame[name].dtype), comment) for name, comment in comments.items()]


class GoldTarget:
    """One publication target (a PostgreSQL schema or a SQLite file)."""

    def __init__(self, url: str, schema: str = "gold") -> None:
        parsed = make_url(url)
        self.url, self.schema = url, schema
        self.backend = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql"
        self.path = Path(parsed.database or "") if self.backend == "sqlite" else None
        self.conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False) \
            if self.backend == "postgresql" else ""

    @classmethod
    def from_settings(cls, settings: Settings) -> "GoldTarget":
        return cls(settings.publication_url, settings.publish_schema)

    @property
    def location(self) -> str:
        return f"{where(self.url)} ({self.schema})" if self.backend == "postgresql" else where(self.url)

    def qualified(self, table: str) -> str:
        """How a reader names the table: ``gold.<table>`` on both backends (SQLite: after ATTACH ... AS gold)."""
        return f"{self.schema if self.backend == 'postgresql' else 'gold'}.{table}"

    # --- writing ---------------------------------------------------------------------------------------

    def replace_partitions(self, table: str, columns: list[GoldColumn], partition_by: list[str],
                           partitions: list[dict[str, Any]], frame: pd.DataFrame, release_id: int) -> float:
        """Delete ``partitions``' rows and insert ``frame``'s (tagged ``release_id``) in one transaction; the
        milliseconds it took."""
        started = time.perf_counter()
        rows = _rows(frame, [c.name for c in columns], release_id)
        with self._errors():
            if self.backend == "postgresql":
                self._replace_pg(table, columns, partition_by, partitions, rows)
            else:
                self._replace_sqlite(table, columns, partition_by, partitions, rows)
        return round((time.perf_counter() - started) * 1000, 1)

    def _replace_pg(self, table: str, columns: list[GoldColumn], partition_by: list[str],
                    partitions: list[dict[str, Any]], rows: list[tuple[Any, ...]]) -> None:
        target = sql.Identifier(self.schema, table)
        with psycopg.connect(self.conninfo, connect_timeout=5) as conn:  # one transaction, committed on exit
            conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(f"{LOCK_TIMEOUT_S}s")))
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema)))
            existing = {r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
                (self.schema, table))}
            if not existing:
                defs = [sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.sql_type)) for c in columns]
                defs.append(sql.SQL("{} BIGINT NOT NULL").format(sql.Identifier(RELEASE_COLUMN)))
                conn.execute(sql.SQL("CREATE TABLE {} ({})").format(target, sql.SQL(", ").join(defs)))
                conn.execute(sql.SQL("CREATE INDEX ON {} ({})").format(
                    target, sql.SQL(", ").join(sql.Identifier(p) for p in partition_by)))
            for column in columns:
                if existing and column.name not in existing:
                    conn.execute(sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                        target, sql.Identifier(column.name), sql.SQL(column.sql_type)))
                if not existing or column.name not in existing:
                    conn.execute(sql.SQL("COMMENT ON COLUMN {} IS {}").format(
                        sql.Identifier(self.schema, table, column.name), sql.Literal(column.comment)))
            if partitions:
                conn.execute(sql.SQL("DELETE FROM {} WHERE {}").format(target, _where_pg(partition_by, partitions)),
                             [v for p in partitions for v in (p[k] for k in partition_by)])
            names = sql.SQL(", ").join(sql.Identifier(n) for n in [*(c.name for c in columns), RELEASE_COLUMN])
            with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(target, names)) as copy:
                for row in rows:
                    copy.write_row(row)

    def _replace_sqlite(self, table: str, columns: list[GoldColumn], partition_by: list[str],
                        partitions: list[dict[str, Any]], rows: list[tuple[Any, ...]]) -> None:
        with self._sqlite() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                existing = {r[1] for r in conn.execute(f"PRAGMA table_info({_q(table)})")}
                if not existing:
                    defs = [f"{_q(c.name)} {c.sql_type}" for c in columns] + [f"{_q(RELEASE_COLUMN)} BIGINT NOT NULL"]
                    conn.execute(f"CREATE TABLE {_q(table)} ({', '.join(defs)})")
                    conn.execute(f"CREATE INDEX {_q(f'ix_{table}_partition')} ON {_q(table)} "
                                 f"({', '.join(_q(p) for p in partition_by)})")
                for column in columns:
                    if existing and column.name not in existing:
                        conn.execute(f"ALTER TABLE {_q(table)} ADD COLUMN {_q(column.name)} {column.sql_type}")
                if partitions:
                    clause = " OR ".join("(" + " AND ".join(f"{_q(k)} IS ?" for k in partition_by) + ")"
                                         for _ in partitions)
                    conn.execute(f"DELETE FROM {_q(table)} WHERE {clause}",
                                 [v for p in partitions for v in (p[k] for k in partition_by)])
                names = [*(c.name for c in columns), RELEASE_COLUMN]
                conn.executemany(f"INSERT INTO {_q(table)} ({', '.join(_q(n) for n in names)}) "
                                 f"VALUES ({', '.join('?' for _ in names)})",
                                 [tuple(str(v) if isinstance(v, Decimal) else v for v in row) for row in rows])
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    # --- reading ---------------------------------------------------------------------------------------

    def read(self, table: str) -> pd.DataFrame:
        """The whole published table (tests, the CLI's checks)."""
        with self._errors():
            if self.backend == "postgresql":
                with psycopg.connect(self.conninfo, connect_timeout=5) as conn:
                    cur = conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(self.schema, table)))
                    return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description or []])
            with self._sqlite() as conn:
                cur = conn.execute(f"SELECT * FROM {_q(table)}")
                return pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description or []])

    def exists(self, table: str) -> bool:
        with self._errors():
            if self.backend == "postgresql":
                with psycopg.connect(self.conninfo, connect_timeout=5) as conn:
                    return conn.execute("SELECT to_regclass(%s) IS NOT NULL",
                                        (f'"{self.schema}"."{table}"',)).fetchone()[0]  # type: ignore[index]
            if not self.path or not self.path.exists():
                return False
            with self._sqlite() as conn:
                return bool(conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone())

    # --- BI access ---------------------------------------------------------------------------------------

    def grant_reader(self, role: str, password: str | None) -> list[str]:
        """Create (or update) a login role that may only read the schema's tables, now and future ones; the
        statements run (without the password). PostgreSQL only."""
        if self.backend != "postgresql":
            raise GoldTargetError(where=self.location, reason="read-only roles need a PostgreSQL target "
                                  "(WORKBENCH_PUBLISH_URL); the SQLite file is read with file permissions")
        ident, schema = sql.Identifier(role), sql.Identifier(self.schema)
        done: list[str] = []
        with self._errors(), psycopg.connect(self.conninfo, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            login = sql.SQL("{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT").format(
                sql.SQL(verb), ident)
            if password is not None:  # composed on the client; never logged or echoed by us
                login = sql.SQL("{} PASSWORD {}").format(login, sql.Literal(password))
            conn.execute(login)
            done.append(f"{verb} ROLE {role} LOGIN" + (" PASSWORD ***" if password is not None else ""))
            database = conn.info.dbname
            for statement in (
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema),
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), ident),
                sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, ident),
                sql.SQL("REVOKE CREATE ON SCHEMA {} FROM {}").format(schema, ident),
                sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(ident),
                sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, ident),
                sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(schema, ident),
                sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(ident),
            ):
                conn.execute(statement)
                done.append(statement.as_string(conn))
        return done

    # --- plumbing ----------------------------------------------------------------------------------------

    @contextmanager
    def _sqlite(self) -> Iterator[sqlite3.Connection]:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT_S, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise GoldTargetError(where=self.location, reason=scrub(reason, self.url)) from None
        except sqlite3.Error as exc:
            raise GoldTargetError(where=self.location, reason=str(exc)) from None


def _q(name: str) -> str:
    """A SQLite identifier, quoted (names come from the spec, validated, but are quoted all the same)."""
    return '"' + name.replace('"', '""') + '"'


def _where_pg(partition_by: list[str], partitions: list[dict[str, Any]]) -> sql.Composable:
    one = sql.SQL("({})").format(sql.SQL(" AND ").join(
        sql.SQL("{} IS NOT DISTINCT FROM %s").format(sql.Identifier(k)) for k in partition_by))
    return sql.SQL(" OR ").join([one] * len(partitions))


def _rows(frame: pd.DataFrame, names: list[str], release_id: int) -> list[tuple[Any, ...]]:
    """The frame's rows as Python values (exact decimals, None for missing), each ending with the release id:
    its own ``_release_id`` when it has one (a rollback puts back rows of earlier releases), else ``release_id``."""
    table = pa.Table.from_pandas(frame[names], preserve_index=False)
    columns = [table.column(i).to_pylist() for i in range(len(names))]
    ids = [int(v) for v in frame[RELEASE_COLUMN]] if RELEASE_COLUMN in frame else [release_id] * len(frame)
    return [(*values, rid) for *values, rid in zip(*columns, ids)] if names else []


__all__ = ["GoldColumn", "GoldTarget", "GoldTargetError", "LOCK_TIMEOUT_S", "columns_of", "sql_type"]
