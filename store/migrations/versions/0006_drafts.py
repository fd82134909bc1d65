"""drafts: the console's campaign drafts (briefing, overlay, plan, approval state)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:10:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('drafts',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('briefing_source', sa.String(length=300), nullable=False),
    sa.Column('briefing_text', sa.Text(), nullable=False),
    sa.Column('overlay', sa.JSON(), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('approved_plan', sa.Text(), nullable=True),
    sa.Column('approved_overlay', sa.JSON(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('campaign_id', Id, nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('draft', 'submitted', 'approved', 'rejected')", name=op.f('ck_drafts_state')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_drafts_campaign_id_campaigns'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drafts')),
    sa.UniqueConstraint('name', name=op.f('uq_drafts_name'))
    )


def downgrade() -> None:
    op.drop_table('drafts')
