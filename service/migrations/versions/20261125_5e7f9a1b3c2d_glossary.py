"""glossary tables (issue 6)

Revision ID: 5e7f9a1b3c2d
Revises: 430e5ce9f677
Create Date: 2026-11-25 23:40:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '5e7f9a1b3c2d'
down_revision = '430e5ce9f677'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
