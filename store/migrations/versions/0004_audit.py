"""audit: who did what, when (append-only)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('audit',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_kind', sa.String(length=20), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('actor_id', Id, nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('campaign_id', Id, nullable=True),
    sa.Column('issue_id', Id, nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('from_state', sa.String(length=20), nullable=True),
    sa.Column('to_state', sa.String(length=20), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit'))
    )
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_campaign_id_at'), ['campaign_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_issue_id_at'), ['issue_id', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_issue_id_at'))
        batch_op.drop_index(batch_op.f('ix_audit_campaign_id_at'))
        batch_op.drop_index(batch_op.f('ix_audit_at'))

    op.drop_table('audit')
