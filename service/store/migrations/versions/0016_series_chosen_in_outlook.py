"""the cadence and length a series answered to when its manager re-timed it in Outlook

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 00:30:00

A manager may edit the whole series in Outlook (another day, time, length or cadence);
onetoone follows it. The pairing's cadence and length still come from the policy, so a
series is ended and booked again only when those change, not because the manager chose
otherwise: these columns keep what the policy said when the manager chose (null for a
series as onetoone booked it).
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('series', sa.Column('policy_cadence', sa.String(length=20), nullable=True))
    op.add_column('series', sa.Column('policy_minutes', sa.Integer(), nullable=True))


def downgrade() -> None:
    # Plain column drops, as in 0012 and 0013 (SQLite drops a column in place since 3.35).
    op.drop_column('series', 'policy_minutes')
    op.drop_column('series', 'policy_cadence')
