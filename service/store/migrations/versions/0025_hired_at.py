"""a person's employeeHireDate kept as the instant Graph gives

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 18:00:00

employeeHireDate is a DateTimeOffset, which Graph gives in UTC; the day was cut from it as
UTC's, so a Sydney joiner whose first day HR wrote as midnight there (13:00 the day before
in UTC) started a day early. The instant is kept instead, and the day taken where the
person works (see domain.directory start_day). A stored day becomes midnight UTC, which
reads back as that same day; the next directory sync writes the instant Graph gives.
"""

from datetime import UTC, datetime, time

import sqlalchemy as sa
from alembic import op

import service.store.models

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

people = sa.table('people', sa.column('id', sa.String),
                  sa.column('hire_date', sa.Date),
                  sa.column('hired_at', service.store.models.UtcDateTime(timezone=True)))


def upgrade() -> None:
    op.add_column('people', sa.Column('hired_at',
                                      service.store.models.UtcDateTime(timezone=True),
                                      nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(people.c.id, people.c.hire_date)
                        .where(people.c.hire_date.is_not(None))).all()
    if rows:
        conn.execute(people.update().where(people.c.id == sa.bindparam('pid'))
                     .values(hired_at=sa.bindparam('at')),
                     [{'pid': pid, 'at': datetime.combine(day, time(), UTC)}
                      for pid, day in rows])
    # A plain column drop, as in 0022 (SQLite drops a column in place since 3.35).
    op.drop_column('people', 'hire_date')
    # The quiet-sync check asks for the zones of the people hired lately: found by index.
    op.create_index('ix_people_hired_at', 'people', ['hired_at'])


def downgrade() -> None:
    op.drop_index('ix_people_hired_at', table_name='people')
    op.add_column('people', sa.Column('hire_date', sa.Date(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(people.c.id, people.c.hired_at)
                        .where(people.c.hired_at.is_not(None))).all()
    if rows:
        conn.execute(people.update().where(people.c.id == sa.bindparam('pid'))
                     .values(hire_date=sa.bindparam('day')),
                     [{'pid': pid, 'day': at.astimezone(UTC).date()} for pid, at in rows])
    op.drop_column('people', 'hired_at')
