"""translation memory policy (issue 6)

Revision ID: 6f8a0b2c4d3e
Revises: 5e7f9a1b3c2d
Create Date: 2026-11-25 23:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '6f8a0b2c4d3e'
down_revision = '5e7f9a1b3c2d'
branch_labels = None
depends_on = None


def upgrade():
    # Per target language: which exact TM matches the pipeline approves without a person (off when absent).
    op.create_table('tm_policies',
    sa.Column('lang', sa.String(length=10), nullable=False),
    sa.Column('auto_approve', sa.String(length=12), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('lang', name=op.f('pk_tm_policies'))
    )


def downgrade():
    op.drop_table('tm_policies')
