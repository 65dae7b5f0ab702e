"""segment identity for re-import (issue 3)

Revision ID: 7a9b1c3d5e4f
Revises: 6f8a0b2c4d3e
Create Date: 2026-11-25 23:40:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '7a9b1c3d5e4f'
down_revision = '6f8a0b2c4d3e'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
