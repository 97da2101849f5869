"""calendar delta links per manager mailbox

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:50:00

The occurrence sync reads each manager's calendar incrementally (calendarView/delta): the
delta link of the last round, and the window it was made for, are kept per mailbox.
"""

from alembic import op
import sqlalchemy as sa
import service.store.models


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'calendar_delta',
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


def downgrade() -> None:
    op.drop_table('calendar_delta')
