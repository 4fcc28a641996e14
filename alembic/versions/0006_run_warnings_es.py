"""Runs keep their warnings in Spanish too (``warnings_es``, beside the English ``warnings``): the web shows the
analyst's language, the API and the CLI keep English. Runs recorded before have none (the web falls back to
their English warnings).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 17:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('data_workbench_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'warnings_es', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
            nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('data_workbench_runs', schema=None) as batch_op:
        batch_op.drop_column('warnings_es')
