"""organisation aliases and the people search index

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:00:00.000000

Self-contained: the SQLite search index (an FTS5 trigram table kept by triggers) is written out
here, not imported, so this migration means the same thing whatever the code becomes.
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Substrings of three characters or more of name, address and organisation, found through an
# index (trigrams) at 100,000 people. External content: the text lives only in recipients.
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE recipient_search USING fts5(name, address, organisation, "
    "content='recipients', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER recipient_search_insert AFTER INSERT ON recipients BEGIN "
    "INSERT INTO recipient_search(rowid, name, address, organisation) "
    "VALUES (new.id, new.name, new.address, new.organisation); END",
    "CREATE TRIGGER recipient_search_delete AFTER DELETE ON recipients BEGIN "
    "INSERT INTO recipient_search(recipient_search, rowid, name, address, organisation) "
    "VALUES ('delete', old.id, old.name, old.address, old.organisation); END",
    # An import updates every person it meets: only a real change touches the index.
    "CREATE TRIGGER recipient_search_update AFTER UPDATE OF name, address, organisation "
    "ON recipients WHEN old.name IS NOT new.name OR old.address IS NOT new.address "
    "OR old.organisation IS NOT new.organisation BEGIN "
    "INSERT INTO recipient_search(recipient_search, rowid, name, address, organisation) "
    "VALUES ('delete', old.id, old.name, old.address, old.organisation); "
    "INSERT INTO recipient_search(rowid, name, address, organisation) "
    "VALUES (new.id, new.name, new.address, new.organisation); END",
    "INSERT INTO recipient_search(recipient_search) VALUES ('rebuild')",
]


def upgrade() -> None:
    op.create_table('organisation_aliases',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('canonical', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_organisation_aliases'))
    )
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recipients_organisation'), ['organisation'], unique=False)
    if op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_SEARCH:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER recipient_search_{trigger}")
        op.execute("DROP TABLE recipient_search")
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recipients_organisation'))
    op.drop_table('organisation_aliases')
