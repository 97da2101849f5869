"""when Graph began refusing a pair's agenda reads or updates

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 00:00:00

A manager's mailbox whose meetings the app may list but not update (Calendars.Read granted
instead of Calendars.ReadWrite, or an access policy or RBAC scope leaving the mailbox out
after the series was booked) had its agenda refused (403) on every run, said only in the
worker log. Since when it has been refused, for `onetoone status`. Null: not refused (or a
read or update has succeeded since).
"""

import sqlalchemy as sa
from alembic import op

import service.store.models

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('pairings', sa.Column('agenda_denied_at',
                                        service.store.models.UtcDateTime(timezone=True),
                                        nullable=True))


def downgrade() -> None:
    # A plain column drop, as in 0022 (SQLite drops a column in place since 3.35).
    op.drop_column('pairings', 'agenda_denied_at')
