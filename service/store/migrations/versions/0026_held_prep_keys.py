"""prep mails held back since they were queued give up their keys, as they do since e2cbb00

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 21:30:00

A prep mail held back because its meeting was called off (cancelled, declined, skipped, its
series ended, or too close by then) while it waited in the outbox kept its key,
prep:<pair>:<slot>, before e2cbb00. The meeting the manager books in place of the missed one
takes that key, so it got no prep mail though the report was never asked. Since then the
hold-back renames the key to held<id>:<key> (the row stays, suppressed, saying why); this
does the same for the rows held back before, found by the note that hold-back writes ("not
sent: … since it was queued"). Their meetings are never due again (called off, or past), so
no meeting gets a second prep mail. Nothing to undo: 0025's code reads either key alike.
"""

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

outbox = sa.table('outbox', sa.column('id', sa.Integer), sa.column('key', sa.String),
                  sa.column('kind', sa.String), sa.column('status', sa.String),
                  sa.column('last_error', sa.Text))


def upgrade() -> None:
    op.get_bind().execute(outbox.update().where(
        outbox.c.kind == 'prep', outbox.c.status == 'suppressed',
        outbox.c.key.like('prep:%'), outbox.c.last_error.like('not sent: % since it was queued'))
        .values(key=sa.literal('held', sa.String) + sa.cast(outbox.c.id, sa.String)
                + sa.literal(':', sa.String) + outbox.c.key))


def downgrade() -> None:
    pass  # (the renamed keys are what 0025's code writes itself)
