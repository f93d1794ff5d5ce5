"""accreditation codes (hashed), wrong-code attempts, verified-only FAQ answers, places near the venue

Revision ID: 0008
Revises: 0001
Create Date: 2026-11-29 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0008'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('access_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=8), nullable=False),
    sa.Column('delegation_id', sa.String(length=8), nullable=False),
    sa.Column('batch', sa.String(length=40), nullable=False),
    sa.Column('created_at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_by', sa.BigInteger(), nullable=True),
    sa.Column('used_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_access_code_code_hash'))
    )
    op.create_index(op.f('ix_access_code_delegation_id'), 'access_code', ['delegation_id'], unique=False)
    op.create_index(op.f('ix_access_code_used_by'), 'access_code', ['used_by'], unique=False)
    op.create_table('code_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_code_attempt'))
    )
    op.create_index('ix_code_attempt_user_at', 'code_attempt', ['user_id', 'at'], unique=False)
    op.create_table('place',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('address', sa.JSON(), nullable=False),
    sa.Column('note', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place'))
    )
    op.create_index(op.f('ix_place_category'), 'place', ['category'], unique=False)
    with op.batch_alter_table('faq', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_answer', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('faq', schema=None) as batch_op:
        batch_op.drop_column('verified_answer')
    op.drop_index(op.f('ix_place_category'), table_name='place')
    op.drop_table('place')
    op.drop_index('ix_code_attempt_user_at', table_name='code_attempt')
    op.drop_table('code_attempt')
    op.drop_index(op.f('ix_access_code_used_by'), table_name='access_code')
    op.drop_index(op.f('ix_access_code_delegation_id'), table_name='access_code')
    op.drop_table('access_code')
