"""each manager's calendar is read whole once more

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 03:00:00

A read of a manager's calendar now also notes, for each meeting not read back yet, whether
something was typed into its agenda (the notes step then needs no read of an untouched
meeting). The reads made before did not, so a meeting they listed could look untouched: the
kept delta links are dropped, and each calendar's next read lists its whole window again.
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM calendar_delta"))


def downgrade() -> None:
    pass  # (the next reads are whole; nothing to put back)
