"""staff_users: the linked work account (OpenID Connect tenant and object id)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
# Other branches add 0007-0010; until they land this follows main's head, 0006 (the lead
# re-points it to "0010" when merging them).
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('oidc_tid', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('oidc_oid', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_staff_users_oidc_tid_oidc_oid'), ['oidc_tid', 'oidc_oid'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_users_oidc_tid_oidc_oid'))
        batch_op.drop_column('oidc_oid')
        batch_op.drop_column('oidc_tid')
