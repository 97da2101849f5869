"""a series whose listing keeps failing waits before it is listed again

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 13:00:00

A series whose occurrence listing failed (a mailbox outside the app's access policy, one
being deprovisioned, an outage that lasts) kept its due instant, so every run listed it
again: about a hundred requests a day per series, for as long as it failed. When its
failures in a row began, and when it may be listed again (see domain.series
listing_retry_at). Null: not failing.
"""

import sqlalchemy as sa
from alembic import op

import service.store.models

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('series', sa.Column('listing_failed_at',
                                      service.store.models.UtcDateTime(timezone=True),
                                      nullable=True))
    op.add_column('series', sa.Column('listing_retry_at',
                                      service.store.models.UtcDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    # A plain column drop, as in 0020 (SQLite drops a column in place since 3.35).
    op.drop_column('series', 'listing_retry_at')
    op.drop_column('series', 'listing_failed_at')
