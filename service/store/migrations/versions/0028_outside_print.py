"""words typed outside the agenda block: a print of them when written, and a flag when read

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-12 09:00:00

A manager who typed the notes above the agenda's start line (where Outlook's caret lands) got
a reminder saying nothing was recorded, with times to rebook a meeting that took place. Text
outside the block is still never read; what is kept is ``outside_print``, the count and a
hash of the words outside the block as the agenda was last written (never the words), and
``typed_outside``, set when a read-back finds more of them: the reminder then says where the
notes must go, and offers no times. Null and false for meetings written before: they are
read back as before (no print, nothing to compare with).
"""

import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('occurrences', sa.Column('outside_print', sa.String(length=80),
                                           nullable=True))
    op.add_column('occurrences', sa.Column('typed_outside', sa.Boolean(), nullable=False,
                                           server_default=sa.false()))


def downgrade() -> None:
    # Plain column drops, as in 0027 (SQLite drops a column in place since 3.35).
    op.drop_column('occurrences', 'typed_outside')
    op.drop_column('occurrences', 'outside_print')
