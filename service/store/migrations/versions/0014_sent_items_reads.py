"""where each manager's Sent Items were last read for rebooking picks

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 06:00:00

Without a service mailbox, rebooking picks are read from managers' Sent Items. Reads are
incremental (mail sent since the last read) and happen only when a pick can matter, so the
instant the last read of each mailbox covered is kept.
"""

import sqlalchemy as sa
from alembic import op

import service.store.models

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sent_items_reads',
        sa.Column('mailbox', sa.String(length=320), nullable=False),
        sa.Column('read_through', service.store.models.UtcDateTime(timezone=True),
                  nullable=False),
        sa.Column('updated_at', service.store.models.UtcDateTime(timezone=True),
                  nullable=False),
        sa.PrimaryKeyConstraint('mailbox'),
    )


def downgrade() -> None:
    op.drop_table('sent_items_reads')
