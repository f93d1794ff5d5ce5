"""organiser broadcasts

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-29 01:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('broadcast',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('step', sa.String(length=40), nullable=True),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('attachment', sa.JSON(), nullable=True),
    sa.Column('audience', sa.String(length=120), nullable=True),
    sa.Column('send_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('progress_message_id', sa.BigInteger(), nullable=True),
    sa.Column('progress_edited_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('progress_shown', sa.String(length=120), nullable=True),
    sa.Column('created_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('released_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcast'))
    )
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.create_index('ix_broadcast_owner_status', ['created_by', 'status'], unique=False)
        batch_op.create_index('ix_broadcast_status_send_at', ['status', 'send_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.drop_index('ix_broadcast_status_send_at')
        batch_op.drop_index('ix_broadcast_owner_status')

    op.drop_table('broadcast')
