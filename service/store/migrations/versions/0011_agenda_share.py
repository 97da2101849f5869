"""agenda share: what each meeting's agenda was written with

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 03:00:00

When a meeting's agenda is written, the meeting keeps the report-led share over the pair's
last meetings (report's topics, all topics: the HR report reads it) and which earlier
meeting its Last time section recalled (so reading the notes back later recognises those
lines as the agenda's). All nullable: agendas written before this hold none.
"""

from alembic import op
import sqlalchemy as sa
import service.store.models  # noqa: F401


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

COLUMNS = ('last_time_id', 'share_report', 'share_topics')


def upgrade() -> None:
    # last_time_id carries no database-level foreign key (as rebook_of, migration 0005).
    for column in COLUMNS:
        op.add_column('occurrences', sa.Column(column, sa.Integer(), nullable=True))


def downgrade() -> None:
    for column in reversed(COLUMNS):
        op.drop_column('occurrences', column)
