"""people's other addresses (the UPN, proxyAddresses' aliases), and the directory read whole
once to learn them

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-14 09:00:00

An Outlook @mention carries whichever of a person's addresses the people picker found. One
of the manager's or the report's aliases named someone else, "Rob" rather than Rob Report,
in the report's summary and the actions carried. The directory sync now reads
proxyAddresses with the properties it reads anyway (no request of its own), and keeps each
person's other addresses. Empty until the next directory sync.

As in 0027, a users/delta link keeps the $select it was made with, so one stored before this
never brings proxyAddresses: the link and the directory's copy are dropped together, and
the next sync reads the directory whole (and the mailbox purposes of those who may be
paired: pairs_purpose.py), as a first one does. Nothing to undo for them.
"""

import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('people', sa.Column('aliases', sa.Text(), nullable=False, server_default=''))
    op.execute(sa.text('DELETE FROM directory_users'))
    op.execute(sa.text('DELETE FROM directory_sync'))


def downgrade() -> None:
    # A plain column drop, as in 0027 (SQLite drops a column in place since 3.35).
    op.drop_column('people', 'aliases')
