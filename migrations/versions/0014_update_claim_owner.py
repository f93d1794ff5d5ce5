"""handled updates: who holds a claim, so that a replica gives back only its own

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 08:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('handled_update') as batch:
        batch.add_column(sa.Column('claimed_by', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('handled_update') as batch:
        batch.drop_column('claimed_by')
