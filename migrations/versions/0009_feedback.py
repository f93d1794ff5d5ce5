"""session feedback: sessions opened, rating prompts, votes with comments

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-29 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feedback_opened',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('opened_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], name=op.f('fk_feedback_opened_session_id_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['delegate.user_id'], name=op.f('fk_feedback_opened_user_id_delegate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_opened')),
    sa.UniqueConstraint('user_id', 'session_id', name=op.f('uq_feedback_opened_user_id')),
    )
    op.create_index(op.f('ix_feedback_opened_session_id'), 'feedback_opened', ['session_id'], unique=False)

    op.create_table('feedback_prompt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('queued_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], name=op.f('fk_feedback_prompt_session_id_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['delegate.user_id'], name=op.f('fk_feedback_prompt_user_id_delegate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_prompt')),
    sa.UniqueConstraint('user_id', 'session_id', name=op.f('uq_feedback_prompt_user_id')),
    )
    op.create_index(op.f('ix_feedback_prompt_session_id'), 'feedback_prompt', ['session_id'], unique=False)

    op.create_table('feedback_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('session_id', sa.String(length=64), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('comment_wanted_until', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_feedback_vote_rating_range')),
    sa.ForeignKeyConstraint(['session_id'], ['session.id'], name=op.f('fk_feedback_vote_session_id_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['delegate.user_id'], name=op.f('fk_feedback_vote_user_id_delegate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_vote')),
    sa.UniqueConstraint('user_id', 'session_id', name=op.f('uq_feedback_vote_user_id')),
    )
    op.create_index(op.f('ix_feedback_vote_session_id'), 'feedback_vote', ['session_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_feedback_vote_session_id'), table_name='feedback_vote')
    op.drop_table('feedback_vote')
    op.drop_index(op.f('ix_feedback_prompt_session_id'), table_name='feedback_prompt')
    op.drop_table('feedback_prompt')
    op.drop_index(op.f('ix_feedback_opened_session_id'), table_name='feedback_opened')
    op.drop_table('feedback_opened')
