"""Publication (issue 17): releases of gold tables and their audit log, and the ``publisher`` role.

- ``data_workbench_releases``: one proposal to replace partitions of a dataset's published table with a run's
  rows (status, content hash, proposer, approver, diff summary, snapshots, timings).
- ``data_workbench_release_events``: one row per decision, immutable: triggers refuse UPDATE and DELETE (PostgreSQL
  and SQLite).
- ``data_workbench_users.role`` may be ``publisher`` (approves releases; never its own).

Everything about publication's schema is in this one file (issue 16's branch also adds a 0007: the merge
renumbers one of them).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 19:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('data_workbench_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('spec_version_id', sa.Integer(), nullable=False),
    sa.Column('spec_version', sa.Integer(), nullable=False),
    sa.Column('spec_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('table_name', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('inputs', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('qa_status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('qa_acknowledged', sa.Boolean(), nullable=False),
    sa.Column('partitions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('partition_keys', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('base_release_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('row_counts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('diff_summary', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('control_totals', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('snapshot', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('approved_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('proposer', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('approver', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('timings_ms', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rolled_back_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('proposed', 'approved', 'rejected', 'expired', 'published', 'rolled_back')", name=op.f('ck_data_workbench_releases_status')),
    sa.ForeignKeyConstraint(['dataset_id'], ['data_workbench_datasets.id'], name=op.f('fk_data_workbench_releases_dataset_id_data_workbench_datasets')),
    sa.ForeignKeyConstraint(['run_id'], ['data_workbench_runs.id'], name=op.f('fk_data_workbench_releases_run_id_data_workbench_runs')),
    sa.ForeignKeyConstraint(['spec_version_id'], ['data_workbench_spec_versions.id'], name=op.f('fk_data_workbench_releases_spec_version_id_data_workbench_spec_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_workbench_releases'))
    )
    with op.batch_alter_table('data_workbench_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_workbench_releases_dataset_id'), ['dataset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_workbench_releases_proposed_at'), ['proposed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_workbench_releases_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_workbench_releases_status'), ['status'], unique=False)
        batch_op.create_index('ix_releases_dataset_status', ['dataset_id', 'status'], unique=False)

    op.create_table('data_workbench_release_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('proposed', 'amended', 'approval_voided', 'approved', 'rejected', 'expired', 'published', 'rolled_back')", name=op.f('ck_data_workbench_release_events_action')),
    sa.ForeignKeyConstraint(['release_id'], ['data_workbench_releases.id'], name=op.f('fk_data_workbench_release_events_release_id_data_workbench_releases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_workbench_release_events'))
    )
    with op.batch_alter_table('data_workbench_release_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_workbench_release_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_workbench_release_events_release_id'), ['release_id'], unique=False)
    _immutable_events()
    _roles(ROLES_WITH_PUBLISHER)



def downgrade() -> None:
    op.execute("UPDATE data_workbench_users SET role = 'analyst' WHERE role = 'publisher'")  # the nearest role below
    _roles(ROLES_BEFORE)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {EVENTS}_immutable ON {EVENTS}")
        op.execute(f"DROP FUNCTION IF EXISTS {EVENTS}_immutable()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {EVENTS}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {EVENTS}_no_delete")
    with op.batch_alter_table('data_workbench_release_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_workbench_release_events_release_id'))
        batch_op.drop_index(batch_op.f('ix_data_workbench_release_events_at'))

    op.drop_table('data_workbench_release_events')
    with op.batch_alter_table('data_workbench_releases', schema=None) as batch_op:
        batch_op.drop_index('ix_releases_dataset_status')
        batch_op.drop_index(batch_op.f('ix_data_workbench_releases_status'))
        batch_op.drop_index(batch_op.f('ix_data_workbench_releases_run_id'))
        batch_op.drop_index(batch_op.f('ix_data_workbench_releases_proposed_at'))
        batch_op.drop_index(batch_op.f('ix_data_workbench_releases_dataset_id'))

    op.drop_table('data_workbench_releases')


EVENTS = "data_workbench_release_events"
ROLES_BEFORE = ("viewer", "analyst", "admin")
ROLES_WITH_PUBLISHER = ("viewer", "analyst", "publisher", "admin")


def _immutable_events() -> None:
    """The audit log only grows: UPDATE and DELETE of its rows fail, whoever runs them."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
        CREATE FUNCTION {EVENTS}_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'release audit records are immutable';
        END $$""")
        op.execute(f"CREATE TRIGGER {EVENTS}_immutable BEFORE UPDATE OR DELETE ON {EVENTS} "
                   f"FOR EACH ROW EXECUTE FUNCTION {EVENTS}_immutable()")
    else:
        for what in ("update", "delete"):
            op.execute(f"CREATE TRIGGER {EVENTS}_no_{what} BEFORE {what.upper()} ON {EVENTS} "
                       "BEGIN SELECT RAISE(ABORT, 'release audit records are immutable'); END")


def _roles(roles: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        # the table is copied: the credentials' foreign keys are checked at commit, when it is back
        op.execute("PRAGMA defer_foreign_keys = ON")
    with op.batch_alter_table('data_workbench_users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_data_workbench_users_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_data_workbench_users_role'), f"role IN {roles}")
