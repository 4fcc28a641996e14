"""Runs keep their QA report (status, per-expectation results, first page of failing rows).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 21:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('data_workbench_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'qa', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('data_workbench_runs', schema=None) as batch_op:
        batch_op.drop_column('qa')
