"""schedule imports: tracks; sessions, speakers, rooms and days know which importer owns them and
who an imported talk is across exports; the sync's sources, history and lease

Revision ID: 0020
Revises: 0014
Create Date: 2026-12-03 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db

revision = '0020'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lease',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=False),
    sa.Column('until', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_lease'))
    )
    op.create_table('schedule_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('etag', sa.String(length=300), nullable=True),
    sa.Column('last_modified', sa.String(length=100), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('checked_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('succeeded_at', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failing_since', bot.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('failure_reported', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_source')),
    sa.UniqueConstraint('url', name=op.f('uq_schedule_source_url'))
    )
    op.create_table('schedule_sync',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', bot.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=1000), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('alerts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_sync')),
    sqlite_autoincrement=True
    )
    op.create_table('track',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_track'))
    )
    with op.batch_alter_table('day', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), server_default='event', nullable=False))
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_schedule', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('session_overrides', sa.JSON(), nullable=True))
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), server_default='event', nullable=False))
    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), server_default='event', nullable=False))
        batch_op.add_column(sa.Column('identity', sa.String(length=250), nullable=True))
        batch_op.add_column(sa.Column('guid', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('external_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('subtitle', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('track_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('url', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('links', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_session_guid'), ['guid'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_identity'), ['identity'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_session_track_id_track'), 'track', ['track_id'], ['id'])
    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), server_default='event', nullable=False))
        batch_op.add_column(sa.Column('external_id', sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_speaker_external_id'), ['external_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_speaker_external_id'))
        batch_op.drop_column('external_id')
        batch_op.drop_column('source')
    with op.batch_alter_table('session', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_session_track_id_track'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_session_identity'))
        batch_op.drop_index(batch_op.f('ix_session_guid'))
        batch_op.drop_column('links')
        batch_op.drop_column('url')
        batch_op.drop_column('language')
        batch_op.drop_column('track_id')
        batch_op.drop_column('subtitle')
        batch_op.drop_column('external_id')
        batch_op.drop_column('guid')
        batch_op.drop_column('identity')
        batch_op.drop_column('source')
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.drop_column('source')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('session_overrides')
        batch_op.drop_column('from_schedule')
    with op.batch_alter_table('day', schema=None) as batch_op:
        batch_op.drop_column('source')

    op.drop_table('track')
    op.drop_table('schedule_sync')
    op.drop_table('schedule_source')
    op.drop_table('lease')
