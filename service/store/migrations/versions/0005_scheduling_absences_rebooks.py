"""scheduling lock, absences and rebooked meetings

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:55:00
"""

from alembic import op
import sqlalchemy as sa
import service.store.models


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'locks',
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('owner', sa.String(length=80), nullable=False),
        sa.Column('until', service.store.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    # Plain ADD COLUMNs: a batch (copy-and-rename) of `occurrences` cannot run on SQLite
    # while other tables' rows reference it with foreign keys on. For the same reason
    # rebook_of carries no database-level foreign key.
    op.add_column('occurrences', sa.Column('moved_reason', sa.Text(), nullable=True))
    op.add_column('occurrences', sa.Column('absence_state', sa.String(length=20), nullable=True))
    op.add_column('occurrences', sa.Column('absence_checked_at',
                                           service.store.models.UtcDateTime(timezone=True),
                                           nullable=True))
    op.add_column('occurrences', sa.Column('rebook_of', sa.Integer(), nullable=True))
    op.create_table(
        'rebooks',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('pairing_id', sa.Integer(), nullable=False),
        sa.Column('missed_occurrence_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('slots', sa.Text(), nullable=False),
        sa.Column('token', sa.String(length=40), nullable=False),
        sa.Column('offered_at', service.store.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column('booked_index', sa.Integer(), nullable=True),
        sa.Column('booked_event_id', sa.String(length=400), nullable=True),
        sa.Column('transaction_id', sa.String(length=80), nullable=True),
        sa.Column('booked_at', service.store.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column('updated_at', service.store.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['pairing_id'], ['pairings.id']),
        sa.ForeignKeyConstraint(['missed_occurrence_id'], ['occurrences.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('missed_occurrence_id'),
        sa.UniqueConstraint('token'),
        sa.UniqueConstraint('transaction_id'),
    )
    with op.batch_alter_table('rebooks', schema=None) as batch_op:
        batch_op.create_index('ix_rebooks_pairing_id', ['pairing_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rebooks', schema=None) as batch_op:
        batch_op.drop_index('ix_rebooks_pairing_id')
    op.drop_table('rebooks')
    for column in ('rebook_of', 'absence_checked_at', 'absence_state', 'moved_reason'):
        op.drop_column('occurrences', column)
    op.drop_table('locks')
