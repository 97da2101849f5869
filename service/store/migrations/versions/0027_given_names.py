"""people's given names (Entra's givenName), and the directory read whole once to learn them

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-10 09:00:00

Mails and agendas called people by the first word of their display name ("Hi van," for
"van der Berg, Anna", "Dr's topics" for "Dr Samir Khan"), and the notes reader took that
word for them. givenName says which word it is. Empty until the next directory sync.

A users/delta link keeps the $select it was first made with, so one stored before this
never brings givenName: the link and the directory's copy are dropped (together: a copy
without its link is never read, and the next read's users would not insert over it), and
the next sync reads the directory whole, as a first one does. Nothing to undo for them.
"""

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('people', sa.Column('given_name', sa.String(length=64), nullable=False,
                                      server_default=''))
    op.execute(sa.text('DELETE FROM directory_users'))
    op.execute(sa.text('DELETE FROM directory_sync'))


def downgrade() -> None:
    # A plain column drop, as in 0023 (SQLite drops a column in place since 3.35).
    op.drop_column('people', 'given_name')
