"""Migrations on real SQLite and PostgreSQL databases: they build exactly the models' schema, and
`workbench db` reports it."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import SQLModel

from workbench.cli.db import db as db_group
from workbench.engine.core.settings import get_settings
from workbench.engine.store import db, migrate
from workbench.engine.store.models import SpecVersion

PRODUCT_TABLES = set(SQLModel.metadata.tables)

HEAD = "0009"  # the latest revision in alembic/versions


def tables(url: str) -> set[str]:
    return set(sa.inspect(db.get_engine(url)).get_table_names())


def execute(url: str, *statements: str) -> None:
    with migrate.connect(url) as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
        connection.commit()


def test_upgrade_creates_every_table_of_the_models(empty_db_url):
    assert migrate.upgrade(empty_db_url) == migrate.head()
    assert tables(empty_db_url) == PRODUCT_TABLES | {"alembic_version"}


def test_no_drift_after_upgrade(db_url):
    assert migrate.drift(db_url) == []


def test_upgrade_is_idempotent(db_url):
    assert migrate.upgrade(db_url) == migrate.head()
    assert migrate.upgrade(db_url) == migrate.head()
    assert migrate.drift(db_url) == []


def test_current_is_the_head_revision(db_url, empty_db_url):
    assert migrate.head() == HEAD
    assert migrate.current(db_url) == HEAD
    assert migrate.current(empty_db_url) is None


def test_downgrade_to_base_then_upgrade_again(db_url):
    assert migrate.downgrade(db_url, "base") is None
    assert tables(db_url) == {"alembic_version"}
    assert migrate.upgrade(db_url) == migrate.head()
    assert tables(db_url) == PRODUCT_TABLES | {"alembic_version"}
    assert migrate.drift(db_url) == []


def test_ensure_current_raises_on_an_empty_database(empty_db_url):
    with pytest.raises(db.DatabaseNotMigratedError, match="workbench db upgrade") as caught:
        migrate.ensure_current(empty_db_url)
    assert caught.value.details["where"] == db.where(empty_db_url)


def test_ensure_current_raises_on_an_old_revision(db_url):
    execute(db_url, "UPDATE alembic_version SET version_num = '0000'")
    with pytest.raises(db.DatabaseNotMigratedError):
        migrate.ensure_current(db_url)


def test_ensure_current_passes_at_head(db_url):
    migrate.ensure_current(db_url)


def test_foreign_keys_are_enforced_after_migrating(db_url):
    """SQLite migrations switch enforcement off; the pooled connection must get it back."""
    row = SpecVersion(dataset_id=999, version=1, spec_hash="x", yaml_text="", spec={},
                      created_at=datetime.now(timezone.utc))
    with pytest.raises(sa.exc.IntegrityError):
        with db.session_scope(db_url) as session:
            session.add(row)


def test_drift_lists_a_column_the_models_do_not_have(db_url):
    execute(db_url, "ALTER TABLE data_workbench_runs ADD COLUMN notes TEXT")
    diff = migrate.drift(db_url)
    assert [(d[0], d[2], d[3].name) for d in diff] == [("remove_column", "data_workbench_runs", "notes")]


def test_drift_ignores_tables_the_product_does_not_own(db_url):
    execute(db_url, "CREATE TABLE gold_ejecucion (id INTEGER PRIMARY KEY)")
    assert migrate.drift(db_url) == []


def test_postgresql_types(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite stores JSON as text and timestamps without a zone")
    columns = {c["name"]: c["type"] for c in sa.inspect(db.get_engine(db_url)).get_columns("data_workbench_runs")}
    assert isinstance(columns["params"], JSONB)
    assert isinstance(columns["created_at"], sa.DateTime) and columns["created_at"].timezone


def test_drift_sees_a_timestamp_without_time_zone(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite timestamps have no time zone to compare")
    execute(db_url, "ALTER TABLE data_workbench_runs ALTER COLUMN created_at TYPE timestamp without time zone")
    [[change]] = migrate.drift(db_url)
    assert change[0] == "modify_type" and change[3] == "created_at"


# --- workbench db ----------------------------------------------------------------------------------


@pytest.fixture
def run_db(monkeypatch):
    """Run `workbench db ...` against a given database URL."""

    def run(url: str, *args: str):
        monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
        get_settings.cache_clear()
        return CliRunner().invoke(db_group, list(args))

    yield run
    get_settings.cache_clear()


def test_cli_upgrade_then_current_and_check(run_db, empty_db_url):
    result = run_db(empty_db_url, "upgrade")
    assert result.exit_code == 0, result.output
    assert f"upgraded (empty) -> {HEAD}" in result.stdout
    assert f"already at {HEAD}" in run_db(empty_db_url, "upgrade").stdout
    assert run_db(empty_db_url, "current").stdout.strip().endswith(f"{HEAD} (head)")
    check = run_db(empty_db_url, "check")
    assert check.exit_code == 0 and "no differences" in check.stdout


def test_cli_upgrade_to_a_revision(run_db, db_url):
    migrate.downgrade(db_url, "base")
    result = run_db(db_url, "upgrade", "--revision", "0001")
    assert result.exit_code == 0 and migrate.current(db_url) == "0001"


def test_cli_check_exits_2_and_lists_the_drift(run_db, db_url):
    execute(db_url, "ALTER TABLE data_workbench_files ADD COLUMN checksum TEXT")
    result = run_db(db_url, "check")
    assert result.exit_code == 2
    assert "remove_column data_workbench_files.checksum" in result.stderr


def test_cli_check_on_an_empty_database_is_one_line(run_db, empty_db_url):
    result = run_db(empty_db_url, "check")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"Error (database-not-migrated): the database at {db.where(empty_db_url)} has no current schema; "
        "run `workbench db upgrade`"]


def test_cli_unreachable_database_is_one_line_without_password(run_db):
    url = "postgresql+psycopg://u:s3cret@127.0.0.1:1/nothing"
    result = run_db(url, "current")
    db.get_engine(url).dispose()
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "s3cret" not in result.output
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error (database-unavailable): cannot reach the database at 127.0.0.1:1/nothing")


def test_cli_unknown_revision_is_one_line(run_db, db_url):
    result = run_db(db_url, "upgrade", "--revision", "nope")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error (database-migration): Can't locate revision identified by 'nope'"]


def test_heads_read_without_alembic_agree_with_alembic():
    from alembic.script import ScriptDirectory

    assert migrate.heads() == tuple(sorted(ScriptDirectory(str(migrate.ALEMBIC_DIR)).get_heads()))
    assert len(migrate.heads()) == 1


def test_a_current_store_is_prepared_without_importing_alembic(tmp_path):
    """A run or request after the first set-up checks the schema with one query: Alembic (~0.13 s) stays out."""
    import subprocess
    import sys

    code = ("import sys; from workbench.engine.core.settings import Settings; "
            "from workbench.engine.store.prepare import prepare_store; "
            f"s = Settings(data_dir={str(tmp_path)!r}); prepare_store(s); "
            "print('alembic' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (first.stdout.strip(), again.stdout.strip()) == ("True", "False"), (first.stderr, again.stderr)
