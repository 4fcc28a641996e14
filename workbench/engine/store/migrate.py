"""Schema migrations of the metadata store (Alembic), every function taking the database URL explicitly.

``alembic/env.py`` and :func:`drift` share :func:`context_options`, so what ``alembic revision --autogenerate``
writes and what ``workbench db check`` compares are the same thing. Migrations, never ``create_all``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import SQLModel

from workbench.engine.core.errors import WorkbenchError
from workbench.engine.store.db import (
    DatabaseNotMigratedError,
    DatabaseUnavailableError,
    scrub,
    get_engine,
    where,
)
from workbench.engine.store import releases as _releases  # noqa: F401  (registers the release tables too)
from workbench.engine.store import automation as _automation  # noqa: F401  (registers automation's tables)
from workbench.engine.store import drafts as _drafts  # noqa: F401  (registers the editor's drafts)
from workbench.engine.store.models import UTCDateTime  # also registers the tables on SQLModel.metadata

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (with mako; ~0.13 s to import) is imported inside the functions that migrate or inspect (# lazy:): a
# process whose schema is current, every run and request after the first set-up, checks it with one query
# (``is_current``) and never loads Alembic.

#: The migration scripts: ``alembic/`` at the repository root, next to ``alembic.ini``.
ALEMBIC_DIR = Path(__file__).resolve().parents[3] / "alembic"
#: Every table the product owns starts with this; other tables in the same database are never touched.
TABLE_PREFIX = "data_workbench_"

target_metadata = SQLModel.metadata


class MigrationError(WorkbenchError):
    """A migration command that cannot run as asked (unknown revision, an upgrade to an older one, ...)."""

    code = "database-migration"
    kind = "internal"
    title = "Migration not possible"
    template = "{message}"
    template_es = "{message}"


# --- shared by alembic/env.py and drift() ----------------------------------------------------------


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write UTCDateTime as its plain column type, so migrations don't import the models module."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def compare_type(context: Any, inspected_column: Any, metadata_column: Any, inspected_type: Any,
                 metadata_type: Any) -> bool | None:
    """UTCDateTime is stored as ``DateTime(timezone=True)``: compare the database's column with that.

    SQLite has no time zone in its DATETIME, so there only the type family is compared. Returning None
    leaves every other type to Alembic's own comparison."""
    if not isinstance(metadata_type, UTCDateTime):
        return None
    if not isinstance(inspected_type, sa.DateTime):
        return True
    return context.dialect.name != "sqlite" and not inspected_type.timezone


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Autogenerate looks only at the product's tables (gold tables or other apps may share the database)."""
    if type_ == "table":
        return bool(name) and (name.startswith(TABLE_PREFIX) or name in target_metadata.tables)
    return True


def context_options(dialect_name: str) -> dict[str, Any]:
    """The ``context.configure`` options for migrations and for the drift check."""
    return {
        "target_metadata": target_metadata,
        "render_item": render_item,
        "compare_type": compare_type,
        "include_name": include_name,
        "render_as_batch": dialect_name == "sqlite",  # SQLite alters tables by copying them
    }


@contextmanager
def connect(url: str) -> Iterator[Connection]:
    """A connection from the process's engine for ``url``; failing to connect is DatabaseUnavailableError."""
    try:
        connection = get_engine(url).connect()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "connection failed"
        raise DatabaseUnavailableError(where=where(url), reason=scrub(reason, url)) from None
    with connection:
        yield connection


@contextmanager
def _user_errors() -> Iterator[None]:
    from alembic.util import CommandError  # lazy: Alembic only when migrating (see above)

    try:
        yield
    except CommandError as exc:  # Alembic's errors about the request: "Can't locate revision 'x'", ...
        raise MigrationError(str(exc)) from None


# --- commands --------------------------------------------------------------------------------------


