"""deliveries.status may be 'unknown': handed over whole, no answer came (perhaps delivered)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 01:10:00.000000

Only the CHECK constraint on deliveries.status changes. PostgreSQL alters it in place; SQLite
cannot, so the table is rebuilt (batch mode) from the definition written out below, not
reflected, so this migration means the same thing whatever the code becomes. The rebuild drops
the old table: store/engine.upgrade() runs migrations on SQLite with foreign keys off (and
checks them before committing), so rows that refer to deliveries (acknowledgements,
bounce_reports) are neither deleted nor cut loose.
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
BEFORE = ('queued', 'sending', 'sent', 'failed', 'bounced', 'skipped')
AFTER = (*BEFORE, 'unknown')
NAME = 'ck_deliveries_status'


def _check(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{status}'" for status in statuses) + ")"


def _deliveries(statuses: tuple[str, ...]) -> sa.Table:
    """The deliveries table as 0007 left it, with the status check given."""
    return sa.Table(
        'deliveries',
        sa.MetaData(),
        sa.Column('id', Id, primary_key=True, autoincrement=True),
        sa.Column('issue_id', Id, sa.ForeignKey('issues.id', name='fk_deliveries_issue_id_issues', ondelete='CASCADE'), nullable=False),
        sa.Column('recipient_id', Id, sa.ForeignKey('recipients.id', name='fk_deliveries_recipient_id_recipients', ondelete='SET NULL')),
        sa.Column('list_id', Id, sa.ForeignKey('lists.id', name='fk_deliveries_list_id_lists', ondelete='SET NULL')),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True)),
        sa.Column('claimed_by', sa.String(length=100)),
        sa.Column('claimed_at', sa.DateTime(timezone=True)),
        sa.Column('attempted_at', sa.DateTime(timezone=True)),
        sa.Column('message_id', sa.String(length=300)),
        sa.Column('sent_at', sa.DateTime(timezone=True)),
        sa.Column('last_error', sa.Text()),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('bounced_at', sa.DateTime(timezone=True)),
        sa.Column('bounce_source', sa.String(length=20)),
        sa.Column('bounce_code', sa.String(length=20)),
        sa.PrimaryKeyConstraint('id', name='pk_deliveries'),
        sa.UniqueConstraint('issue_id', 'recipient_id', name='uq_deliveries_issue_id_recipient_id'),
        sa.CheckConstraint(_check(statuses), name=NAME),
        sa.Index('ix_deliveries_attempted_at', 'attempted_at'),
        sa.Index('ix_deliveries_issue_id_status', 'issue_id', 'status'),
        sa.Index('ix_deliveries_recipient_id', 'recipient_id'),
    )


def _change_check(before: tuple[str, ...], after: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        # copy_from: the table as it is now; the new check replaces the old in the rebuild.
        with op.batch_alter_table('deliveries', copy_from=_deliveries(before), recreate='always') as batch_op:
            batch_op.drop_constraint(op.f(NAME), type_='check')
            batch_op.create_check_constraint(op.f(NAME), _check(after))
        return
    op.drop_constraint(op.f(NAME), 'deliveries', type_='check')
    op.create_check_constraint(op.f(NAME), 'deliveries', _check(after))


def upgrade() -> None:
    _change_check(BEFORE, AFTER)


def downgrade() -> None:
    # Before 0011 an unknown outcome went back to the queue and was sent again silently: failed,
    # with its error kept, is the side that sends nobody a second copy.
    op.execute(
        "UPDATE deliveries SET status = 'failed', last_error = 'outcome unknown (kept as failed "
        "by a downgrade): ' || COALESCE(last_error, '') WHERE status = 'unknown'"
    )
    _change_check(AFTER, BEFORE)
