"""questions: when every moderator's card was brought up to date with the decision

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('question', sa.Column('cards_closed_at', bot.db.UTCDateTime(timezone=True), nullable=True))
    # Questions decided before this revision keep their cards as they are (no burst of old edits).
    op.execute("UPDATE question SET cards_closed_at = decided_at WHERE decided_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('question') as batch:
        batch.drop_column('cards_closed_at')
