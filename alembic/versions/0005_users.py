"""Sign-in: users (argon2id password hashes, roles) and credentials (API tokens, browser sessions, the
one-time setup link), stored as SHA-256 hashes of their secrets.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 22:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('data_workbench_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('viewer', 'analyst', 'admin')", name=op.f('ck_data_workbench_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_workbench_users')),
    sa.UniqueConstraint('username', name=op.f('uq_data_workbench_users_username'))
    )
    op.create_table('data_workbench_credentials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('secret_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('token', 'session', 'setup')", name=op.f('ck_data_workbench_credentials_kind')),
    sa.ForeignKeyConstraint(['user_id'], ['data_workbench_users.id'],
                            name=op.f('fk_data_workbench_credentials_user_id_data_workbench_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_workbench_credentials')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_data_workbench_credentials_secret_hash'))
    )
    with op.batch_alter_table('data_workbench_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_workbench_credentials_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_workbench_credentials_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('data_workbench_credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_workbench_credentials_user_id'))
        batch_op.drop_index(batch_op.f('ix_data_workbench_credentials_kind'))
    op.drop_table('data_workbench_credentials')
    op.drop_table('data_workbench_users')
