"""the duty lease records which process holds it, under which name, on which host, and when
it last said it runs

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-13 09:00:00

Two workers given one [worker] name (Compose `--scale`, one env file for two containers,
each pid 1; one config on two hosts) were one lease holder, or judged each other's pids on
the wrong host: both ran the jobs. The duty lease now records the holding process's
instance (drawn at random as it starts), its configured name, its host name and its last
sign of life; a namesake that is alive makes a worker stand by and say so. Null on every
other lock, and on a duty lease taken before the upgrade (it runs out as before).
"""

import sqlalchemy as sa
from alembic import op

import service.store.models

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('locks', sa.Column('instance', sa.String(length=32), nullable=True))
    op.add_column('locks', sa.Column('worker_name', sa.String(length=64), nullable=True))
    op.add_column('locks', sa.Column('host', sa.String(length=64), nullable=True))
    op.add_column('locks', sa.Column('seen', service.store.models.UtcDateTime(timezone=True),
                                     nullable=True))


def downgrade() -> None:
    # Plain column drops, as in 0029 (SQLite drops a column in place since 3.35).
    op.drop_column('locks', 'seen')
    op.drop_column('locks', 'host')
    op.drop_column('locks', 'worker_name')
    op.drop_column('locks', 'instance')
