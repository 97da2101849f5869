"""mail replies: the report's comments on a meeting, private notes by mail

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 03:00:00

Replies to the summary are kept per meeting (report_comments); a private note the manager
mails is a note like `notes add --private`, keyed by its mail so it is kept once. The notes
column is added in place (no table rebuild: other tables' rows point at notes on SQLite).
"""

from alembic import op
import sqlalchemy as sa
import service.store.models


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'report_comments',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('pairing_id', sa.Integer(), nullable=False),
        sa.Column('occurrence_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('source_message_id', sa.String(length=80), nullable=False),
        sa.Column('created_at', service.store.models.UtcDateTime(timezone=True),
                  nullable=False),
        sa.ForeignKeyConstraint(['pairing_id'], ['pairings.id']),
        sa.ForeignKeyConstraint(['occurrence_id'], ['occurrences.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source_message_id'),
    )
    op.create_index('ix_report_comments_pairing_id', 'report_comments', ['pairing_id'])
    op.create_index('ix_report_comments_occurrence_id', 'report_comments', ['occurrence_id'])
    op.add_column('notes', sa.Column('source_message_id', sa.String(length=80), nullable=True))
    op.create_index('ix_notes_source_message_id', 'notes', ['source_message_id'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_notes_source_message_id', table_name='notes')
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_column('source_message_id')
    op.drop_index('ix_report_comments_occurrence_id', table_name='report_comments')
    op.drop_index('ix_report_comments_pairing_id', table_name='report_comments')
    op.drop_table('report_comments')
