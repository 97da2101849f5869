"""calendar delta links kept in a table of their own again: each calendar is read whole once

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 03:00:00

A read of a manager's calendar now also notes, for each meeting not read back yet, whether
something was typed into its agenda (the notes step then needs no read of an untouched
meeting). Reads by an earlier version did not, so a meeting they listed could look untouched
to the next read: their links are not kept. The links move to ``calendar_reads`` (empty, so
each calendar's next read lists its whole window again) and ``calendar_delta`` goes, so a
run of the earlier version still going while the database is upgraded cannot keep a link
the new version would use.
"""

from alembic import op
import sqlalchemy as sa
import service.store.models

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def _table(name: str) -> None:
    op.create_table(
        name,
        sa.Column('mailbox', sa.String(length=320), nullable=False),
        sa.Column('link', sa.Text(), nullable=False),
        sa.Column('window_start', service.store.models.UtcDateTime(timezone=True),
                  nullable=False),
        sa.Column('window_end', service.store.models.UtcDateTime(timezone=True),
                  nullable=False),
        sa.Column('updated_at', service.store.models.UtcDateTime(timezone=True),
                  nullable=False),
        sa.PrimaryKeyConstraint('mailbox'),
    )


def upgrade() -> None:
    _table('calendar_reads')
    op.drop_table('calendar_delta')


def downgrade() -> None:
    # (Empty: the earlier version reads each calendar whole once.)
    _table('calendar_delta')
    op.drop_table('calendar_reads')
