"""event: days and rooms dropped from the event file are retired, not deleted (cancelled sessions
still point at them); a day's date is no longer unique, so a day can be renamed or the event moved

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('day') as batch:
        batch.drop_constraint('uq_day_date', type_='unique')
        batch.add_column(sa.Column('retired', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('room') as batch:
        batch.add_column(sa.Column('retired', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('room') as batch:
        batch.drop_column('retired')
    op.execute("DELETE FROM day WHERE retired AND id NOT IN (SELECT day_id FROM session)")
    with op.batch_alter_table('day') as batch:
        batch.drop_column('retired')
        batch.create_unique_constraint('uq_day_date', ['date'])
