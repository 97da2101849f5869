"""directory as last read, and the users/delta link

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09 10:00:00

The pairs job reads the directory with users/delta: only changes since the stored link. What
it knows of each user (the properties a change is merged into) is kept as JSON per user.
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'directory_users',
        sa.Column('id', sa.String(length=100), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'directory_sync',
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.Column('delta_link', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('source'),
    )


def downgrade() -> None:
    op.drop_table('directory_sync')
    op.drop_table('directory_users')
