"""people, pairings, series, occurrences

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 07:26:55.378976
"""

from alembic import op
import sqlalchemy as sa
import service.store.models


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('people',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('hire_date', sa.Date(), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=True),
    sa.Column('working_days', sa.String(length=80), nullable=True),
    sa.Column('working_start', sa.String(length=5), nullable=True),
    sa.Column('working_end', sa.String(length=5), nullable=True),
    sa.Column('manages_others', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('seen_at', service.store.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_email'), ['email'], unique=False)

    op.create_table('pairings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('manager_id', sa.String(length=64), nullable=False),
    sa.Column('report_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('cadence', sa.String(length=20), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('cadence_reason', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', service.store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', service.store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', service.store.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=200), nullable=False),
    sa.Column('lease_owner', sa.String(length=80), nullable=True),
    sa.Column('lease_until', service.store.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['manager_id'], ['people.id'], ),
    sa.ForeignKeyConstraint(['report_id'], ['people.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('pairings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pairings_manager_id'), ['manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pairings_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pairings_status'), ['status'], unique=False)

    op.create_table('series',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('mailbox', sa.String(length=320), nullable=False),
    sa.Column('event_id', sa.String(length=400), nullable=True),
    sa.Column('ical_uid', sa.String(length=400), nullable=True),
    sa.Column('transaction_id', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('cadence', sa.String(length=20), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('week_index', sa.String(length=10), nullable=True),
    sa.Column('start_time', sa.String(length=5), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('first_date', sa.Date(), nullable=False),
    sa.Column('range_end', sa.Date(), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('slot_note', sa.Text(), nullable=False),
    sa.Column('created_at', service.store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', service.store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('checked_at', service.store.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', service.store.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairings.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('transaction_id')
    )
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_series_pairing_id'), ['pairing_id'], unique=False)
        batch_op.create_index('one_live_series_per_pairing', ['pairing_id'], unique=True, sqlite_where=sa.text("status IN ('creating', 'active')"), postgresql_where=sa.text("status IN ('creating', 'active')"))

    op.create_table('occurrences',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=400), nullable=False),
    sa.Column('original_start', service.store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('start', service.store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('end', service.store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('updated_at', service.store.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('series_id', 'original_start')
    )
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_occurrences_series_id'), ['series_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_occurrences_start'), ['start'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('occurrences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_occurrences_start'))
        batch_op.drop_index(batch_op.f('ix_occurrences_series_id'))

    op.drop_table('occurrences')
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.drop_index('one_live_series_per_pairing', sqlite_where=sa.text("status IN ('creating', 'active')"), postgresql_where=sa.text("status IN ('creating', 'active')"))
        batch_op.drop_index(batch_op.f('ix_series_pairing_id'))

    op.drop_table('series')
    with op.batch_alter_table('pairings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pairings_status'))
        batch_op.drop_index(batch_op.f('ix_pairings_report_id'))
        batch_op.drop_index(batch_op.f('ix_pairings_manager_id'))

    op.drop_table('pairings')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_email'))

    op.drop_table('people')
