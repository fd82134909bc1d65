"""list_uploads: a list uploaded in the console, kept in the database until it is imported

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 01:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('list_uploads',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('list_slug', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=500), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('sheet', sa.String(length=200), nullable=True),
    sa.Column('mapping', sa.JSON(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.String(length=32), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sheets', sa.JSON(), nullable=False),
    sa.Column('check_report', sa.JSON(), nullable=True),
    sa.Column('rejects', sa.LargeBinary(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('checking', 'checked', 'importing', 'imported', 'failed')", name=op.f('ck_list_uploads_state')),
    sa.ForeignKeyConstraint(['user_id'], ['staff_users.id'], name=op.f('fk_list_uploads_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_uploads'))
    )
    with op.batch_alter_table('list_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_list_uploads_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('list_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_list_uploads_created_at'))
    op.drop_table('list_uploads')
