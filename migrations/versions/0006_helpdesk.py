"""helpdesk: ticket life cycle (didn't-answer button, closing, labels, group post) and console accounts

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-29 02:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0006'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('turn_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('topic', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('closed_at', bot.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('new_faq', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('labelled_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('labelled_at', bot.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('relay_queued_at', bot.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('relay_shown', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_ticket_turn_id'), ['turn_id'])

    op.create_table('helpdesk_agent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_helpdesk_agent')),
    sa.UniqueConstraint('name', name=op.f('uq_helpdesk_agent_name'))
    )
    op.create_table('helpdesk_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['helpdesk_agent.id'], name=op.f('fk_helpdesk_session_agent_id_helpdesk_agent'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_helpdesk_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_helpdesk_session_token_hash'))
    )
    with op.batch_alter_table('helpdesk_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_helpdesk_session_agent_id'), ['agent_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('helpdesk_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_helpdesk_session_agent_id'))
    op.drop_table('helpdesk_session')
    op.drop_table('helpdesk_agent')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_ticket_turn_id'), type_='unique')
        for column in ('relay_shown', 'relay_queued_at', 'labelled_at', 'labelled_by', 'new_faq', 'closed_by', 'closed_at', 'topic', 'turn_id'):
            batch_op.drop_column(column)
