"""when a pair left to a 1-2-1 series of its own is looked at again

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 08:00:00

A pair whose own series onetoone cannot take on (the report organises it, or it repeats in
a way onetoone cannot follow) used to wait for `onetoone pairs reset`: once that series
ended or was deleted, the pair had no 1-2-1s at all and nothing said so. The schedule run now
looks again the day after its last meeting, and weekly meanwhile; these columns keep which
series it was and when to look. Null: never left so, or left before this column (looked at
on the next run).
"""

import sqlalchemy as sa
from alembic import op

import service.store.models

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('pairings', sa.Column('own_event_id', sa.String(length=400), nullable=True))
    op.add_column('pairings', sa.Column('own_check_at',
                                        service.store.models.UtcDateTime(timezone=True),
                                        nullable=True))


def downgrade() -> None:
    # Plain column drops, as in 0016 (SQLite drops a column in place since 3.35).
    op.drop_column('pairings', 'own_check_at')
    op.drop_column('pairings', 'own_event_id')
