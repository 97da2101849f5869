"""mailboxes Graph keeps throttling, and until when their requests wait

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-15 09:00:00

A mailbox Graph throttled for hours (another app using it up) was given up for the run only:
every later run spent its 30 s on it again, and each request added to its throttling. Each
mailbox given up now keeps, here, until when Graph asked to be left alone (capped): every
run of every replica skips its requests until then without a request, and its work stays
due. Empty at first: nothing was kept before.
"""

import sqlalchemy as sa
from alembic import op

import service.store.models

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'mailbox_holds',
        sa.Column('mailbox', sa.String(length=320), nullable=False),
        sa.Column('until', service.store.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column('since', service.store.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('mailbox'),
    )


def downgrade() -> None:
    op.drop_table('mailbox_holds')
