"""A store-wide change counter: one row bumped by statement triggers (PostgreSQL) on every data table.

Response caches key their entries by it. PostgreSQL's snapshot (the previous marker) changes with any
transaction on the whole server, so other databases' traffic emptied the cache; this counter moves only
when this store's tables change, and only at commit (it is an ordinary transactional row).
SQLite keeps using ``PRAGMA data_version``; the table exists there too, unused.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 22:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("data_workbench_datasets", "data_workbench_spec_versions", "data_workbench_files",
          "data_workbench_runs", "data_workbench_backfills", "data_workbench_lineage_nodes",
          "data_workbench_lineage_edges")


def upgrade() -> None:
    op.create_table('data_workbench_changes',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('n', sa.BigInteger(), server_default='0', nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_workbench_changes')))
    op.execute("INSERT INTO data_workbench_changes (id, n) VALUES (1, 0)")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION data_workbench_bump_changes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE data_workbench_changes SET n = n + 1 WHERE id = 1;
            RETURN NULL;
        END $$""")
    for table in TABLES:
        op.execute(f"CREATE TRIGGER {table}_changes AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION data_workbench_bump_changes()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_changes ON {table}")
        op.execute("DROP FUNCTION IF EXISTS data_workbench_bump_changes()")
    op.drop_table('data_workbench_changes')
