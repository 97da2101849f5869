"""where a rebooking offer's picks arrive

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 10:00:00

An offer's links address the service mailbox ([mail] topics_mailbox) or, without one, the
manager's own plus-address, read back from their Sent Items. Which one was decided by the
setting as it is now, so an offer made before the admin set a service mailbox was never read
again: the manager's pick went unbooked and the offer lapsed in silence. The address the
links use is kept here. Null: made before this column (read as the setting says now, as
before).
"""

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('rebooks', sa.Column('picks_to', sa.String(length=320), nullable=True))


def downgrade() -> None:
    # A plain column drop, as in 0020 (SQLite drops a column in place since 3.35).
    op.drop_column('rebooks', 'picks_to')
