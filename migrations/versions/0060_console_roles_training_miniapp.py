"""organisers' console and Mini App: organiser agents, who sent a console broadcast (and its form,
sent once), trainings started from the console, the Mini App's menu button per chat

Revision ID: 0060
Revises: 0030
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0060'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('helpdesk_agent') as batch:
        batch.add_column(sa.Column('organiser', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('broadcast') as batch:
        batch.add_column(sa.Column('sent_by', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('form_key', sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f('uq_broadcast_form_key'), ['form_key'])

    op.create_table('training_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=True),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('started_by', sa.String(length=100), nullable=False),
    sa.Column('owner', sa.String(length=100), nullable=False),
    sa.Column('examples', sa.Integer(), nullable=True),
    sa.Column('export', sa.Text(), nullable=True),
    sa.Column('model_before', sa.String(length=64), nullable=True),
    sa.Column('model_after', sa.String(length=64), nullable=True),
    sa.Column('candidate', sa.String(length=500), nullable=True),
    sa.Column('accuracy_before', sa.Float(), nullable=True),
    sa.Column('accuracy_after', sa.Float(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('started_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_run')),
    sa.UniqueConstraint('slot', name=op.f('uq_training_run_slot')),
    )

    op.create_table('miniapp_menu_button',
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('set_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_miniapp_menu_button')),
    )


def downgrade() -> None:
    op.drop_table('miniapp_menu_button')
    op.drop_table('training_run')
    with op.batch_alter_table('broadcast') as batch:
        batch.drop_constraint(op.f('uq_broadcast_form_key'), type_='unique')
        batch.drop_column('form_key')
        batch.drop_column('sent_by')
    with op.batch_alter_table('helpdesk_agent') as batch:
        batch.drop_column('organiser')
