"""catch-up issues: issues.kind ('issue' | 'catch-up') and issues.covers (the missed issues' ids)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 23:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: rebuilding `issues` on SQLite would drop it, and with
    # foreign keys on that cascades to the ledger. Every existing row is an issue of its series.
    op.add_column('issues', sa.Column('kind', sa.String(length=20), nullable=False, server_default='issue'))
    op.add_column('issues', sa.Column('covers', sa.JSON(), nullable=True))
    if op.get_bind().dialect.name != 'sqlite':  # SQLite cannot add a constraint to a table
        op.create_check_constraint(op.f('ck_issues_kind'), 'issues', "kind IN ('issue', 'catch-up')")


def downgrade() -> None:
    # Catch-ups are issues of no series once `kind` is gone: delete them (their ledger rows go
    # with them) rather than let them pass for the series' own. Plain DROP COLUMN (SQLite 3.35+),
    # not batch mode, for the reason above.
    op.execute("DELETE FROM issues WHERE kind = 'catch-up'")
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_issues_kind'), 'issues', type_='check')
    op.drop_column('issues', 'covers')
    op.drop_column('issues', 'kind')
