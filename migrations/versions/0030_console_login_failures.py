"""helpdesk console: failed logins, counted per name and per address to pause guessing

Revision ID: 0030
Revises: 0020
Create Date: 2026-12-05 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0030'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('helpdesk_login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name_key', sa.String(length=64), nullable=False),
    sa.Column('address_key', sa.String(length=64), nullable=False),
    sa.Column('at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_helpdesk_login_failure'))
    )
    op.create_index('ix_helpdesk_login_failure_address_at', 'helpdesk_login_failure', ['address_key', 'at'], unique=False)
    op.create_index('ix_helpdesk_login_failure_name_at', 'helpdesk_login_failure', ['name_key', 'at'], unique=False)
    op.create_index(op.f('ix_helpdesk_login_failure_at'), 'helpdesk_login_failure', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_helpdesk_login_failure_at'), table_name='helpdesk_login_failure')
    op.drop_index('ix_helpdesk_login_failure_name_at', table_name='helpdesk_login_failure')
    op.drop_index('ix_helpdesk_login_failure_address_at', table_name='helpdesk_login_failure')
    op.drop_table('helpdesk_login_failure')
