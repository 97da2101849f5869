"""the agenda's text as written into each meeting

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 07:00:00

The notes read-back tells the agenda's own lines from the manager's notes by comparing the
block with the agenda. It used to render the agenda again with the current template, so an
organisation's agenda.html.j2 edited while agendas were still in invites turned the old
version's lines into notes (in the summary, the record and the next agenda). The block's
text as written (as Exchange stored it) is kept here instead. Null: not written, or written
before this column (those are rendered again, as before), or erased (`forget`, retention).
"""

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('occurrences', sa.Column('agenda_text', sa.Text(), nullable=True))


def downgrade() -> None:
    # A plain column drop, as in 0018 (SQLite drops a column in place since 3.35).
    op.drop_column('occurrences', 'agenda_text')
