"""capture etags: late edits are read when a calendar read sees them

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 06:30:00

Each occurrence keeps the etag its last read-back found (``captured_etag``) and when a read
of the manager's calendar last saw it change after that (``changed_at``). The re-reads a day
and a week after a meeting are then skipped when a calendar read since vouches that the
event has not changed, and a late edit is read as soon as a calendar read sees it. Existing
rows start empty, which means "not vouched for": they are re-read as before.
``read_back_at`` (indexed) is when a meeting already read back is next looked at, so a tick
finds those due without going through every meeting of the last weeks; existing meetings
read back in the last 60 days (the longest re-read window) are looked at once, on the first
run, which sets it from the configured window.
"""

from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa
import service.store.models


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('occurrences', sa.Column('captured_etag', sa.String(length=200),
                                           nullable=True))
    op.add_column('occurrences', sa.Column('changed_at',
                                           service.store.models.UtcDateTime(timezone=True),
                                           nullable=True))
    op.add_column('occurrences', sa.Column('read_back_at',
                                           service.store.models.UtcDateTime(timezone=True),
                                           nullable=True))
    op.create_index('ix_occurrences_read_back_at', 'occurrences', ['read_back_at'],
                    unique=False)
    occurrences = sa.table('occurrences',
                           sa.column('end', service.store.models.UtcDateTime(timezone=True)),
                           sa.column('captured_at',
                                     service.store.models.UtcDateTime(timezone=True)),
                           sa.column('read_back_at',
                                     service.store.models.UtcDateTime(timezone=True)))
    since = datetime.now(UTC) - timedelta(days=61)
    op.execute(occurrences.update()
               .where(occurrences.c.captured_at.is_not(None), occurrences.c.end >= since)
               .values(read_back_at=occurrences.c.captured_at))


def downgrade() -> None:
    # Plain column drops, as in 0012 (SQLite drops a column in place since 3.35).
    op.drop_index('ix_occurrences_read_back_at', table_name='occurrences')
    op.drop_column('occurrences', 'read_back_at')
    op.drop_column('occurrences', 'changed_at')
    op.drop_column('occurrences', 'captured_etag')
