"""delivery reports read back from the mailbox: bounce columns on the ledger, bounce_reports,
list_flags

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:40:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
# The lead re-chains this onto "0006" when the branch that adds 0006 is merged.
down_revision = '0006'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bounced_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('bounce_source', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('bounce_code', sa.String(length=20), nullable=True))
    op.create_table('bounce_reports',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('report_key', sa.String(length=300), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('status_code', sa.String(length=20), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('original_message_id', sa.String(length=300), nullable=True),
    sa.Column('delivery_id', Id, nullable=True),
    sa.Column('diagnostic', sa.Text(), nullable=True),
    sa.Column('reporting_mta', sa.String(length=300), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('no_such_address', 'refused', 'our_quota', 'we_are_blocked', 'soft', 'other', 'delayed')", name=op.f('ck_bounce_reports_kind')),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_bounce_reports_delivery_id_deliveries'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bounce_reports')),
    sa.UniqueConstraint('report_key', 'recipient', name=op.f('uq_bounce_reports_report_key_recipient'))
    )
    with op.batch_alter_table('bounce_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bounce_reports_delivery_id'), ['delivery_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bounce_reports_recipient'), ['recipient'], unique=False)
    op.create_table('list_flags',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('list_id', Id, nullable=True),
    sa.Column('domain', sa.String(length=255), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('status_code', sa.String(length=20), nullable=False),
    sa.Column('diagnostic', sa.Text(), nullable=True),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['list_id'], ['lists.id'], name=op.f('fk_list_flags_list_id_lists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_flags'))
    )
    with op.batch_alter_table('list_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_list_flags_list_id_domain'), ['list_id', 'domain'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('list_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_list_flags_list_id_domain'))
    op.drop_table('list_flags')
    with op.batch_alter_table('bounce_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bounce_reports_recipient'))
        batch_op.drop_index(batch_op.f('ix_bounce_reports_delivery_id'))
    op.drop_table('bounce_reports')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('bounce_code')
        batch_op.drop_column('bounce_source')
        batch_op.drop_column('bounced_at')
