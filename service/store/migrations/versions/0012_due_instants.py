"""due instants: what a tick must do, found by index

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 03:00:00

Each series keeps when the occurrence sync must next list it (``next_due_at``, indexed), so
a tick finds the series whose agendas fall due with one indexed query instead of working it
out for every series. Existing rows start empty, which means "work it out now": the first
tick does, once. ``due_version`` moves on with every change that empties it (so an instant
worked out from rows read before the change is not stored over it), ``revision`` with each
change of the series' own pattern or state. ``due_marks`` keeps what the instants were
worked out with (the agenda lead time: a change empties them all again) and how long the
series as they are stay clear of clashes (the overlap check is skipped until then).
Occurrences get an index on their end (the notes read-back looks for meetings that ended
lately), and people the time their mailbox settings were last read (empty: read them when
next needed, as before).
"""

from alembic import op
import sqlalchemy as sa
import service.store.models


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('series', sa.Column('next_due_at',
                                      service.store.models.UtcDateTime(timezone=True),
                                      nullable=True))
    op.create_index('ix_series_next_due_at', 'series', ['next_due_at'], unique=False)
    op.add_column('series', sa.Column('due_version', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.add_column('series', sa.Column('revision', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.create_index('ix_occurrences_end', 'occurrences', ['end'], unique=False)
    op.add_column('people', sa.Column('mailbox_read_at',
                                      service.store.models.UtcDateTime(timezone=True),
                                      nullable=True))
    op.create_table(
        'due_marks',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    # Plain column drops, as in 0011: SQLite cannot rebuild a table other tables' rows
    # point at (a batch copy would), and it drops a column in place since 3.35.
    op.drop_table('due_marks')
    op.drop_column('people', 'mailbox_read_at')
    op.drop_index('ix_occurrences_end', table_name='occurrences')
    op.drop_index('ix_series_next_due_at', table_name='series')
    op.drop_column('series', 'revision')
    op.drop_column('series', 'due_version')
    op.drop_column('series', 'next_due_at')
