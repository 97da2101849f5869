"""topics by email

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 08:47:13.428604
"""

from alembic import op
import sqlalchemy as sa
import service.store.models


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_message_id', sa.String(length=400), nullable=True))
        batch_op.create_unique_constraint('uq_topics_source_message_id', ['source_message_id'])



def downgrade() -> None:
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.drop_constraint('uq_topics_source_message_id', type_='unique')
        batch_op.drop_column('source_message_id')

