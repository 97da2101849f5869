"""the agenda update a run sent and has not recorded yet

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 15:00:00

An update of an agenda already in an invite (a topic added) may be applied by Exchange and
its answer lost (a 504, a dropped connection, a kill). Its block's fingerprint is kept here
before it is sent, so a later run knows that block for its own, not for the manager's
typing, even when it would now write another (a second topic since); it is cleared once an
update is recorded. Null: nothing sent unrecorded.
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('occurrences', sa.Column('agenda_sending', sa.String(length=64),
                                           nullable=True))


def downgrade() -> None:
    # A plain column drop, as in 0016 (SQLite drops a column in place since 3.35).
    op.drop_column('occurrences', 'agenda_sending')
