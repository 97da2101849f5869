"""agenda, topics, actions, notes

Existing occurrences get defaults (no agenda yet, meeting number 0).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:16:24.705678
"""

from alembic import op
import sqlalchemy as sa
import service.store.models


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('actions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('carried', sa.Integer(), nullable=False),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('raised_occurrence_id', sa.Integer(), nullable=True),
    sa.Column('closed_occurrence_id', sa.Integer(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', service.store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', service.store.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['closed_occurrence_id'], ['occurrences.id'], ),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairings.id'], ),
    sa.ForeignKeyConstraint(['raised_occurrence_id'], ['occurrences.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('raised_occurrence_id', 'fingerprint')
    )
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actions_pairing_id'), ['pairing_id'], unique=False)

    op.create_table('notes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('private', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('created_at', service.store.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrences.id'], ),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairings.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_occurrence_id'), ['occurrence_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notes_pairing_id'), ['pairing_id'], unique=False)

    op.create_table('question_uses',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=40), nullable=False),
    sa.Column('used_at', service.store.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrences.id'], ),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairings.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pairing_id', 'occurrence_id')
    )
    with op.batch_alter_table('question_uses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_uses_pairing_id'), ['pairing_id'], unique=False)

    op.create_table('topics',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('by', sa.String(length=10), nullable=False),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('carried', sa.Integer(), nullable=False),
    sa.Column('discussed_occurrence_id', sa.Integer(), nullable=True),
    sa.Column('created_at', service.store.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['discussed_occurrence_id'], ['occurrences.id'], ),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairings.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topics_pairing_id'), ['pairing_id'], unique=False)

    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_number', sa.Integer(), nullable=False, server_default=sa.text('0')))
        batch_op.add_column(sa.Column('agenda_state', sa.String(length=20), nullable=False, server_default='pending'))
        batch_op.add_column(sa.Column('agenda_updates', sa.Integer(), nullable=False, server_default=sa.text('0')))
        batch_op.add_column(sa.Column('agenda_fingerprint', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('agenda_topics', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('agenda_at', service.store.models.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('covers_development', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('question_id', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('captured_at', service.store.models.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('captured_fingerprint', sa.String(length=64), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.drop_column('captured_fingerprint')
        batch_op.drop_column('captured_at')
        batch_op.drop_column('question_id')
        batch_op.drop_column('covers_development')
        batch_op.drop_column('agenda_at')
        batch_op.drop_column('agenda_topics')
        batch_op.drop_column('agenda_fingerprint')
        batch_op.drop_column('agenda_updates')
        batch_op.drop_column('agenda_state')
        batch_op.drop_column('meeting_number')

    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_topics_pairing_id'))

    op.drop_table('topics')
    with op.batch_alter_table('question_uses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_uses_pairing_id'))

    op.drop_table('question_uses')
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notes_pairing_id'))
        batch_op.drop_index(batch_op.f('ix_notes_occurrence_id'))

    op.drop_table('notes')
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_actions_pairing_id'))

    op.drop_table('actions')
