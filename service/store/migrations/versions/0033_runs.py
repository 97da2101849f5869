"""how the last runs went, kept for `onetoone status`

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-14 09:00:00

The worker kept the outcome of its runs (the last good run, the directory syncs failing
since when and with what) in memory only, for /readyz: `onetoone status` read the database
and showed a healthy table while every sync failed to sign in. One row per kind of run
("run", "sync"), with the kind of error only (never its words).
"""

import sqlalchemy as sa
from alembic import op

import service.store.models

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'runs',
        sa.Column('job', sa.String(length=20), nullable=False),
        sa.Column('ok_at', service.store.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column('failed_at', service.store.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column('failing_since', service.store.models.UtcDateTime(timezone=True),
                  nullable=True),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('job'),
    )


def downgrade() -> None:
    op.drop_table('runs')
