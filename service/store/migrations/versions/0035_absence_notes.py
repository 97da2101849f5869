"""long absences their managers were told of, with their spans

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-16 09:00:00

The note about a long absence was known by the absence's first day only: leave edited in
Outlook to start earlier was a new first day, and the manager got a second note about the
same absence. Each note's absence is now kept with its span, and an edit of it updates the
span (service/domain/absence_notes.py). Empty at first: an absence noted before this is
noted again by nothing, as its note's key (its first day) is the one a new note would use,
unless its first day was edited before a run after the upgrade checked a meeting inside it.
That run keeps its span, the note adopted (AbsenceNoteRepository.note_absence), and later
edits are edits of a noted absence.
"""

import sqlalchemy as sa
from alembic import op

import service.store.models

revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'absence_notes',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('manager_id', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.String(length=64), nullable=False),
        sa.Column('first', sa.Date(), nullable=False),
        sa.Column('last', sa.Date(), nullable=False),
        sa.Column('open_after', sa.Boolean(), nullable=False),
        sa.Column('updated_at', service.store.models.UtcDateTime(timezone=True),
                  nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    op.create_index('ix_absence_notes_who', 'absence_notes', ['manager_id', 'person_id'])


def downgrade() -> None:
    op.drop_index('ix_absence_notes_who', table_name='absence_notes')
    op.drop_table('absence_notes')
