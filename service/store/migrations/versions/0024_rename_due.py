"""when a series' subject fell behind a rename of one of its pair

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 14:00:00

A person renamed in the directory (a marriage, a transition, a spelling put right) kept the
old name in the subject of every meeting still to come of their 1-2-1 series, booked six
months ahead. Set when the directory sync stores a new name for either person of the pair;
cleared once the series' subject is updated in Outlook. Null: nothing to update.
"""

import sqlalchemy as sa
from alembic import op

import service.store.models

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('series', sa.Column('rename_due_at',
                                      service.store.models.UtcDateTime(timezone=True),
                                      nullable=True))
    op.create_index('ix_series_rename_due_at', 'series', ['rename_due_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_series_rename_due_at', table_name='series')
    # A plain column drop, as in 0022 (SQLite drops a column in place since 3.35).
    op.drop_column('series', 'rename_due_at')
