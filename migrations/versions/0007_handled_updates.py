"""the ledger of handled Telegram updates (each update answered once across replicas)

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-29 04:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0007'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('handled_update',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('claimed_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('update_id', name=op.f('pk_handled_update'))
    )
    op.create_index(op.f('ix_handled_update_claimed_at'), 'handled_update', ['claimed_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_handled_update_claimed_at'), table_name='handled_update')
    op.drop_table('handled_update')
