"""merge the feature branches (reminders, broadcasts, helpdesk, accreditation, feedback, questions)
into one head, so that every later migration has one parent

Revision ID: 0013
Revises: 0004, 0005, 0006, 0008, 0009, 0012
Create Date: 2026-12-03 08:00:00.000000
"""

from __future__ import annotations

revision = '0013'
down_revision = ('0004', '0005', '0006', '0008', '0009', '0012')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
