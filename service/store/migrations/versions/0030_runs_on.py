"""an ended series that runs on in Outlook: how far its meetings are cancelled

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-14 09:00:00

A 1-2-1 series with no end date in Outlook (the pair's own, adopted as it stood) that ended
when its pair did had only its next year's meetings cancelled: a year later they came back,
weekly, in both calendars, for good. Such a series now keeps the last day its meetings are
cancelled to, and the schedule step cancels the next stretch before that day comes within
[policy] months_ahead (domain/runs_on.py). Null: nothing of it is left to cancel.

The store kept no record of which series ended so: their range end was cut to the day they
ended. Every ended series is set to the day it ended, so the schedule step looks at each
once (oldest first, a few a run): one read of its meetings to come, and when there are none,
one of the series itself. One that runs on has them cancelled and its manager is mailed;
the others (an end date, cancelled whole, deleted) are cleared.
"""

import sqlalchemy as sa
from alembic import op

import service.store.models

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

series = sa.table('series', sa.column('id', sa.Integer), sa.column('status', sa.String),
                  sa.column('event_id', sa.String),
                  sa.column('ended_at', service.store.models.UtcDateTime(timezone=True)),
                  sa.column('cancelled_to', sa.Date))


def upgrade() -> None:
    op.add_column('series', sa.Column('cancelled_to', sa.Date(), nullable=True))
    op.create_index('ix_series_cancelled_to', 'series', ['cancelled_to'], unique=False)
    bind = op.get_bind()
    rows = bind.execute(sa.select(series.c.id, series.c.ended_at).where(
        series.c.status == 'ended', series.c.event_id.is_not(None),
        series.c.ended_at.is_not(None))).all()
    for series_id, ended_at in rows:
        bind.execute(series.update().where(series.c.id == series_id)
                     .values(cancelled_to=ended_at.date()))


def downgrade() -> None:
    op.drop_index('ix_series_cancelled_to', table_name='series')
    # A plain column drop, as in 0024 (SQLite drops a column in place since 3.35).
    op.drop_column('series', 'cancelled_to')
