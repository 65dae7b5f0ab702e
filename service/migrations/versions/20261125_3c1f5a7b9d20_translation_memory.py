"""translation memory

Revision ID: 3c1f5a7b9d20
Revises: dfa9d9aaba56
Create Date: 2026-11-25 22:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c1f5a7b9d20'
down_revision = 'dfa9d9aaba56'
branch_labels = None
depends_on = None

# SQLite: an external-content FTS5 table with the trigram tokenizer, kept in sync by triggers.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE tm_units_fts USING fts5(source, content='tm_units', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER tm_units_fts_insert AFTER INSERT ON tm_units BEGIN "
    "INSERT INTO tm_units_fts(rowid, source) VALUES (new.id, new.source); END",
    "CREATE TRIGGER tm_units_fts_delete AFTER DELETE ON tm_units BEGIN "
    "INSERT INTO tm_units_fts(tm_units_fts, rowid, source) VALUES ('delete', old.id, old.source); END",
    "CREATE TRIGGER tm_units_fts_update AFTER UPDATE OF source ON tm_units BEGIN "
    "INSERT INTO tm_units_fts(tm_units_fts, rowid, source) VALUES ('delete', old.id, old.source); "
    "INSERT INTO tm_units_fts(rowid, source) VALUES (new.id, new.source); END",
]


def upgrade():
    op.create_table('tm_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_lang', sa.String(length=10), nullable=False),
    sa.Column('target_lang', sa.String(length=10), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('source_hash', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=True),
    sa.Column('next_hash', sa.String(length=64), nullable=True),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_tm_units_article_id_articles'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tm_units'))
    )
    with op.batch_alter_table('tm_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tm_units_article_id'), ['article_id'], unique=False)
        batch_op.create_index('ix_tm_units_lookup', ['source_lang', 'target_lang', 'source_hash'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.create_index('ix_tm_units_source_trgm', 'tm_units', ['source'], unique=False,
                        postgresql_using='gin', postgresql_ops={'source': 'gin_trgm_ops'})
    elif dialect == 'sqlite':
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.drop_index('ix_tm_units_source_trgm', table_name='tm_units')
        # pg_trgm stays: other objects (or databases' owners) may rely on it.
    elif dialect == 'sqlite':
        for name in ('tm_units_fts_insert', 'tm_units_fts_delete', 'tm_units_fts_update'):
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
        op.execute('DROP TABLE IF EXISTS tm_units_fts')
    with op.batch_alter_table('tm_units', schema=None) as batch_op:
        batch_op.drop_index('ix_tm_units_lookup')
        batch_op.drop_index(batch_op.f('ix_tm_units_article_id'))

    op.drop_table('tm_units')
