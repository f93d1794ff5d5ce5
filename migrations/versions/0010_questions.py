"""questions to speakers: drafts, the moderation queue and decisions

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-29 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.String(length=120), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('step', sa.String(length=16), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('show_name', sa.Boolean(), nullable=False),
    sa.Column('asker_name', sa.String(length=120), nullable=True),
    sa.Column('decided_by', sa.BigInteger(), nullable=True),
    sa.Column('decided_by_name', sa.String(length=120), nullable=True),
    sa.Column('created_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('asked_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question'))
    )
    op.create_index('ix_question_session_status', 'question', ['session_id', 'status'], unique=False)
    op.create_index('ix_question_user_status', 'question', ['user_id', 'status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_question_user_status', table_name='question')
    op.drop_index('ix_question_session_status', table_name='question')
    op.drop_table('question')
