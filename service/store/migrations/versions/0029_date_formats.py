"""people's date format (mailboxSettings' dateFormat), and the order each meeting's notes
were read in

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-12 09:00:00

A due date typed as numbers ("by 12/10") was read day/month whoever typed it, so a US
manager's 10 December reached the report as 12 October. Numeric dates now follow the order
of the manager's Outlook date format, read with the mailbox settings onetoone reads anyway.
Null until read: day/month, as before.

Each meeting keeps the order its notes were first read in, and its re-reads use it: an
action whose date read otherwise would be withdrawn and added again. The meetings already
read were read day/month, with nothing read the other way round ("12/15" was no date), so
that is what they keep (``DateOrder.DAY_FIRST_ONLY``).
"""

import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

occurrences = sa.table('occurrences', sa.column('captured_fingerprint', sa.String),
                       sa.column('notes_date_order', sa.String))


def upgrade() -> None:
    op.add_column('people', sa.Column('date_format', sa.String(length=64), nullable=True))
    op.add_column('occurrences', sa.Column('notes_date_order', sa.String(length=20),
                                           nullable=True))
    op.execute(occurrences.update()
               .where(occurrences.c.captured_fingerprint.is_not(None))
               .values(notes_date_order='day-first-only'))


def downgrade() -> None:
    # Plain column drops, as in 0027 (SQLite drops a column in place since 3.35).
    op.drop_column('occurrences', 'notes_date_order')
    op.drop_column('people', 'date_format')
