"""translation memory policy (issue 6)

Revision ID: 6f8a0b2c4d3e
Revises: 5e7f9a1b3c2d
Create Date: 2026-11-25 23:40:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '6f8a0b2c4d3e'
down_revision = '5e7f9a1b3c2d'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