def alembic_config(url: str, connection: Connection | None = None) -> "Config":
    """An Alembic config for ``url`` without reading alembic.ini (so logging is left alone)."""
    from alembic.config import Config  # lazy: Alembic only when migrating (see above)

    config = Config()
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    config.attributes["url"] = url
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def heads() -> tuple[str, ...]:
    """The head revision(s) of the migration scripts (one, unless someone forgot to merge branches): the
    revisions no script names as its ``down_revision``. Read from the scripts' literal assignments, without
    Alembic (tests/integration/test_migrations.py checks this against Alembic's own ScriptDirectory)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in sorted((ALEMBIC_DIR / "versions").glob("*.py")):
        found = _assignments(script, ("revision", "down_revision"))
        if "revision" not in found:
            continue
        revisions.add(found["revision"])
        down = found.get("down_revision")
        parents.update([down] if isinstance(down, str) else list(down or ()))
    return tuple(sorted(revisions - parents))


def _assignments(script: Path, names: tuple[str, ...]) -> dict[str, Any]:
    """Module-level literal assignments (``x = '0001'`` or ``x: str = '0001'``) of a migration script."""
    out: dict[str, Any] = {}
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            target, value = node.target.id, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
        else:
            continue
        if target in names and value is not None:
            out[target] = ast.literal_eval(value)
    return out


def head() -> str:
    found = heads()
    if len(found) != 1:
        raise RuntimeError(f"the migrations have {len(found)} heads {found}: run `alembic merge heads`")
    return found[0]


def upgrade(url: str, revision: str = "head") -> str | None:
    """Migrate the database up to ``revision`` (idempotent); returns the revision it is at afterwards."""
    from alembic import command  # lazy: Alembic only when migrating (see above)

    with connect(url) as connection, _user_errors():
        command.upgrade(alembic_config(url, connection), revision)
        connection.commit()
    return current(url)


def downgrade(url: str, revision: str) -> str | None:
    """Migrate the database down to ``revision`` (``base`` drops every table); returns the new revision."""
    from alembic import command  # lazy: Alembic only when migrating (see above)

    with connect(url) as connection, _user_errors():
        command.downgrade(alembic_config(url, connection), revision)
        connection.commit()
    return current(url)


def current(url: str) -> str | None:
    """The database's revision, or None when it was never migrated."""
    from alembic.runtime.migration import MigrationContext  # lazy: Alembic only when inspecting (see above)

    with connect(url) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def drift(url: str) -> list[Any]:
    """Differences between the database's schema and the SQLModel tables, as Alembic autogenerate sees
    them (``("add_column", ...)`` tuples, lists of ``("modify_type", ...)``); ``[]`` means none."""
    from alembic.autogenerate import compare_metadata  # lazy: Alembic only when inspecting (see above)
    from alembic.runtime.migration import MigrationContext

    with connect(url) as connection:
        context = MigrationContext.configure(connection, opts=context_options(connection.dialect.name))
        return compare_metadata(context, target_metadata)


def revisions(url: str) -> tuple[str, ...]:
    """The revision(s) the database is at (``()``: never migrated). One query, no Alembic."""
    try:
        with connect(url) as connection:
            return tuple(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    except (OperationalError, ProgrammingError) as exc:
        if "alembic_version" not in str(exc.orig):
            raise
        return ()


def is_current(url: str) -> bool:
    """Whether the database is at the head revision (one query: cheap enough for every process start)."""
    return set(revisions(url)) == set(heads())


def ensure_current(url: str) -> None:
    """Raise DatabaseNotMigratedError unless the database is at the head revision."""
    found = revisions(url)
    if set(found) != set(heads()):
        raise DatabaseNotMigratedError(where=where(url), current=", ".join(found) or None, head=", ".join(heads()))


__all__ = [
    "ALEMBIC_DIR",
    "MigrationError",
    "TABLE_PREFIX",
    "alembic_config",
    "connect",
    "context_options",
    "current",
    "downgrade",
    "drift",
    "ensure_current",
    "head",
    "heads",
    "is_current",
    "revisions",
    "upgrade",
]
