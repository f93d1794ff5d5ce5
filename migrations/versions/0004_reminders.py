"""session reminders and event-wide reminders

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 02:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('via_day', sa.String(length=64), nullable=True),
    sa.Column('queued_for', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('moved_from', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('queued_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], name=op.f('fk_reminder_session_id_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['delegate.user_id'], name=op.f('fk_reminder_user_id_delegate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder')),
    sa.UniqueConstraint('user_id', 'session_id', name=op.f('uq_reminder_user_id')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.create_index('ix_reminder_status_session', ['status', 'session_id'], unique=False)

    op.create_table('event_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day_id', sa.String(length=64), nullable=True),
    sa.Column('session_id', sa.String(length=64), nullable=True),
    sa.Column('minutes_before', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('released_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recipients', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['day_id'], ['day.id'], name=op.f('fk_event_reminder_day_id_day'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], name=op.f('fk_event_reminder_session_id_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_reminder')),
    )
    with op.batch_alter_table('event_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_reminder_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('event_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_reminder_status'))
    op.drop_table('event_reminder')
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_status_session')
    op.drop_table('reminder')
