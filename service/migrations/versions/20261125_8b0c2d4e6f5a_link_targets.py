"""per-language link targets (issue 3)

Revision ID: 8b0c2d4e6f5a
Revises: 6f8a0b2c4d3e
Create Date: 2026-11-25 23:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b0c2d4e6f5a'
down_revision = '6f8a0b2c4d3e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('translations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_targets', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('translations', schema=None) as batch_op:
        batch_op.drop_column('link_targets')
