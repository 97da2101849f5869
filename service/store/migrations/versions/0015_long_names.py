"""room for the longest names Entra allows in action owners and pairing reasons

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 18:00:00

A display name may be 256 characters. An action's owner is a name (200 was too short), and a
pairing's end and cadence reasons quote one or two names, so they become unbounded text: on
PostgreSQL a longer value failed that meeting's read-back, or that pair's schedule, on
every run.
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# SQLite does not enforce VARCHAR lengths (and would have to rebuild each table to alter one).
_CHANGES = (('actions', 'owner', sa.String(length=200), sa.String(length=256)),
            ('pairings', 'end_reason', sa.String(length=200), sa.Text()),
            ('pairings', 'cadence_reason', sa.String(length=200), sa.Text()))


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        return
    for table, column, old, new in _CHANGES:
        op.alter_column(table, column, type_=new, existing_type=old, existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        return
    for table, column, old, new in _CHANGES:
        # Values longer than the old type are clipped, not refused: a downgrade must finish.
        op.alter_column(table, column, type_=old, existing_type=new, existing_nullable=False,
                        postgresql_using=f'left({column}, {old.length})')
