"""catch-up issues: issues.kind ('issue' | 'catch-up') and issues.covers (the missed issues' ids)

Revision ID: 0009
Revises: 0006 (re-chain on 0008 once 0007 and 0008 are on main)
Create Date: 2026-12-01 23:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: rebuilding `issues` on SQLite would drop it, and with
    # foreign keys on that cascades to the ledger. Every existing row is an issue of its series.
    op.add_column('issues', sa.Column('kind', sa.String(length=20), nullable=False, server_default='issue'))
    op.add_column('issues', sa.Column('covers', sa.JSON(), nullable=True))
    if op.get_bind().dialect.name != 'sqlite':  # SQLite cannot add a constraint to a table
        op.create_check_constraint('kind', 'issues', "kind IN ('issue', 'catch-up')")


def downgrade() -> None:
    with op.batch_alter_table('issues') as batch:
        batch.drop_column('covers')
        batch.drop_column('kind')
